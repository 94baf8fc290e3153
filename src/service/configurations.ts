import { KilnError, invalidValue } from '../core/errors.js';
import { INSTANCE_TYPES, instanceType } from '../core/instance-types.js';
import type { ResourceRecord } from '../store/store.js';
import type { Input } from './context.js';
import { bodyField } from './filters.js';
import { namedHandlers } from './named.js';
import { compact } from './resources.js';

function checkInstanceTypes(types: string[] | undefined): void {
  for (const [i, t] of (types ?? []).entries()) {
    if (!instanceType(t)) {
      throw invalidValue(
        `instanceTypes[${i}]`,
        `'${t}' is not a Kiln instance type.`,
        `Use one of: ${INSTANCE_TYPES.map((x) => x.name).join(', ')}.`,
      );
    }
  }
}

const infraBody = async (_deps: unknown, _ctx: unknown, input: Input) => {
  checkInstanceTypes(input.instanceTypes);
  return compact({
    name: input.name,
    description: input.description,
    instanceTypes: input.instanceTypes,
    instanceProfileName: input.instanceProfileName,
    securityGroupIds: input.securityGroupIds,
    subnetId: input.subnetId,
    logging: input.logging,
    keyPair: input.keyPair,
    terminateInstanceOnFailure: input.terminateInstanceOnFailure ?? true,
    snsTopicArn: input.snsTopicArn,
    resourceTags: input.resourceTags,
    instanceMetadataOptions: input.instanceMetadataOptions,
    placement: input.placement,
  });
};

const infraSummary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    description: r.body.description,
    dateCreated: r.body.dateCreated,
    dateUpdated: r.body.dateUpdated,
    resourceTags: r.body.resourceTags,
    tags: r.tags,
    instanceTypes: r.body.instanceTypes,
    instanceProfileName: r.body.instanceProfileName,
    placement: r.body.placement,
  });

export const INFRASTRUCTURE_HANDLERS = namedHandlers(
  {
    type: 'infrastructure-configuration',
    arnMember: 'infrastructureConfigurationArn',
    getMember: 'infrastructureConfiguration',
    listMember: 'infrastructureConfigurationSummaryList',
    filters: { name: bodyField('name') },
    build: infraBody,
    summary: infraSummary,
  },
  {
    create: 'CreateInfrastructureConfiguration',
    update: 'UpdateInfrastructureConfiguration',
    get: 'GetInfrastructureConfiguration',
    list: 'ListInfrastructureConfigurations',
    delete: 'DeleteInfrastructureConfiguration',
  },
);

/** Variables an AMI name may use; resolved at distribution time. */
export const AMI_NAME_VARIABLES = ['imagebuilder:buildDate', 'imagebuilder:buildVersion'];

function checkAmiName(name: string | undefined, member: string): void {
  if (name === undefined) return;
  for (const m of name.matchAll(/\{\{([^}]*)\}\}/g)) {
    const variable = (m[1] ?? '').trim();
    if (!AMI_NAME_VARIABLES.includes(variable)) {
      throw invalidValue(
        member,
        `Unknown variable '{{${m[1]}}}' in the name.`,
        `Names may use ${AMI_NAME_VARIABLES.map((v) => `{{${v}}}`).join(' and ')}.`,
      );
    }
  }
  const literal = name.replace(/\{\{[^}]*\}\}/g, '');
  if (/[{}]/.test(literal)) throw invalidValue(member, 'Braces must form {{variable}} references.');
}

const distBody = async (deps: { config: { regions: readonly string[] } }, _ctx: unknown, input: Input) => {
  const seen = new Set<string>();
  for (const [i, d] of (input.distributions as Input[]).entries()) {
    const at = `distributions[${i}]`;
    if (!deps.config.regions.includes(d.region)) {
      throw invalidValue(
        `${at}.region`,
        `'${d.region}' is not a region of this Kiln server.`,
        `Configured regions: ${deps.config.regions.join(', ')}.`,
      );
    }
    if (seen.has(d.region))
      throw new KilnError(
        'InvalidParameterCombinationException',
        `'${at}.region' repeats region '${d.region}'; give each region once.`,
      );
    seen.add(d.region);
    if (d.fastLaunchConfigurations?.length) {
      throw new KilnError(
        'InvalidParameterCombinationException',
        `'${at}.fastLaunchConfigurations' is Windows-only (EC2 Fast Launch); Kiln builds Linux images and does not support it.`,
        { hint: 'Remove fastLaunchConfigurations.' },
      );
    }
    checkAmiName(d.amiDistributionConfiguration?.name, `${at}.amiDistributionConfiguration.name`);
  }
  return compact({
    name: input.name,
    description: input.description,
    distributions: input.distributions,
    timeoutMinutes: 720,
  });
};

const distSummary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    description: r.body.description,
    dateCreated: r.body.dateCreated,
    dateUpdated: r.body.dateUpdated,
    tags: r.tags,
    regions: ((r.body.distributions as { region: string }[] | undefined) ?? []).map((d) => d.region),
  });

export const DISTRIBUTION_HANDLERS = namedHandlers(
  {
    type: 'distribution-configuration',
    arnMember: 'distributionConfigurationArn',
    getMember: 'distributionConfiguration',
    listMember: 'distributionConfigurationSummaryList',
    filters: { name: bodyField('name') },
    build: distBody,
    summary: distSummary,
  },
  {
    create: 'CreateDistributionConfiguration',
    update: 'UpdateDistributionConfiguration',
    get: 'GetDistributionConfiguration',
    list: 'ListDistributionConfigurations',
    delete: 'DeleteDistributionConfiguration',
  },
);
