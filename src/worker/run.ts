/**
 * Starting one claimed execution with the engine, and settling it when the engine is done:
 * the image's terminal state, the execution document, the pipeline's counters.
 */
import type { Clock } from '../core/clock.js';
import type { BuildHandle, BuildOutcome, ImageBuildRequest } from '../engine/image-build.js';
import type { ImageLogs } from '../events/image-logs.js';
import { CANCEL_REASON } from '../service/executions/control.js';
import { stageOfStatus } from '../service/executions/image-state.js';
import { EXECUTION_KIND, type ExecutionBody, executionOf } from '../service/executions/records.js';
import { recordRunEnd, setImageStatus } from '../service/executions/transitions.js';
import type { Store } from '../store/store.js';
import type { ExecutionEngine } from './engine-hooks.js';
import { ExecutionRecorder } from './recorder.js';

export interface RunDeps {
  readonly store: Store;
  readonly clock: Clock;
  readonly engine: ExecutionEngine;
  readonly logs: ImageLogs;
  readonly layerCache?: boolean;
}

/** The request the engine gets: the image's frozen snapshot, and where a retry resumes. */
export function buildRequestOf(
  image: {
    arn: string;
    account: string;
    region: string;
    body: Readonly<Record<string, unknown>>;
    tags: Readonly<Record<string, string>>;
  },
  execution: Pick<ExecutionBody, 'resumeFromStage'>,
  layerCache: boolean,
): ImageBuildRequest {
  return {
    imageArn: image.arn,
    account: image.account,
    region: image.region,
    image: { ...image.body, tags: image.tags },
    layerCache,
    ...(execution.resumeFromStage ? { resumeFromStage: execution.resumeFromStage } : {}),
  };
}

/** Starts the engine on a claimed execution; undefined when its image was deleted meanwhile. */
export async function startExecution(
  deps: RunDeps,
  execution: ExecutionBody,
  signal: AbortSignal,
): Promise<BuildHandle | undefined> {
  const image = await deps.store.getResource(execution.imageArn);
  if (!image) return undefined;
  const recorder = new ExecutionRecorder({
    store: deps.store,
    clock: deps.clock,
    logs: deps.logs,
    image,
    attempt: execution.attempt,
    signal,
  });
  return deps.engine.start(
    buildRequestOf(image, execution, deps.layerCache ?? true),
    recorder.observe,
    signal,
  );
}

/** Settles an execution: image state, execution document DONE, pipeline counters. */
export async function finishExecution(
  deps: RunDeps,
  execution: ExecutionBody,
  result: BuildOutcome | Error,
): Promise<void> {
  const { store, clock } = deps;
  const doc = await store.getDocument(EXECUTION_KIND, execution.imageArn);
  const current = doc ? executionOf(doc) : execution;
  const outcome: BuildOutcome =
    result instanceof Error
      ? { status: 'FAILED', reason: `Kiln failed while running the build: ${result.message}` }
      : result;
  const reason =
    outcome.reason ??
    (outcome.status === 'CANCELLED'
      ? CANCEL_REASON
      : outcome.status === 'FAILED'
        ? `The build failed during ${current.lastStatus ?? 'PENDING'}.`
        : undefined);
  await setImageStatus(store, clock, execution.imageArn, outcome.status, reason, {
    attempt: execution.attempt,
  });
  const failedStage =
    outcome.status === 'FAILED' ? (outcome.failedStage ?? stageOfStatus(current.lastStatus)) : undefined;
  const now = clock.now();
  if (doc) {
    const { cancelRequested: _cancel, ...rest } = current;
    await store.updateDocument(
      EXECUTION_KIND,
      execution.imageArn,
      {
        status: 'DONE',
        body: { ...rest, outcome: outcome.status, endedAt: now, ...(failedStage ? { failedStage } : {}) },
        updatedAt: now,
      },
      ['RUNNING'],
    );
  }
  await recordRunEnd(store, clock, execution.imageArn, execution.pipelineArn, {
    buildType: execution.buildType,
    outcome: outcome.status,
  });
}
