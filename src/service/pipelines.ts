import { KilnError, invalidValue } from '../core/errors.js';
import { nextRun } from '../scheduler/next-run.js';
import { DEFAULT_TIMEZONE, parseSchedule, validateTimezone } from '../scheduler/schedule.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, Input, ServiceDeps } from './context.js';
import { bodyField } from './filters.js';
import { namedHandlers } from './named.js';
import { checkWorkflowConfigurations } from './workflows.js';
import { compact, getOwned, resolveVersioned } from './resources.js';

/** Converts a missing referenced resource into a clear error on the member that names it. */
async function mustExist<T>(member: string, lookup: Promise<T>): Promise<T> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof KilnError && err.code === 'ResourceNotFoundException')
      throw invalidValue(member, err.message);
    throw err;
  }
}

function checkSchedule(schedule: Input | undefined) {
  if (!schedule) return undefined;
  if (schedule.scheduleExpression !== undefined) parseSchedule(schedule.scheduleExpression);
  const timezone = schedule.timezone === undefined ? undefined : validateTimezone(schedule.timezone);
  return compact({
    scheduleExpression: schedule.scheduleExpression,
    timezone,
    pipelineExecutionStartCondition:
      schedule.pipelineExecutionStartCondition ?? 'EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE',
    autoDisablePolicy: schedule.autoDisablePolicy,
  });
}

async function pipelineBody(deps: ServiceDeps, ctx: CallContext, input: Input, previous?: ResourceRecord) {
  const hasImage = input.imageRecipeArn !== undefined;
  if (hasImage === (input.containerRecipeArn !== undefined)) {
    throw new KilnError(
      'InvalidParameterCombinationException',
      "Specify exactly one of 'imageRecipeArn' or 'containerRecipeArn'.",
    );
  }
  const recipe = hasImage
    ? await mustExist(
        'imageRecipeArn',
        resolveVersioned(deps, ctx, input.imageRecipeArn, 'imageRecipeArn', {
          type: 'image-recipe',
          action: 'imagebuilder:GetImageRecipe',
          levels: 'any',
        }),
      )
    : await mustExist(
        'containerRecipeArn',
        resolveVersioned(deps, ctx, input.containerRecipeArn, 'containerRecipeArn', {
          type: 'container-recipe',
          action: 'imagebuilder:GetContainerRecipe',
          levels: 'any',
        }),
      );
  await mustExist(
    'infrastructureConfigurationArn',
    getOwned(
      deps,
      ctx,
      input.infrastructureConfigurationArn,
      'infrastructureConfigurationArn',
      'infrastructure-configuration',
    ),
  );
  if (input.distributionConfigurationArn) {
    await mustExist(
      'distributionConfigurationArn',
      getOwned(
        deps,
        ctx,
        input.distributionConfigurationArn,
        'distributionConfigurationArn',
        'distribution-configuration',
      ),
    );
  }
  await checkWorkflowConfigurations(deps, ctx, input.workflows, input.executionRole);
  return compact({
    name: input.name,
    description: input.description,
    platform: recipe.body.platform,
    enhancedImageMetadataEnabled: input.enhancedImageMetadataEnabled ?? true,
    imageRecipeArn: input.imageRecipeArn,
    containerRecipeArn: input.containerRecipeArn,
    infrastructureConfigurationArn: input.infrastructureConfigurationArn,
    distributionConfigurationArn: input.distributionConfigurationArn,
    imageTestsConfiguration: input.imageTestsConfiguration ?? {
      imageTestsEnabled: true,
      timeoutMinutes: 720,
    },
    schedule: checkSchedule(input.schedule),
    status: input.status ?? 'ENABLED',
    dateLastRun: previous?.body.dateLastRun,
    lastRunStatus: previous?.body.lastRunStatus,
    imageScanningConfiguration: input.imageScanningConfiguration,
    imageTags: input.imageTags,
    executionRole: input.executionRole,
    workflows: input.workflows,
    loggingConfiguration: input.loggingConfiguration,
    // UpdateImagePipeline resets the failure streak, as the service does.
    consecutiveFailures: 0,
  });
}

/** dateNextRun is derived on read from the schedule, never stored, so it cannot go stale. */
function pipelineView(deps: ServiceDeps, r: ResourceRecord): Record<string, unknown> {
  const schedule = r.body.schedule as { scheduleExpression?: string; timezone?: string } | undefined;
  if (!schedule?.scheduleExpression || r.body.status !== 'ENABLED') return r.body;
  const next = nextRun(
    parseSchedule(schedule.scheduleExpression),
    schedule.timezone ?? DEFAULT_TIMEZONE,
    deps.clock.now(),
    r.dateCreated,
  );
  return next === undefined ? r.body : { ...r.body, dateNextRun: next };
}

const pipelineSummary = (r: ResourceRecord) => ({ ...r.body, tags: r.tags });

export const PIPELINE_HANDLERS = namedHandlers(
  {
    type: 'image-pipeline',
    arnMember: 'imagePipelineArn',
    getMember: 'imagePipeline',
    listMember: 'imagePipelineList',
    filters: {
      description: bodyField('description'),
      distributionConfigurationArn: bodyField('distributionConfigurationArn'),
      imageRecipeArn: bodyField('imageRecipeArn'),
      infrastructureConfigurationArn: bodyField('infrastructureConfigurationArn'),
      name: bodyField('name'),
      status: bodyField('status'),
    },
    build: pipelineBody,
    summary: pipelineSummary,
    view: pipelineView,
  },
  {
    create: 'CreateImagePipeline',
    update: 'UpdateImagePipeline',
    get: 'GetImagePipeline',
    list: 'ListImagePipelines',
    delete: 'DeleteImagePipeline',
  },
);
