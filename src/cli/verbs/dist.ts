import { arnColumn, dateColumn, nameColumn } from '../columns.js';
import { descriptionFlag, nameFlag } from '../create-flags.js';
import { resourceVerbs } from '../resource-verbs.js';

export const distVerbs = resourceVerbs({
  noun: 'dist',
  kind: 'distributionConfiguration',
  columns: [
    nameColumn,
    { header: 'regions', value: (r) => (Array.isArray(r.regions) ? r.regions.join(',') : undefined) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  createFlags: [
    nameFlag('configuration'),
    {
      name: 'target-region',
      type: 'list',
      value: 'REGION',
      help: 'distribute to this region (repeatable)',
      member: 'regions',
    },
    {
      name: 'ami-name',
      type: 'string',
      value: 'TEMPLATE',
      help: "output name, e.g. 'x-{{imagebuilder:buildDate}}'",
      member: 'amiName',
    },
    descriptionFlag,
  ],
  createExample:
    "--name NAME --target-region us-east-1 [--ami-name 'x-{{imagebuilder:buildDate}}'] | --file F",
  // The flags describe one distribution per region; --file gives full control.
  finishCreate: (input) => {
    const regions = input.regions as string[] | undefined;
    const amiName = input.amiName as string | undefined;
    delete input.regions;
    delete input.amiName;
    if (!regions) return;
    input.distributions = regions.map((region) => ({
      region,
      ...(amiName ? { amiDistributionConfiguration: { name: amiName } } : {}),
    }));
  },
});
