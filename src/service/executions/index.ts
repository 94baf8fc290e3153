/**
 * Image build executions: the API operations that create, control and inspect them. The
 * worker (src/worker/) runs them; the scheduler tick (src/scheduler/tick.ts) starts them too.
 */
import type { Handler } from '../context.js';
import { bodyField, compileFilters } from '../filters.js';
import { imageSummary } from '../images.js';
import { listPage } from '../pagination.js';
import { getOwned } from '../resources.js';
import { CONTROL_HANDLERS } from './control.js';
import { CREATE_HANDLERS } from './create.js';
import { DISTRIBUTE_HANDLERS } from './distribute.js';
import { WORKFLOW_EXECUTION_HANDLERS } from './workflow-api.js';

const listImagePipelineImages: Handler = async (deps, ctx, input) => {
  const pipeline = await getOwned(deps, ctx, input.imagePipelineArn, 'imagePipelineArn', 'image-pipeline');
  const filter = compileFilters(input.filters, { name: bodyField('name'), version: bodyField('version') });
  const page = await listPage({
    store: deps.store,
    operation: ctx.operation,
    selectors: [pipeline.arn, input.filters],
    query: { account: ctx.account, region: ctx.region, type: 'image' },
    maxResults: input.maxResults,
    nextToken: input.nextToken,
    keep: (r) => r.body.sourcePipelineArn === pipeline.arn && filter(r),
    map: imageSummary,
  });
  return { requestId: ctx.requestId, imageSummaryList: page.items, nextToken: page.nextToken };
};

export const EXECUTION_HANDLERS: Record<string, Handler> = {
  ...CREATE_HANDLERS,
  ...CONTROL_HANDLERS,
  ...DISTRIBUTE_HANDLERS,
  ...WORKFLOW_EXECUTION_HANDLERS,
  ListImagePipelineImages: listImagePipelineImages,
};

export { type BuildRequest, createImageBuild, pipelineBuildRequest, pipelineContext } from './create.js';
export { deleteImageBuild } from './control.js';
export {
  dependenciesChanged,
  type ParentIdentityResolver,
  type ResolvedDependencies,
  resolveDependencies,
} from './dependencies.js';
