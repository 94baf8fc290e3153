import { arnColumn, arnNameColumn, dateColumn, nameColumn, str } from '../columns.js';
import { descriptionFlag, nameFlag } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const pipelineVerbs = resourceVerbs({
  noun: 'pipeline',
  kind: 'imagePipeline',
  columns: [
    nameColumn,
    { header: 'status', value: (r) => str(r.status) },
    arnNameColumn('imageRecipeArn', 'recipe'),
    {
      header: 'schedule',
      value: (r) => str((r.schedule as { scheduleExpression?: string } | undefined)?.scheduleExpression),
    },
    dateColumn('dateNextRun', 'next run'),
    arnColumn,
  ],
  createFlags: [
    nameFlag('pipeline'),
    {
      name: 'recipe',
      type: 'string',
      value: 'NAME-or-ARN',
      help: 'image recipe',
      member: 'imageRecipeArn',
      as: { ref: 'imageRecipe' },
    },
    {
      name: 'container-recipe',
      type: 'string',
      value: 'NAME-or-ARN',
      help: 'container recipe (instead of --recipe)',
      member: 'containerRecipeArn',
      as: { ref: 'containerRecipe' },
    },
    {
      name: 'infra',
      type: 'string',
      value: 'NAME-or-ARN',
      help: 'infrastructure configuration',
      member: 'infrastructureConfigurationArn',
      as: { ref: 'infrastructureConfiguration' },
    },
    {
      name: 'dist',
      type: 'string',
      value: 'NAME-or-ARN',
      help: 'distribution configuration',
      member: 'distributionConfigurationArn',
      as: { ref: 'distributionConfiguration' },
    },
    {
      name: 'schedule',
      type: 'string',
      value: 'CRON',
      help: "e.g. 'cron(0 6 ? * MON *)'",
      member: 'schedule.scheduleExpression',
    },
    {
      name: 'timezone',
      type: 'string',
      value: 'TZ',
      help: 'schedule time zone, e.g. Etc/UTC',
      member: 'schedule.timezone',
    },
    { name: 'status', type: 'string', value: 'STATUS', help: 'ENABLED or DISABLED', member: 'status' },
    descriptionFlag,
  ],
  createExample:
    '--name NAME --recipe NAME --infra NAME [--dist NAME] [--schedule CRON] | --file request.yaml',
});
