import { arnColumn, dateColumn, nameColumn, str, versionColumn } from '../columns.js';
import { dataFileFlag, descriptionFlag, nameFlag, versionFlag } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const componentVerbs = resourceVerbs({
  noun: 'component',
  kind: 'component',
  columns: [
    nameColumn,
    versionColumn,
    { header: 'platform', value: (r) => str(r.platform) },
    { header: 'type', value: (r) => str(r.type) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    nameFlag('component'),
    versionFlag,
    { name: 'platform', type: 'string', value: 'Linux', help: 'Linux, Windows or macOS', member: 'platform' },
    dataFileFlag('AWSTOE document'),
    {
      name: 'uri',
      type: 'string',
      value: 'S3URI',
      help: 'document location instead of --data-file',
      member: 'uri',
    },
    descriptionFlag,
    {
      name: 'change-description',
      type: 'string',
      value: 'TEXT',
      help: 'what changed',
      member: 'changeDescription',
    },
  ],
  createExample: '--name NAME --version 1.0.0 --platform Linux --data-file doc.yaml | --file request.yaml',
});
