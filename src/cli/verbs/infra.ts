import { arnColumn, dateColumn, nameColumn, str } from '../columns.js';
import { descriptionFlag, nameFlag } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const infraVerbs = resourceVerbs({
  noun: 'infra',
  kind: 'infrastructureConfiguration',
  columns: [
    nameColumn,
    {
      header: 'instance types',
      value: (r) => (Array.isArray(r.instanceTypes) ? r.instanceTypes.join(',') : undefined),
    },
    { header: 'profile', value: (r) => str(r.instanceProfileName) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    nameFlag('configuration'),
    {
      name: 'instance-profile',
      type: 'string',
      value: 'NAME',
      help: 'instance profile name',
      member: 'instanceProfileName',
    },
    {
      name: 'instance-type',
      type: 'list',
      value: 'TYPE',
      help: 'e.g. kiln.small (repeatable)',
      member: 'instanceTypes',
    },
    descriptionFlag,
  ],
  createExample:
    '--name NAME --instance-profile kiln-build [--instance-type kiln.small] | --file request.yaml',
});
