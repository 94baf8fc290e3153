/**
 * The documents an image build leaves in the store besides its image record: the execution
 * (queue entry and worker lease), workflow and step executions, step actions waiting for the
 * worker, the per-pipeline run state, and artifacts waiting for removal.
 */
import type { BuildStage, BuildStatus } from '../../engine/image-build.js';
import type { DocumentRecord, Store } from '../../store/store.js';

export const EXECUTION_KIND = 'execution';
export const WORKFLOW_EXECUTION_KIND = 'workflow-execution';
export const STEP_EXECUTION_KIND = 'step-execution';
export const STEP_ACTION_KIND = 'step-action';
export const PIPELINE_STATE_KIND = 'pipeline-state';
export const ARTIFACT_CLEANUP_KIND = 'artifact-cleanup';

/** Execution document statuses: waiting in the queue, leased by a worker, finished. */
export type ExecutionStatus = 'QUEUED' | 'RUNNING' | 'DONE';

export type BuildType = 'USER_INITIATED' | 'SCHEDULED';

export interface ExecutionBody {
  readonly imageArn: string;
  readonly pipelineArn?: string;
  readonly buildType: BuildType;
  /** 1 for the first run; RetryImage adds one. */
  readonly attempt: number;
  readonly queuedAt: number;
  readonly resumeFromStage?: BuildStage;
  /** The worker holding the lease (host:pid:random) and when it last said so. */
  readonly owner?: string;
  readonly heartbeatAt?: number;
  readonly startedAt?: number;
  /** The last image status the worker persisted (for recovery messages). */
  readonly lastStatus?: BuildStatus;
  readonly cancelRequested?: boolean;
  readonly failedStage?: BuildStage;
  readonly outcome?: 'AVAILABLE' | 'FAILED' | 'CANCELLED';
  readonly endedAt?: number;
}

/** Per pipeline: what the scheduler fired last and which images the pipeline made. */
export interface PipelineState {
  /** The last schedule instant handled (fired or skipped); the next window starts after it. */
  readonly lastFiredAt?: number;
  readonly lastImageArn?: string;
  readonly lastSuccessfulImageArn?: string;
}

/** Workflow-step statuses in the store; a waiting WaitForAction step is stored as WAITING. */
export const WAITING = 'WAITING';

export interface StepActionBody {
  readonly stepExecutionId: string;
  readonly imageBuildVersionArn: string;
  readonly action: 'RESUME' | 'STOP';
  readonly reason?: string;
}

export const executionSortKey = (queuedAt: number, imageArn: string): string =>
  `${String(queuedAt).padStart(15, '0')}:${imageArn}`;

export const executionOf = (doc: DocumentRecord): ExecutionBody => doc.body as unknown as ExecutionBody;

export async function getPipelineState(store: Store, pipelineArn: string): Promise<PipelineState> {
  const doc = await store.getDocument(PIPELINE_STATE_KIND, pipelineArn);
  return (doc?.body ?? {}) as PipelineState;
}

/** Merges `patch` into a pipeline's run state (call inside a transaction when racing matters). */
export async function patchPipelineState(
  store: Store,
  scope: { account: string; region: string },
  pipelineArn: string,
  patch: PipelineState,
  now: number,
): Promise<PipelineState> {
  const current = await getPipelineState(store, pipelineArn);
  const next = { ...current, ...patch };
  await store.putDocument({
    kind: PIPELINE_STATE_KIND,
    id: pipelineArn,
    account: scope.account,
    region: scope.region,
    parent: '',
    status: 'ACTIVE',
    sortKey: pipelineArn,
    body: next,
    createdAt: now,
    updatedAt: now,
  });
  return next;
}
