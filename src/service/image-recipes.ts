import { normalizeName } from '../core/arn.js';
import { KilnError } from '../core/errors.js';
import { formatVersion, versionSortKey } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import { latestRefsOf } from './components.js';
import type { Handler } from './context.js';
import { assertUnused, referenceKeysOf } from './dependents.js';
import { bodyField, compileFilters } from './filters.js';
import { listByOwner } from './owners.js';
import { policyHandlers } from './policy-handlers.js';
import {
  checkParentImage,
  checkRecipeComponents,
  chooseRecipeVersion,
  type RecipeType,
  recipeArnParts,
} from './recipe-common.js';
import { compact, initialTags, resolveVersioned } from './resources.js';

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

const getImageRecipe: Handler = async (deps, ctx, input) => {
  const r = await resolveVersioned(deps, ctx, input.imageRecipeArn, 'imageRecipeArn', {
    type: TYPE,
    action: READ,
    levels: 'any',
  });
  return {
    requestId: ctx.requestId,
    imageRecipe: { ...r.body, tags: r.tags },
    latestVersionReferences: latestRefsOf(r),
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

const listImageRecipes: Handler = async (deps, ctx, input) => {
  const keep = compileFilters(input.filters, {
    name: bodyField('name'),
    parentImage: bodyField('parentImage'),
    platform: bodyField('platform'),
  });
  const page = await listByOwner({
    deps,
    ctx,
    type: TYPE,
    owner: input.owner,
    listAction: 'imagebuilder:ListImageRecipes',
    latestBuildsOnly: false,
    selectors: [input.owner, input.filters],
    maxResults: input.maxResults,
    nextToken: input.nextToken,
    keep,
    map: summary,
  });
  return { requestId: ctx.requestId, imageRecipeSummaryList: page.items, nextToken: page.nextToken };
};

const deleteImageRecipe: Handler = async (deps, ctx, input) => {
  const r = await resolveVersioned(deps, ctx, input.imageRecipeArn, 'imageRecipeArn', {
    type: TYPE,
    action: READ,
    levels: 'version',
  });
  if (r.account !== ctx.account)
    throw new KilnError('ForbiddenException', 'Only the owner may delete a recipe.');
  await assertUnused(deps, ctx, r);
  await deps.store.delete(r.arn);
  return { requestId: ctx.requestId, imageRecipeArn: r.arn };
};

const thePolicy = policyHandlers('image-recipe', 'imageRecipeArn', READ, 'version');

export const IMAGE_RECIPE_HANDLERS: Record<string, Handler> = {
  CreateImageRecipe: createImageRecipe,
  GetImageRecipe: getImageRecipe,
  ListImageRecipes: listImageRecipes,
  DeleteImageRecipe: deleteImageRecipe,
  PutImageRecipePolicy: thePolicy.put,
  GetImageRecipePolicy: thePolicy.get,
};
