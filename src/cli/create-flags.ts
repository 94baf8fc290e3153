import type { CreateFlag } from './resource-verbs.js';

/** `create` flags several resources share. */
export const nameFlag = (what: string): CreateFlag => ({
  name: 'name',
  type: 'string',
  value: 'NAME',
  help: `${what} name`,
  member: 'name',
});

export const versionFlag: CreateFlag = {
  name: 'version',
  type: 'string',
  value: 'X.Y.Z',
  help: 'semantic version',
  member: 'semanticVersion',
};

export const descriptionFlag: CreateFlag = {
  name: 'description',
  type: 'string',
  value: 'TEXT',
  help: 'description',
  member: 'description',
};

export const dataFileFlag = (what: string): CreateFlag => ({
  name: 'data-file',
  type: 'string',
  value: 'FILE',
  help: `${what} (YAML)`,
  member: 'data',
  as: 'text',
});

/** name, version, parent image and components: what image and container recipes both take. */
export const recipeFlags: readonly CreateFlag[] = [
  nameFlag('recipe'),
  versionFlag,
  {
    name: 'parent-image',
    type: 'string',
    value: 'IMAGE',
    help: 'e.g. debian:bookworm',
    member: 'parentImage',
  },
  {
    name: 'component',
    type: 'list',
    value: 'NAME-or-ARN',
    help: 'component to run, in order (repeatable; a name means its newest version)',
    member: 'components',
    as: { refs: 'component', item: 'componentArn' },
  },
];
