import { arnColumn, dateColumn, nameColumn, str, versionColumn } from '../columns.js';
import { descriptionFlag, recipeFlags } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const recipeVerbs = resourceVerbs({
  noun: 'recipe',
  kind: 'imageRecipe',
  columns: [
    nameColumn,
    versionColumn,
    { header: 'parent', value: (r) => str(r.parentImage) },
    { header: 'platform', value: (r) => str(r.platform) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    ...recipeFlags,
    {
      name: 'working-directory',
      type: 'string',
      value: 'DIR',
      help: 'working directory',
      member: 'workingDirectory',
    },
    descriptionFlag,
  ],
  createExample:
    '--name NAME --version 1.0.0 --parent-image debian:bookworm --component NAME | --file request.yaml',
});
