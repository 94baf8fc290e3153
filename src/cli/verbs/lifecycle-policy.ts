import { arnColumn, dateColumn, nameColumn, str } from '../columns.js';
import { resourceVerbs } from '../resource-verbs.js';

export const lifecyclePolicyVerbs = resourceVerbs({
  noun: 'lifecycle-policy',
  kind: 'lifecyclePolicy',
  columns: [
    nameColumn,
    { header: 'status', value: (r) => str(r.status) },
    { header: 'resource type', value: (r) => str(r.resourceType) },
    dateColumn('dateCreated'),
    arnColumn,
  ],
  // Policies are nested rule sets; a file says them better than flags could.
  createFlags: [
    { name: 'name', type: 'string', value: 'NAME', help: 'policy name (overrides the file)', member: 'name' },
  ],
  createExample: '--file policy.yaml [--name NAME]',
});
