/**
 * The effectful side of image states: one transaction changes the image record, mirrors the
 * status onto the pipeline (lastRunStatus) and appends the event (queuing webhook deliveries),
 * so a state is never stored without its event or the other way round.
 */
import type { Clock } from '../../core/clock.js';
import type { BuildStatus } from '../../engine/image-build.js';
import {
  type EventOrigin,
  imageStateChangeEvent,
  type KilnEvent,
  pipelineDisabledEvent,
} from '../../events/event.js';
import { newEventId, recordEvent } from '../../events/event-log.js';
import { wake } from '../../events/wake.js';
import type { ResourceRecord, Store } from '../../store/store.js';
import { acceptsTransition, applyStatus, pipelineAfterRun, type RunResult } from './image-state.js';
import { getPipelineState, patchPipelineState } from './records.js';

export const statusOf = (r: ResourceRecord): string | undefined =>
  (r.body.state as { status?: string } | undefined)?.status;

/** The topic an image's notifications go to: its infrastructure configuration's snsTopicArn. */
export const topicOf = (image: Readonly<Record<string, unknown>>): string | undefined =>
  (image.infrastructureConfiguration as { snsTopicArn?: string } | undefined)?.snsTopicArn;

export const originOf = (r: { account: string; region: string }, now: number): EventOrigin => ({
  id: newEventId(),
  account: r.account,
  region: r.region,
  time: now,
});

export interface StatusChange {
  readonly changed: boolean;
  readonly previous?: string;
  readonly image?: ResourceRecord;
}

/**
 * Moves an image to `status` unless the move is not allowed (see acceptsTransition); `force`
 * skips that check (RetryImage's FAILED → PENDING). Returns what happened.
 */
export async function setImageStatus(
  root: Store,
  clock: Clock,
  imageArn: string,
  status: BuildStatus,
  reason?: string,
  options: { force?: boolean; attempt?: number } = {},
): Promise<StatusChange> {
  let queued = 0;
  const result = await root.transaction(async (store): Promise<StatusChange> => {
    const image = await store.getResource(imageArn);
    if (!image) return { changed: false };
    const previous = statusOf(image);
    if (!options.force && !acceptsTransition(previous, status))
      return { changed: false, image, ...(previous ? { previous } : {}) };
    const now = clock.now();
    const body = applyStatus(image.body, status, reason, now, options.attempt);
    await store.update(imageArn, { body, dateUpdated: now });
    await mirrorOnPipeline(store, image, status, now);
    queued += await recordEvent(
      store,
      imageStateChangeEvent(originOf(image, now), imageArn, status, previous, reason),
      topicOf(image.body),
    );
    return { changed: true, image: { ...image, body }, ...(previous ? { previous } : {}) };
  });
  if (queued > 0) wake(root, 'deliveries');
  return result;
}

/** lastRunStatus follows the pipeline's newest image only (an older run ending late must not win). */
async function mirrorOnPipeline(store: Store, image: ResourceRecord, status: string, _now: number) {
  const pipelineArn = image.body.sourcePipelineArn as string | undefined;
  if (!pipelineArn) return;
  const pipeline = await store.getResource(pipelineArn);
  if (!pipeline) return;
  const state = await getPipelineState(store, pipelineArn);
  if (state.lastImageArn !== undefined && state.lastImageArn !== image.arn) return;
  await store.update(pipelineArn, { body: { ...pipeline.body, lastRunStatus: status } });
}

/**
 * Book-keeping when a run ends: the pipeline's consecutiveFailures and auto-disable, and its
 * last successful image (what the dependency-update condition compares against).
 */
export async function recordRunEnd(
  root: Store,
  clock: Clock,
  imageArn: string,
  pipelineArn: string | undefined,
  run: RunResult,
): Promise<void> {
  if (!pipelineArn) return;
  let event: KilnEvent | undefined;
  let topic: string | undefined;
  let queued = 0;
  await root.transaction(async (store) => {
    const pipeline = await store.getResource(pipelineArn);
    if (!pipeline) return;
    const now = clock.now();
    const failureCount = (
      pipeline.body.schedule as { autoDisablePolicy?: { failureCount?: number } } | undefined
    )?.autoDisablePolicy?.failureCount;
    const after = pipelineAfterRun(
      {
        status: String(pipeline.body.status ?? 'ENABLED'),
        consecutiveFailures: Number(pipeline.body.consecutiveFailures ?? 0),
        ...(failureCount !== undefined ? { autoDisableAfter: failureCount } : {}),
      },
      run,
    );
    await store.update(pipelineArn, {
      body: { ...pipeline.body, consecutiveFailures: after.consecutiveFailures, status: after.status },
      ...(after.autoDisabled ? { dateUpdated: now } : {}),
    });
    if (run.outcome === 'AVAILABLE')
      await patchPipelineState(store, pipeline, pipelineArn, { lastSuccessfulImageArn: imageArn }, now);
    if (after.autoDisabled) {
      const image = await store.getResource(imageArn);
      topic = image ? topicOf(image.body) : undefined;
      event = pipelineDisabledEvent(
        originOf(pipeline, now),
        pipelineArn,
        after.consecutiveFailures,
        imageArn,
      );
      queued += await recordEvent(store, event, topic);
    }
  });
  if (queued > 0) wake(root, 'deliveries');
}
