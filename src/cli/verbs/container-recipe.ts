import { arnColumn, dateColumn, nameColumn, str, versionColumn } from '../columns.js';
import { descriptionFlag, recipeFlags } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const containerRecipeVerbs = resourceVerbs({
  noun: 'container-recipe',
  kind: 'containerRecipe',
  columns: [
    nameColumn,
    versionColumn,
    { header: 'parent', value: (r) => str(r.parentImage) },
    { header: 'type', value: (r) => str(r.containerType) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    ...recipeFlags,
    {
      name: 'dockerfile',
      type: 'string',
      value: 'FILE',
      help: 'Dockerfile template',
      member: 'dockerfileTemplateData',
      as: 'text',
    },
    {
      name: 'repository',
      type: 'string',
      value: 'NAME',
      help: 'target repository',
      member: 'targetRepository.repositoryName',
    },
    descriptionFlag,
  ],
  createExample:
    '--name NAME --version 1.0.0 --parent-image IMAGE --dockerfile FILE --repository REPO | --file F',
  finishCreate: (input) => {
    input.containerType ??= 'DOCKER';
    const repo = input.targetRepository as Record<string, unknown> | undefined;
    if (repo) repo.service ??= 'ECR';
  },
});
