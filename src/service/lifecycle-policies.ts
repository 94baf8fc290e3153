import { KilnError, invalidValue } from '../core/errors.js';
import { parseVersionPattern } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import type { Input } from './context.js';
import { bodyField } from './filters.js';
import { namedHandlers } from './named.js';
import { compact } from './resources.js';

const combo = (message: string, hint?: string) =>
  new KilnError('InvalidParameterCombinationException', message, hint ? { hint } : {});

/** The service's rules for lifecycle policy rules, checked once at the edge. */
function checkPolicyDetails(resourceType: string, details: Input[]): void {
  const actions = new Set<string>();
  for (const [i, d] of details.entries()) {
    const at = `policyDetails[${i}]`;
    const type = d.action.type as string;
    if (actions.has(type))
      throw combo(`'${at}.action.type' repeats ${type}; give at most one rule per action.`);
    actions.add(type);
    if (resourceType === 'CONTAINER_IMAGE' && type !== 'DELETE') {
      throw combo(
        `'${at}.action.type' ${type} applies to AMI_IMAGE policies only; container images can only be deleted.`,
      );
    }
    const inc = d.action.includeResources;
    if (inc?.containers && resourceType !== 'CONTAINER_IMAGE')
      throw combo(`'${at}.action.includeResources.containers' needs resourceType CONTAINER_IMAGE.`);
    if ((inc?.amis || inc?.snapshots) && resourceType !== 'AMI_IMAGE')
      throw combo(`'${at}.action.includeResources' amis/snapshots need resourceType AMI_IMAGE.`);
    if (inc?.snapshots && type !== 'DELETE')
      throw combo(`'${at}.action.includeResources.snapshots' only applies to DELETE.`);
    const f = d.filter;
    if (f.type === 'AGE' && !f.unit)
      throw invalidValue(`${at}.filter.unit`, 'An AGE filter needs a unit (DAYS, WEEKS, MONTHS or YEARS).');
    if (f.type === 'COUNT' && f.unit) throw combo(`'${at}.filter.unit' only applies to AGE filters.`);
    if (f.type === 'COUNT' && f.retainAtLeast !== undefined)
      throw combo(`'${at}.filter.retainAtLeast' only applies to AGE filters.`);
    if (type !== 'DELETE' && f.type === 'COUNT')
      throw combo(`'${at}.filter.type' COUNT only applies to DELETE rules.`);
    if (d.exclusionRules?.amis && resourceType !== 'AMI_IMAGE')
      throw combo(`'${at}.exclusionRules.amis' needs resourceType AMI_IMAGE.`);
  }
}

function checkResourceSelection(sel: Input): void {
  const hasRecipes = (sel.recipes?.length ?? 0) > 0;
  const hasTags = sel.tagMap && Object.keys(sel.tagMap).length > 0;
  if (hasRecipes === Boolean(hasTags))
    throw combo("Specify exactly one of 'resourceSelection.recipes' or 'resourceSelection.tagMap'.");
  for (const [i, r] of (sel.recipes ?? []).entries())
    parseVersionPattern(r.semanticVersion, `resourceSelection.recipes[${i}].semanticVersion`);
}

const policyBody = async (_deps: unknown, _ctx: unknown, input: Input) => {
  checkPolicyDetails(input.resourceType, input.policyDetails);
  checkResourceSelection(input.resourceSelection);
  return compact({
    name: input.name,
    description: input.description,
    status: input.status ?? 'ENABLED',
    executionRole: input.executionRole,
    resourceType: input.resourceType,
    policyDetails: input.policyDetails,
    resourceSelection: input.resourceSelection,
  });
};

const summary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    description: r.body.description,
    status: r.body.status,
    executionRole: r.body.executionRole,
    resourceType: r.body.resourceType,
    dateCreated: r.body.dateCreated,
    dateUpdated: r.body.dateUpdated,
    dateLastRun: r.body.dateLastRun,
    tags: r.tags,
  });

export const LIFECYCLE_POLICY_HANDLERS = namedHandlers(
  {
    type: 'lifecycle-policy',
    arnMember: 'lifecyclePolicyArn',
    getMember: 'lifecyclePolicy',
    listMember: 'lifecyclePolicySummaryList',
    // The service documents these two filter names capitalized; accept both spellings.
    filters: {
      Name: bodyField('name'),
      name: bodyField('name'),
      Status: bodyField('status'),
      status: bodyField('status'),
    },
    build: policyBody,
    summary,
  },
  {
    create: 'CreateLifecyclePolicy',
    update: 'UpdateLifecyclePolicy',
    get: 'GetLifecyclePolicy',
    list: 'ListLifecyclePolicies',
    delete: 'DeleteLifecyclePolicy',
  },
);
