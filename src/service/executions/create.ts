/**
 * CreateImage and StartImagePipelineExecution: check the request like a pipeline, freeze a
 * snapshot of everything the build will use into a new image build version
 * (`…:image/<recipe>/<version>/<N>`, state PENDING), and queue its execution, all in one
 * transaction; then return at once. The worker picks the execution up.
 */
import { type ParsedArn, parseArn } from '../../core/arn.js';
import { KilnError, invalidValue } from '../../core/errors.js';
import { wake } from '../../events/wake.js';
import type { ResourceRecord } from '../../store/store.js';
import { insertNextBuild } from '../builds.js';
import { latestRefsOf } from '../components.js';
import type { CallContext, Handler, Input, ServiceDeps } from '../context.js';
import { compact, getOwned, resolveVersioned } from '../resources.js';
import { checkWorkflowConfigurations } from '../workflows.js';
import {
  type ParentIdentityResolver,
  type ResolvedDependencies,
  resolveDependencies,
} from './dependencies.js';
import { applyStatus } from './image-state.js';
import {
  type BuildType,
  EXECUTION_KIND,
  type ExecutionBody,
  executionSortKey,
  patchPipelineState,
} from './records.js';

/** The members of CreateImage (or of a pipeline) that decide what gets built. */
export interface BuildRequest {
  readonly imageRecipeArn?: string;
  readonly containerRecipeArn?: string;
  readonly infrastructureConfigurationArn: string;
  readonly distributionConfigurationArn?: string;
  readonly imageTestsConfiguration?: Record<string, unknown>;
  readonly enhancedImageMetadataEnabled?: boolean;
  readonly imageScanningConfiguration?: Record<string, unknown>;
  readonly workflows?: Input[];
  readonly executionRole?: string;
  readonly loggingConfiguration?: Record<string, unknown>;
  readonly tags?: Record<string, string>;
}

export interface NewImageOptions {
  readonly buildType: BuildType;
  readonly pipeline?: ResourceRecord;
  /** Identifies parents outside the store (the scheduler passes the engine's). */
  readonly parents?: ParentIdentityResolver;
  /** Already resolved by the caller (the scheduler's dependency check), so both agree. */
  readonly resolvedDependencies?: ResolvedDependencies;
}

async function mustExist<T>(member: string, lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof KilnError && err.code === 'ResourceNotFoundException')
      throw invalidValue(member, err.message);
    throw err;
  }
}

const withTags = (r: ResourceRecord) => ({ ...r.body, tags: r.tags });

/** The recipe a build request uses now (a wildcard recipe ARN resolves to the newest version). */
export async function resolveRecipe(
  deps: ServiceDeps,
  ctx: CallContext,
  req: BuildRequest,
): Promise<ResourceRecord> {
  const isImage = req.imageRecipeArn !== undefined;
  const member = isImage ? 'imageRecipeArn' : 'containerRecipeArn';
  return mustExist(
    member,
    resolveVersioned(deps, ctx, (req.imageRecipeArn ?? req.containerRecipeArn ?? '') as string, member, {
      type: isImage ? 'image-recipe' : 'container-recipe',
      action: isImage ? 'imagebuilder:GetImageRecipe' : 'imagebuilder:GetContainerRecipe',
      levels: 'any',
    }),
  );
}

/** Validates a build request and returns the frozen parts of the image snapshot. */
async function snapshotParts(deps: ServiceDeps, ctx: CallContext, req: BuildRequest) {
  const isImage = req.imageRecipeArn !== undefined;
  if (isImage === (req.containerRecipeArn !== undefined))
    throw new KilnError(
      'InvalidParameterCombinationException',
      "Specify exactly one of 'imageRecipeArn' or 'containerRecipeArn'.",
    );
  const recipe = await resolveRecipe(deps, ctx, req);
  const infra = await mustExist(
    'infrastructureConfigurationArn',
    getOwned(
      deps,
      ctx,
      req.infrastructureConfigurationArn,
      'infrastructureConfigurationArn',
      'infrastructure-configuration',
    ),
  );
  const dist = req.distributionConfigurationArn
    ? await mustExist(
        'distributionConfigurationArn',
        getOwned(
          deps,
          ctx,
          req.distributionConfigurationArn,
          'distributionConfigurationArn',
          'distribution-configuration',
        ),
      )
    : undefined;
  await checkWorkflowConfigurations(deps, ctx, req.workflows, req.executionRole);
  return { isImage, recipe, infra, dist };
}

/** Creates the image build version and its queued execution; returns the image ARN. */
export async function createImageBuild(
  deps: ServiceDeps,
  ctx: CallContext,
  req: BuildRequest,
  options: NewImageOptions,
): Promise<ResourceRecord> {
  const { isImage, recipe, infra, dist } = await snapshotParts(deps, ctx, req);
  const resolvedDependencies =
    options.resolvedDependencies ?? (await resolveDependencies(deps.store, recipe.body, options.parents));
  const pipeline = options.pipeline;
  const version = (parseArn(recipe.arn, 'recipeArn') as ParsedArn & { version: { major: number } }).version;
  return deps.store
    .transaction(async (store) => {
      const tx = { ...deps, store };
      const arn = await insertNextBuild(tx, ctx, {
        type: 'image',
        nameKey: recipe.nameKey,
        versionKey: recipe.versionKey,
        arn: {
          region: ctx.region,
          account: ctx.account,
          type: 'image',
          name: String(recipe.body.name),
          version,
        },
        tags: req.tags,
        body: (arn, now) =>
          applyStatus(
            compact({
              arn,
              name: recipe.body.name,
              version: recipe.body.version,
              type: isImage ? 'AMI' : 'DOCKER',
              platform: recipe.body.platform,
              owner: ctx.account,
              enhancedImageMetadataEnabled: req.enhancedImageMetadataEnabled ?? true,
              imageRecipe: isImage ? withTags(recipe) : undefined,
              containerRecipe: isImage ? undefined : withTags(recipe),
              sourcePipelineName: pipeline?.body.name,
              sourcePipelineArn: pipeline?.arn,
              infrastructureConfiguration: withTags(infra),
              distributionConfiguration: dist ? withTags(dist) : undefined,
              imageTestsConfiguration: req.imageTestsConfiguration ?? {
                imageTestsEnabled: true,
                timeoutMinutes: 720,
              },
              dateCreated: now,
              buildType: options.buildType,
              imageSource: 'CUSTOM',
              imageScanningConfiguration: req.imageScanningConfiguration,
              executionRole: req.executionRole,
              workflows: req.workflows,
              loggingConfiguration: req.loggingConfiguration,
              resolvedDependencies,
            }),
            'PENDING',
            undefined,
            now,
          ),
      });
      const now = deps.clock.now();
      const execution: ExecutionBody = compact({
        imageArn: arn,
        pipelineArn: pipeline?.arn,
        buildType: options.buildType,
        attempt: 1,
        queuedAt: now,
      });
      await store.putDocument({
        kind: EXECUTION_KIND,
        id: arn,
        account: ctx.account,
        region: ctx.region,
        parent: pipeline?.arn ?? '',
        status: 'QUEUED',
        sortKey: executionSortKey(now, arn),
        body: execution as unknown as Record<string, unknown>,
        createdAt: now,
        updatedAt: now,
      });
      if (pipeline) {
        await patchPipelineState(store, pipeline, pipeline.arn, { lastImageArn: arn }, now);
        const fresh = (await store.getResource(pipeline.arn)) ?? pipeline;
        await store.update(pipeline.arn, {
          body: { ...fresh.body, lastRunStatus: 'PENDING', dateLastRun: now },
        });
      }
      const image = await store.getResource(arn);
      if (!image) throw new Error(`the new image ${arn} vanished inside its transaction`);
      return image;
    })
    .then((image) => {
      wake(deps.store, 'queue');
      return image;
    });
}

/** The build request a pipeline makes: its members, its imageTags plus the run's tags. */
export function pipelineBuildRequest(pipeline: ResourceRecord, tags?: Record<string, string>): BuildRequest {
  const b = pipeline.body as Input;
  const logGroup = b.loggingConfiguration?.imageLogGroupName as string | undefined;
  const merged = { ...(b.imageTags ?? {}), ...(tags ?? {}) };
  return compact({
    imageRecipeArn: b.imageRecipeArn,
    containerRecipeArn: b.containerRecipeArn,
    infrastructureConfigurationArn: b.infrastructureConfigurationArn,
    distributionConfigurationArn: b.distributionConfigurationArn,
    imageTestsConfiguration: b.imageTestsConfiguration,
    enhancedImageMetadataEnabled: b.enhancedImageMetadataEnabled,
    imageScanningConfiguration: b.imageScanningConfiguration,
    workflows: b.workflows,
    executionRole: b.executionRole,
    loggingConfiguration: logGroup ? { logGroupName: logGroup } : undefined,
    tags: Object.keys(merged).length > 0 ? merged : undefined,
  });
}

/** The CallContext of work a pipeline does on its own (scheduled runs). */
export const pipelineContext = (pipeline: ResourceRecord, operation: string): CallContext => ({
  account: pipeline.account,
  region: pipeline.region,
  requestId: `scheduler-${pipeline.arn}`,
  operation,
});

const createImage: Handler = async (deps, ctx, input) => {
  const image = await createImageBuild(deps, ctx, input as BuildRequest, { buildType: 'USER_INITIATED' });
  return {
    requestId: ctx.requestId,
    clientToken: input.clientToken,
    imageBuildVersionArn: image.arn,
    latestVersionReferences: latestRefsOf(image),
  };
};

const startImagePipelineExecution: Handler = async (deps, ctx, input) => {
  const pipeline = await getOwned(deps, ctx, input.imagePipelineArn, 'imagePipelineArn', 'image-pipeline');
  const image = await createImageBuild(deps, ctx, pipelineBuildRequest(pipeline, input.tags), {
    buildType: 'USER_INITIATED',
    pipeline,
  });
  return { requestId: ctx.requestId, clientToken: input.clientToken, imageBuildVersionArn: image.arn };
};

export const CREATE_HANDLERS: Record<string, Handler> = {
  CreateImage: createImage,
  StartImagePipelineExecution: startImagePipelineExecution,
};
