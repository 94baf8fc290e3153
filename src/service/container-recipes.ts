import { invalidValue } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import { exactlyOne } from './components.js';
import type { Handler } from './context.js';
import { bodyField } from './filters.js';
import { policyHandlers } from './policy-handlers.js';
import {
  checkRecipeComponents,
  type RecipeType,
  createRecipeVersion,
  recipeReadHandlers,
} from './recipe-common.js';
import { compact } from './resources.js';

const TYPE: RecipeType = 'container-recipe';
const READ = 'imagebuilder:GetContainerRecipe';
/** A container image reference: [registry/]path[:tag][@digest]. */
const IMAGE_REF =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[0-9a-f]{64})?$/;
const PLACEHOLDER = (name: string) => new RegExp(`\\{\\{\\{\\s*imagebuilder:${name}\\s*\\}\\}\\}`);

function checkDockerfileTemplate(template: string, hasComponents: boolean, member: string) {
  if (!PLACEHOLDER('parentImage').test(template)) {
    throw invalidValue(
      member,
      'The Dockerfile template must use {{{ imagebuilder:parentImage }}} (FROM {{{ imagebuilder:parentImage }}}).',
    );
  }
  if (hasComponents && !PLACEHOLDER('environments').test(template)) {
    throw invalidValue(
      member,
      'A recipe with components needs {{{ imagebuilder:environments }}} in its Dockerfile template.',
    );
  }
}

const createContainerRecipe: Handler = async (deps, ctx, input) => {
  exactlyOne(input, 'dockerfileTemplateData', 'dockerfileTemplateUri');
  const template =
    input.dockerfileTemplateData ??
    (await deps.fetchDocument(input.dockerfileTemplateUri, 'dockerfileTemplateUri'));
  const hasComponents = (input.components ?? []).length > 0;
  checkDockerfileTemplate(
    template,
    hasComponents,
    input.dockerfileTemplateData ? 'dockerfileTemplateData' : 'dockerfileTemplateUri',
  );
  if (!input.parentImage.startsWith('arn:') && !IMAGE_REF.test(input.parentImage)) {
    throw invalidValue(
      'parentImage',
      `'${input.parentImage}' is not a container image reference.`,
      'Use e.g. debian:bookworm or registry.example:5000/base:1.0, or a Kiln container image ARN.',
    );
  }
  const platform = input.platformOverride ?? 'Linux';
  await checkRecipeComponents(deps, ctx, input.components, platform);
  const { arn, latest } = await createRecipeVersion(deps, ctx, TYPE, input, (arn, version, now) =>
    compact({
      arn,
      containerType: input.containerType,
      name: input.name,
      description: input.description,
      platform,
      owner: ctx.account,
      version,
      components: input.components ?? [],
      instanceConfiguration: input.instanceConfiguration,
      dockerfileTemplateData: template,
      kmsKeyId: input.kmsKeyId,
      encrypted: true,
      parentImage: input.parentImage,
      dateCreated: now,
      workingDirectory: input.workingDirectory ?? '/tmp',
      targetRepository: input.targetRepository,
      imageOsVersionOverride: input.imageOsVersionOverride,
    }),
  );
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    containerRecipeArn: arn,
    latestVersionReferences: latest,
  };
};

const summary = (r: ResourceRecord) =>
  compact({
    arn: r.body.arn,
    containerType: r.body.containerType,
    name: r.body.name,
    platform: r.body.platform,
    owner: r.body.owner,
    parentImage: r.body.parentImage,
    dateCreated: r.body.dateCreated,
    tags: r.tags,
  });

const read = recipeReadHandlers({
  type: TYPE,
  arnMember: 'containerRecipeArn',
  getMember: 'containerRecipe',
  listMember: 'containerRecipeSummaryList',
  readAction: READ,
  listAction: 'imagebuilder:ListContainerRecipes',
  filters: {
    containerType: bodyField('containerType'),
    name: bodyField('name'),
    parentImage: bodyField('parentImage'),
    platform: bodyField('platform'),
  },
  summary,
});
const policy = policyHandlers(TYPE, 'containerRecipeArn', READ, 'version');

export const CONTAINER_RECIPE_HANDLERS: Record<string, Handler> = {
  CreateContainerRecipe: createContainerRecipe,
  GetContainerRecipe: read.get,
  ListContainerRecipes: read.list,
  DeleteContainerRecipe: read.remove,
  PutContainerRecipePolicy: policy.put,
  GetContainerRecipePolicy: policy.get,
};
