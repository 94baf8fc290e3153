import { arnColumn, dateColumn, nameColumn, str, versionColumn } from '../columns.js';
import { dataFileFlag, descriptionFlag, nameFlag, versionFlag } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const workflowVerbs = resourceVerbs({
  noun: 'workflow',
  kind: 'workflow',
  columns: [
    nameColumn,
    versionColumn,
    { header: 'type', value: (r) => str(r.type) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    nameFlag('workflow'),
    versionFlag,
    { name: 'type', type: 'string', value: 'TYPE', help: 'BUILD, TEST or DISTRIBUTION', member: 'type' },
    dataFileFlag('workflow document'),
    descriptionFlag,
  ],
  createExample: '--name NAME --version 1.0.0 --type BUILD --data-file workflow.yaml | --file request.yaml',
});
