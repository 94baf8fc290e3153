/**
 * CancelImageCreation, RetryImage and the execution side of DeleteImage. Requests go through
 * the store (the execution document), so the worker running the image learns of them whether
 * it runs in this process or another; a nudge makes this process's worker react at once.
 */
import { KilnError } from '../../core/errors.js';
import { wake } from '../../events/wake.js';
import type { ResourceRecord } from '../../store/store.js';
import type { CallContext, Handler, ServiceDeps } from '../context.js';
import { resolveVersioned } from '../resources.js';
import { isTerminal, stageOfStatus } from './image-state.js';
import {
  ARTIFACT_CLEANUP_KIND,
  EXECUTION_KIND,
  type ExecutionBody,
  executionOf,
  executionSortKey,
  STEP_ACTION_KIND,
  STEP_EXECUTION_KIND,
  WORKFLOW_EXECUTION_KIND,
} from './records.js';
import { recordRunEnd, setImageStatus, statusOf } from './transitions.js';

export const CANCEL_REASON = 'Cancelled by CancelImageCreation.';

async function ownedImage(deps: ServiceDeps, ctx: CallContext, arn: string): Promise<ResourceRecord> {
  const image = await resolveVersioned(deps, ctx, arn, 'imageBuildVersionArn', {
    type: 'image',
    action: 'imagebuilder:GetImage',
    levels: 'build',
  });
  if (image.account !== ctx.account)
    throw new KilnError('ForbiddenException', `Only the owner of '${image.arn}' may change it.`);
  return image;
}

const cancelImageCreation: Handler = async (deps, ctx, input) => {
  const image = await ownedImage(deps, ctx, input.imageBuildVersionArn);
  const status = statusOf(image);
  if (isTerminal(status))
    throw new KilnError('ResourceInUseException', `The image '${image.arn}' is already ${status}.`, {
      hint: 'Only images that are still in progress can be cancelled.',
    });
  const now = deps.clock.now();
  // A queued execution is cancelled on the spot; a running one is asked to stop.
  const dequeued = await deps.store.updateDocument(
    EXECUTION_KIND,
    image.arn,
    { status: 'DONE', updatedAt: now },
    ['QUEUED'],
  );
  if (dequeued) {
    await setImageStatus(deps.store, deps.clock, image.arn, 'CANCELLED', CANCEL_REASON);
    const exec = await deps.store.getDocument(EXECUTION_KIND, image.arn);
    const body = exec ? executionOf(exec) : undefined;
    if (body) {
      await deps.store.updateDocument(EXECUTION_KIND, image.arn, {
        body: { ...body, outcome: 'CANCELLED', endedAt: now },
        updatedAt: now,
      });
      await recordRunEnd(deps.store, deps.clock, image.arn, body.pipelineArn, {
        buildType: body.buildType,
        outcome: 'CANCELLED',
      });
    }
  } else {
    const requested = await deps.store.transaction(async (store) => {
      const exec = await store.getDocument(EXECUTION_KIND, image.arn);
      if (!exec || exec.status !== 'RUNNING') return false;
      return store.updateDocument(
        EXECUTION_KIND,
        image.arn,
        { body: { ...exec.body, cancelRequested: true }, updatedAt: now },
        ['RUNNING'],
      );
    });
    // No execution (or it just ended): settle the image here so it never stays in progress.
    if (!requested) await setImageStatus(deps.store, deps.clock, image.arn, 'CANCELLED', CANCEL_REASON);
    wake(deps.store, 'control');
  }
  return { requestId: ctx.requestId, clientToken: input.clientToken, imageBuildVersionArn: image.arn };
};

/** RetryImage: a FAILED image runs again from the stage that failed (the layer cache keeps earlier work). */
const retryImage: Handler = async (deps, ctx, input) => {
  const image = await ownedImage(deps, ctx, input.imageBuildVersionArn);
  const status = statusOf(image);
  if (status !== 'FAILED')
    throw new KilnError('ResourceInUseException', `The image '${image.arn}' is ${status}, not FAILED.`, {
      hint: 'Only failed images can be retried.',
    });
  const requeued = await deps.store.transaction(async (store) => {
    const exec = await store.getDocument(EXECUTION_KIND, image.arn);
    if (!exec || exec.status !== 'DONE') return false;
    const previous = executionOf(exec);
    const now = deps.clock.now();
    const resumeFromStage = previous.failedStage ?? stageOfStatus(previous.lastStatus);
    const next: ExecutionBody = {
      imageArn: previous.imageArn,
      buildType: previous.buildType,
      attempt: previous.attempt + 1,
      queuedAt: now,
      ...(previous.pipelineArn ? { pipelineArn: previous.pipelineArn } : {}),
      ...(resumeFromStage ? { resumeFromStage } : {}),
    };
    await store.putDocument({
      ...exec,
      status: 'QUEUED',
      sortKey: executionSortKey(now, image.arn),
      body: next as unknown as Record<string, unknown>,
      updatedAt: now,
    });
    await setImageStatus(store, deps.clock, image.arn, 'PENDING', undefined, {
      force: true,
      attempt: next.attempt,
    });
    return true;
  });
  if (!requeued)
    throw new KilnError(
      'ResourceInUseException',
      `The image '${image.arn}' has no finished execution to retry.`,
    );
  wake(deps.store, 'queue');
  wake(deps.store, 'deliveries');
  return { requestId: ctx.requestId, clientToken: input.clientToken, imageBuildVersionArn: image.arn };
};

/**
 * DeleteImage's part here: the image's execution records go with it, and its artifacts are
 * queued for the worker, which asks the engine to remove what no other image uses.
 */
export async function deleteImageBuild(deps: ServiceDeps, image: ResourceRecord): Promise<void> {
  await deps.store.transaction(async (store) => {
    for (const kind of [WORKFLOW_EXECUTION_KIND, STEP_EXECUTION_KIND, STEP_ACTION_KIND]) {
      for (const doc of await store.listDocuments({ kind, parent: image.arn, limit: 10_000 }))
        await store.deleteDocument(kind, doc.id);
    }
    await store.deleteDocument(EXECUTION_KIND, image.arn);
    const now = deps.clock.now();
    await store.putDocument({
      kind: ARTIFACT_CLEANUP_KIND,
      id: image.arn,
      account: image.account,
      region: image.region,
      parent: '',
      status: 'PENDING',
      sortKey: executionSortKey(now, image.arn),
      body: { image: { ...image.body, tags: image.tags } },
      createdAt: now,
      updatedAt: now,
    });
    await store.delete(image.arn);
  });
  wake(deps.store, 'queue');
}

export const CONTROL_HANDLERS: Record<string, Handler> = {
  CancelImageCreation: cancelImageCreation,
  RetryImage: retryImage,
};
