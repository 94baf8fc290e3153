import type { ResourceRecord } from '../store/store.js';
import type { Handler } from './context.js';
import { bodyField } from './filters.js';
import { policyHandlers } from './policy-handlers.js';
import {
  checkParentImage,
  checkRecipeComponents,
  type RecipeType,
  createRecipeVersion,
  recipeReadHandlers,
} from './recipe-common.js';
import { compact } from './resources.js';

const TYPE: RecipeType = 'image-recipe';
const READ = 'imagebuilder:GetImageRecipe';

const createImageRecipe: Handler = async (deps, ctx, input) => {
  const parent = checkParentImage(input.parentImage);
  await checkRecipeComponents(deps, ctx, input.components, parent.platform);
  const { arn, latest } = await createRecipeVersion(deps, ctx, TYPE, input, (arn, version, now) =>
    compact({
      arn,
      type: 'AMI',
      name: input.name,
      description: input.description,
      platform: parent.platform,
      owner: ctx.account,
      version,
      components: input.components ?? [],
      parentImage: input.parentImage,
      blockDeviceMappings: input.blockDeviceMappings,
      dateCreated: now,
      workingDirectory: input.workingDirectory ?? '/tmp',
      additionalInstanceConfiguration: input.additionalInstanceConfiguration,
      amiTags: input.amiTags,
    }),
  );
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    imageRecipeArn: arn,
    latestVersionReferences: latest,
  };
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
