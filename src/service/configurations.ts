import { invalidValue } from '../core/errors.js';
import { INSTANCE_TYPES, instanceType } from '../core/instance-types.js';
import type { ResourceRecord } from '../store/store.js';
import { distributionEnvironment } from '../distribution/environment.js';
import { preflightDistributions } from '../distribution/preflight.js';
import type { CallContext, Input, ServiceDeps } from './context.js';
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

/**
 * A distribution configuration is checked by the same preflight a build runs (regions, KMS
 * keys, accounts, organizations, AMI name templates, Windows-only settings), so most mistakes
 * surface here, when the configuration is written.
 */
const distBody = async (deps: ServiceDeps, ctx: CallContext, input: Input) => {
  preflightDistributions(input.distributions, distributionEnvironment(deps.config), {
    account: ctx.account,
    buildRegion: ctx.region,
    sample: { buildDate: deps.clock.now(), buildVersion: 1 },
  });
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
