import { normalizeName } from '../core/arn.js';
import { formatVersion, versionSortKey } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import type { Handler } from './context.js';
import { referenceKeysOf } from './dependents.js';
import { bodyField } from './filters.js';
import { policyHandlers } from './policy-handlers.js';
import {
  checkParentImage,
  checkRecipeComponents,
  chooseRecipeVersion,
  type RecipeType,
  recipeArnParts,
  recipeReadHandlers,
} from './recipe-common.js';
import { compact, initialTags } from './resources.js';

const TYPE: RecipeType = 'image-recipe';
const READ = 'imagebuilder:GetImageRecipe';

const createImageRecipe: Handler = async (deps, ctx, input) => {
  const parent = checkParentImage(input.parentImage);
  await checkRecipeComponents(deps, ctx, input.components, parent.platform);
  return deps.store.transaction(async (store) => {
    const tx = { ...deps, store };
    const version = await chooseRecipeVersion(tx, ctx, TYPE, input.name, input.semanticVersion);
    const { arn, latest } = recipeArnParts(ctx, TYPE, input.name, version);
    const now = deps.clock.now();
    const body = compact({
      arn,
      type: 'AMI',
      name: input.name,
      description: input.description,
      platform: parent.platform,
      owner: ctx.account,
      version: formatVersion(version),
      components: input.components ?? [],
      parentImage: input.parentImage,
      blockDeviceMappings: input.blockDeviceMappings,
      dateCreated: now,
      workingDirectory: input.workingDirectory ?? '/tmp',
      additionalInstanceConfiguration: input.additionalInstanceConfiguration,
      amiTags: input.amiTags,
    });
    await store.insert(
      {
        arn,
        account: ctx.account,
        region: ctx.region,
        type: TYPE,
        nameKey: normalizeName(input.name),
        versionKey: versionSortKey(version),
        build: 0,
        body,
        tags: initialTags(input.tags),
        policy: undefined,
        dateCreated: now,
        dateUpdated: now,
      },
      referenceKeysOf(body),
    );
    return {
      requestId: ctx.requestId,
      clientToken: input.clientToken,
      imageRecipeArn: arn,
      latestVersionReferences: latest,
    };
  });
};

const summary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    name: r.body.name,
    platform: r.body.platform,
    owner: r.body.owner,
    parentImage: r.body.parentImage,
    dateCreated: r.body.dateCreated,
    tags: r.tags,
  });

const read = recipeReadHandlers({
  type: TYPE,
  arnMember: 'imageRecipeArn',
  getMember: 'imageRecipe',
  listMember: 'imageRecipeSummaryList',
  readAction: READ,
  listAction: 'imagebuilder:ListImageRecipes',
  filters: {
    name: bodyField('name'),
    parentImage: bodyField('parentImage'),
    platform: bodyField('platform'),
  },
  summary,
});
const policy = policyHandlers(TYPE, 'imageRecipeArn', READ, 'version');

export const IMAGE_RECIPE_HANDLERS: Record<string, Handler> = {
  CreateImageRecipe: createImageRecipe,
  GetImageRecipe: read.get,
  ListImageRecipes: read.list,
  DeleteImageRecipe: read.remove,
  PutImageRecipePolicy: policy.put,
  GetImageRecipePolicy: policy.get,
};
