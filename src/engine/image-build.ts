/**
 * The seam between the control plane (executions, queue, API) and the build engine. The
 * control plane creates the image record, queues it, and calls `ImageBuildEngine.start` from a
 * worker; the engine walks the image through its stages, reporting every change through the
 * observer, which persists it before the engine starts the work it announces.
 */

/** Image Builder's ImageStatus values an execution moves through. */
export type BuildStatus =
  | 'PENDING'
  | 'CREATING'
  | 'BUILDING'
  | 'TESTING'
  | 'DISTRIBUTING'
  | 'INTEGRATING'
  | 'AVAILABLE'
  | 'FAILED'
  | 'CANCELLED';

export type BuildStage = 'BUILD' | 'TEST' | 'DISTRIBUTION';

/** What the execution builds: the image record's snapshot taken when it was created. */
export interface ImageBuildRequest {
  readonly imageArn: string;
  readonly account: string;
  readonly region: string;
  /** The Image body as GetImage returns it (imageRecipe or containerRecipe, configurations, workflows…). */
  readonly image: Readonly<Record<string, unknown>>;
  /** RetryImage: start again at this stage, reusing what earlier stages produced and the layer cache. */
  readonly resumeFromStage?: BuildStage;
  /** Turn the per-component layer cache off for this run. */
  readonly layerCache: boolean;
}

/** One line of an image's log (every step's output is kept with the image). */
export interface BuildLogLine {
  readonly time: number;
  readonly stage: BuildStage | 'CREATE' | 'INTEGRATE';
  readonly step: string;
  readonly stream: 'stdout' | 'stderr' | 'info';
  readonly text: string;
}

/** Workflow and step execution records in the API's shapes (WorkflowExecutionMetadata, WorkflowStepMetadata). */
export interface WorkflowExecutionRecord {
  readonly workflowExecutionId: string;
  readonly workflowBuildVersionArn: string;
  readonly type: BuildStage;
  readonly status: string;
  readonly [member: string]: unknown;
}

export interface StepExecutionRecord {
  readonly stepExecutionId: string;
  readonly workflowExecutionId: string;
  readonly name: string;
  readonly action: string;
  readonly status: string;
  /** True while a WaitForAction step waits for SendWorkflowStepAction. */
  readonly waiting: boolean;
  readonly [member: string]: unknown;
}

export type BuildEvent =
  | { readonly kind: 'status'; readonly status: BuildStatus; readonly reason?: string }
  | { readonly kind: 'workflow'; readonly record: WorkflowExecutionRecord }
  | { readonly kind: 'step'; readonly record: StepExecutionRecord }
  | { readonly kind: 'log'; readonly line: BuildLogLine }
  | { readonly kind: 'timing'; readonly stage: string; readonly ms: number; readonly bytes?: number }
  /** Members to merge into the image record as they become known (osVersion, outputResources, resolved references…). */
  | { readonly kind: 'image'; readonly members: Readonly<Record<string, unknown>> };

/** Persists (and fans out) one event; the engine awaits it before going on. */
export type BuildObserver = (event: BuildEvent) => Promise<void>;

export interface BuildOutcome {
  readonly status: 'AVAILABLE' | 'FAILED' | 'CANCELLED';
  /** For FAILED: the failing stage and step, the command's exit code and the tail of its output. */
  readonly reason?: string;
  /** The stage that failed, so RetryImage can start there. */
  readonly failedStage?: BuildStage;
}

export interface BuildHandle {
  readonly done: Promise<BuildOutcome>;
  /** SendWorkflowStepAction: resume or stop a waiting WaitForAction step of this build. */
  deliverStepAction(stepExecutionId: string, action: 'RESUME' | 'STOP', reason?: string): void;
}

/**
 * Runs image builds. Contract: `start` returns at once; `done` settles when the build has
 * ended and every instance, mount and temporary file of it is gone (unless the infrastructure
 * configuration keeps failed instances for debugging); aborting `signal` cancels within
 * seconds and ends CANCELLED. Every status change goes through the observer before the stage
 * it announces starts.
 */
export interface ImageBuildEngine {
  start(request: ImageBuildRequest, observer: BuildObserver, signal: AbortSignal): BuildHandle;
}
