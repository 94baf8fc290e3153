import type { Kind } from './resources.js';

/**
 * What a manifest entry of each kind may contain. `members` are the API's request members (same
 * spelling) that pass through unchanged; `compare` are the members whose difference from the
 * server's copy means "changed" (tags, changeDescription and the like are set on create only).
 * Names of other manifest resources are written as `refs` and become ARNs when applied.
 */
export interface KindSchema {
  readonly kind: Kind;
  /** Top-level manifest key holding a list of this kind. */
  readonly section: string;
  readonly versioned: boolean;
  readonly required: readonly string[];
  readonly members: readonly string[];
  readonly compare: readonly string[];
  /** Server defaults filled on both sides before comparing: [path, value]. */
  readonly defaults: readonly (readonly [readonly string[], unknown])[];
}

const RECIPE_COMMON = ['description', 'components', 'parentImage', 'workingDirectory'];

const DECLARED: readonly KindSchema[] = [
  {
    kind: 'workflow',
    section: 'workflows',
    versioned: true,
    required: ['type'],
    members: ['type', 'description', 'changeDescription', 'data', 'kmsKeyId'],
    compare: ['type', 'description', 'data', 'kmsKeyId'],
    defaults: [],
  },
  {
    kind: 'component',
    section: 'components',
    versioned: true,
    required: ['platform'],
    members: ['platform', 'description', 'changeDescription', 'supportedOsVersions', 'data', 'kmsKeyId'],
    compare: ['platform', 'description', 'supportedOsVersions', 'data', 'kmsKeyId'],
    defaults: [],
  },
  {
    kind: 'imageRecipe',
    section: 'imageRecipes',
    versioned: true,
    required: ['parentImage'],
    members: [...RECIPE_COMMON, 'blockDeviceMappings', 'additionalInstanceConfiguration', 'amiTags'],
    compare: [...RECIPE_COMMON, 'blockDeviceMappings', 'additionalInstanceConfiguration', 'amiTags'],
    defaults: [],
  },
  {
    kind: 'containerRecipe',
    section: 'containerRecipes',
    versioned: true,
    required: ['parentImage', 'targetRepository'],
    members: [
      ...RECIPE_COMMON,
      'containerType',
      'targetRepository',
      'instanceConfiguration',
      'dockerfileTemplateData',
      'platformOverride',
      'imageOsVersionOverride',
      'kmsKeyId',
    ],
    // The server answers with `platform`, not the overrides, so those cannot be compared.
    compare: [
      ...RECIPE_COMMON,
      'containerType',
      'targetRepository',
      'instanceConfiguration',
      'dockerfileTemplateData',
      'kmsKeyId',
    ],
    defaults: [[['containerType'], 'DOCKER']],
  },
  {
    kind: 'infrastructureConfiguration',
    section: 'infrastructureConfigurations',
    versioned: false,
    required: ['instanceProfileName'],
    members: [
      'description',
      'instanceTypes',
      'instanceProfileName',
      'securityGroupIds',
      'subnetId',
      'logging',
      'keyPair',
      'terminateInstanceOnFailure',
      'snsTopicArn',
      'resourceTags',
      'instanceMetadataOptions',
      'placement',
    ],
    compare: [],
    defaults: [[['terminateInstanceOnFailure'], true]],
  },
  {
    kind: 'distributionConfiguration',
    section: 'distributionConfigurations',
    versioned: false,
    required: ['distributions'],
    members: ['description', 'distributions'],
    compare: [],
    defaults: [],
  },
  {
    kind: 'imagePipeline',
    section: 'imagePipelines',
    versioned: false,
    required: ['infrastructureConfigurationArn'],
    members: [
      'description',
      'imageRecipeArn',
      'containerRecipeArn',
      'infrastructureConfigurationArn',
      'distributionConfigurationArn',
      'imageTestsConfiguration',
      'enhancedImageMetadataEnabled',
      'schedule',
      'status',
      'imageScanningConfiguration',
      'workflows',
      'executionRole',
      'loggingConfiguration',
      'imageTags',
    ],
    compare: [],
    defaults: [
      [['status'], 'ENABLED'],
      [['enhancedImageMetadataEnabled'], true],
      [['imageTestsConfiguration'], { imageTestsEnabled: true, timeoutMinutes: 720 }],
      [['imageTestsConfiguration', 'imageTestsEnabled'], true],
      [['imageTestsConfiguration', 'timeoutMinutes'], 720],
      [['schedule', 'pipelineExecutionStartCondition'], 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE'],
    ],
  },
  {
    kind: 'lifecyclePolicy',
    section: 'lifecyclePolicies',
    versioned: false,
    required: ['executionRole', 'resourceType', 'policyDetails', 'resourceSelection'],
    members: ['description', 'executionRole', 'resourceType', 'policyDetails', 'resourceSelection', 'status'],
    compare: [],
    defaults: [[['status'], 'ENABLED']],
  },
];

/** An empty `compare` means every member counts. */
export const SCHEMAS: readonly KindSchema[] = DECLARED.map((s) =>
  Object.freeze({ ...s, compare: s.compare.length ? s.compare : s.members }),
);

export const SCHEMA_BY_KIND: ReadonlyMap<Kind, KindSchema> = new Map(SCHEMAS.map((s) => [s.kind, s]));

export const schemaOf = (kind: Kind): KindSchema => SCHEMA_BY_KIND.get(kind) as KindSchema;

/** Apply order: everything a resource refers to comes before it. */
export const KIND_ORDER: readonly Kind[] = SCHEMAS.map((s) => s.kind);

/** Names of other resources a manifest may use instead of an ARN member: sugar → [member, kind]. */
export const PIPELINE_REFS: readonly (readonly [string, string, Kind])[] = [
  ['imageRecipe', 'imageRecipeArn', 'imageRecipe'],
  ['containerRecipe', 'containerRecipeArn', 'containerRecipe'],
  ['infrastructureConfiguration', 'infrastructureConfigurationArn', 'infrastructureConfiguration'],
  ['distributionConfiguration', 'distributionConfigurationArn', 'distributionConfiguration'],
];
