import * as ib from '@aws-sdk/client-imagebuilder';
import { parseArn, type ResourceType } from '../core/arn.js';
import { compareVersions, parseVersion, type SemanticVersion } from '../core/semver.js';

/** The resource kinds `kiln apply` and the resource verbs manage, keyed as in manifests. */
export type Kind =
  | 'component'
  | 'imageRecipe'
  | 'containerRecipe'
  | 'infrastructureConfiguration'
  | 'distributionConfiguration'
  | 'imagePipeline'
  | 'workflow'
  | 'lifecyclePolicy';

export type Obj = Record<string, unknown>;
type Client = ib.ImagebuilderClient;

/**
 * One resource kind's API calls, shaped alike so callers can stay generic. Inputs are request
 * members exactly as the API spells them; the server validates them.
 */
export interface ResourceOps {
  readonly kind: Kind;
  /** For messages: 'image recipe'. */
  readonly label: string;
  readonly arnType: ResourceType;
  readonly versioned: boolean;
  /** Request member naming the ARN on Get/Delete/Update; Create answers with the same member. */
  readonly arnMember: string;
  /** The List answer's member holding the summaries. */
  readonly listKey: string;
  /** Summaries of every page; `name` narrows the listing where the API has a name filter. */
  list(client: Client, name?: string): Promise<Obj[]>;
  /** The raw Get answer; `resourceOf` picks the resource out of it. */
  get(client: Client, arn: string): Promise<Obj>;
  resourceOf(response: Obj): Obj;
  /** Returns the new resource's ARN as the answer names it, plus the raw answer. */
  create(client: Client, input: Obj): Promise<{ arn: string; response: Obj }>;
  /** Full replacement; absent for versioned kinds, which only get new versions. */
  update?(client: Client, arn: string, input: Obj): Promise<Obj>;
  delete(client: Client, arn: string): Promise<Obj>;
}

async function allPages(fetch: (nextToken: string | undefined) => Promise<Obj>, key: string): Promise<Obj[]> {
  const items: Obj[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    items.push(...((page[key] as Obj[] | undefined) ?? []));
    token = typeof page.nextToken === 'string' && page.nextToken !== '' ? page.nextToken : undefined;
  } while (token);
  return items;
}

/** Any SDK command class; inputs are API request members, which the server validates. */
// biome-ignore lint/suspicious/noExplicitAny: one table serves every command's input and output type.
type CommandClass = new (input: any) => any;

interface OpsSpec {
  readonly kind: Kind;
  readonly label: string;
  readonly arnType: ResourceType;
  readonly versioned: boolean;
  readonly arnMember: string;
  readonly listKey: string;
  /** The resource member of the Get answer, e.g. `component`. */
  readonly getKey: string;
  /** Whether List takes a `name` filter; without one, callers match names themselves. */
  readonly nameFilter: boolean;
  readonly commands: {
    readonly list: CommandClass;
    readonly get: CommandClass;
    readonly create: CommandClass;
    readonly update?: CommandClass;
    readonly delete: CommandClass;
  };
}

function ops(spec: OpsSpec): ResourceOps {
  const send = async (client: Client, Command: CommandClass, input: Obj): Promise<Obj> =>
    (await client.send(new Command(input))) as unknown as Obj;
  const { commands: cmd, arnMember } = spec;
  const update = cmd.update;
  return Object.freeze({
    kind: spec.kind,
    label: spec.label,
    arnType: spec.arnType,
    versioned: spec.versioned,
    arnMember,
    listKey: spec.listKey,
    list: (c: Client, name?: string) => {
      const filters = name && spec.nameFilter ? { filters: [{ name: 'name', values: [name] }] } : {};
      return allPages((nextToken) => send(c, cmd.list, { ...filters, nextToken }), spec.listKey);
    },
    get: (c: Client, arn: string) => send(c, cmd.get, { [arnMember]: arn }),
    resourceOf: (r: Obj) => r[spec.getKey] as Obj,
    create: async (c: Client, input: Obj) => {
      const response = await send(c, cmd.create, input);
      return { arn: response[arnMember] as string, response };
    },
    ...(update
      ? { update: (c: Client, arn: string, input: Obj) => send(c, update, { ...input, [arnMember]: arn }) }
      : {}),
    delete: (c: Client, arn: string) => send(c, cmd.delete, { [arnMember]: arn }),
  });
}

export const RESOURCES: Readonly<Record<Kind, ResourceOps>> = Object.freeze({
  component: ops({
    kind: 'component',
    label: 'component',
    arnType: 'component',
    versioned: true,
    arnMember: 'componentBuildVersionArn',
    listKey: 'componentVersionList',
    getKey: 'component',
    nameFilter: true,
    commands: {
      list: ib.ListComponentsCommand,
      get: ib.GetComponentCommand,
      create: ib.CreateComponentCommand,
      delete: ib.DeleteComponentCommand,
    },
  }),
  imageRecipe: ops({
    kind: 'imageRecipe',
    label: 'image recipe',
    arnType: 'image-recipe',
    versioned: true,
    arnMember: 'imageRecipeArn',
    listKey: 'imageRecipeSummaryList',
    getKey: 'imageRecipe',
    nameFilter: true,
    commands: {
      list: ib.ListImageRecipesCommand,
      get: ib.GetImageRecipeCommand,
      create: ib.CreateImageRecipeCommand,
      delete: ib.DeleteImageRecipeCommand,
    },
  }),
  containerRecipe: ops({
    kind: 'containerRecipe',
    label: 'container recipe',
    arnType: 'container-recipe',
    versioned: true,
    arnMember: 'containerRecipeArn',
    listKey: 'containerRecipeSummaryList',
    getKey: 'containerRecipe',
    nameFilter: true,
    commands: {
      list: ib.ListContainerRecipesCommand,
      get: ib.GetContainerRecipeCommand,
      create: ib.CreateContainerRecipeCommand,
      delete: ib.DeleteContainerRecipeCommand,
    },
  }),
  infrastructureConfiguration: ops({
    kind: 'infrastructureConfiguration',
    label: 'infrastructure configuration',
    arnType: 'infrastructure-configuration',
    versioned: false,
    arnMember: 'infrastructureConfigurationArn',
    listKey: 'infrastructureConfigurationSummaryList',
    getKey: 'infrastructureConfiguration',
    nameFilter: true,
    commands: {
      list: ib.ListInfrastructureConfigurationsCommand,
      get: ib.GetInfrastructureConfigurationCommand,
      create: ib.CreateInfrastructureConfigurationCommand,
      update: ib.UpdateInfrastructureConfigurationCommand,
      delete: ib.DeleteInfrastructureConfigurationCommand,
    },
  }),
  distributionConfiguration: ops({
    kind: 'distributionConfiguration',
    label: 'distribution configuration',
    arnType: 'distribution-configuration',
    versioned: false,
    arnMember: 'distributionConfigurationArn',
    listKey: 'distributionConfigurationSummaryList',
    getKey: 'distributionConfiguration',
    nameFilter: true,
    commands: {
      list: ib.ListDistributionConfigurationsCommand,
      get: ib.GetDistributionConfigurationCommand,
      create: ib.CreateDistributionConfigurationCommand,
      update: ib.UpdateDistributionConfigurationCommand,
      delete: ib.DeleteDistributionConfigurationCommand,
    },
  }),
  imagePipeline: ops({
    kind: 'imagePipeline',
    label: 'image pipeline',
    arnType: 'image-pipeline',
    versioned: false,
    arnMember: 'imagePipelineArn',
    listKey: 'imagePipelineList',
    getKey: 'imagePipeline',
    nameFilter: true,
    commands: {
      list: ib.ListImagePipelinesCommand,
      get: ib.GetImagePipelineCommand,
      create: ib.CreateImagePipelineCommand,
      update: ib.UpdateImagePipelineCommand,
      delete: ib.DeleteImagePipelineCommand,
    },
  }),
  workflow: ops({
    kind: 'workflow',
    label: 'workflow',
    arnType: 'workflow',
    versioned: true,
    arnMember: 'workflowBuildVersionArn',
    listKey: 'workflowVersionList',
    getKey: 'workflow',
    // The API documents no filter names for workflows.
    nameFilter: false,
    commands: {
      list: ib.ListWorkflowsCommand,
      get: ib.GetWorkflowCommand,
      create: ib.CreateWorkflowCommand,
      delete: ib.DeleteWorkflowCommand,
    },
  }),
  lifecyclePolicy: ops({
    kind: 'lifecyclePolicy',
    label: 'lifecycle policy',
    arnType: 'lifecycle-policy',
    versioned: false,
    arnMember: 'lifecyclePolicyArn',
    listKey: 'lifecyclePolicySummaryList',
    getKey: 'lifecyclePolicy',
    // Its filter names are documented capitalized (Name); matching names client-side avoids the doubt.
    nameFilter: false,
    commands: {
      list: ib.ListLifecyclePoliciesCommand,
      get: ib.GetLifecyclePolicyCommand,
      create: ib.CreateLifecyclePolicyCommand,
      update: ib.UpdateLifecyclePolicyCommand,
      delete: ib.DeleteLifecyclePolicyCommand,
    },
  }),
});

/** The version a summary or resource names, from `version` or else its ARN. */
export function versionOf(item: Obj): SemanticVersion | undefined {
  if (typeof item.version === 'string') {
    try {
      return parseVersion(item.version);
    } catch {
      return undefined;
    }
  }
  if (typeof item.arn !== 'string') return undefined;
  try {
    const v = parseArn(item.arn, 'arn').version;
    return v && v.patch !== 'x' ? (v as SemanticVersion) : undefined;
  } catch {
    return undefined;
  }
}

/** Items whose name matches (names compare normalized, as ARNs do), newest version first. */
export function matchingByName(items: readonly Obj[], name: string): Obj[] {
  const want = normalize(name);
  const matches = items.filter((i) => typeof i.name === 'string' && normalize(i.name) === want);
  return matches.sort((a, b) => {
    const va = versionOf(a);
    const vb = versionOf(b);
    return va && vb ? compareVersions(vb, va) : 0;
  });
}

const normalize = (name: string) => name.trim().toLowerCase().replace(/[ _]/g, '-');
