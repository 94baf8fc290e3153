/**
 * The contracts of the workflow runner (runner.ts): what an action implementation gets and
 * returns, what the runner tells its caller about every state change, and the records it
 * produces, shaped like the API's WorkflowExecutionMetadata and WorkflowStepExecution (api.md
 * §4.2, §8.1, §13).
 */
import type { Clock } from '../core/clock.js';
import type { WorkflowActionName } from './actions.js';
import type { StepActionInbox } from './run-inbox.js';
import type { WorkflowParameterValue } from './run-parameters.js';
import type { WorkflowResume } from './run-resume.js';

export type WorkflowExecutionStatus =
  | 'PENDING'
  | 'SKIPPED'
  | 'RUNNING'
  | 'COMPLETED'
  | 'FAILED'
  | 'ROLLBACK_IN_PROGRESS'
  | 'ROLLBACK_COMPLETED'
  | 'CANCELLED';
export type WorkflowStepStatus = 'PENDING' | 'SKIPPED' | 'RUNNING' | 'COMPLETED' | 'FAILED' | 'CANCELLED';
export type WorkflowStepRollbackStatus = 'RUNNING' | 'COMPLETED' | 'SKIPPED' | 'FAILED';
export type StepActionType = 'RESUME' | 'STOP';

/** What SendWorkflowStepAction delivered to a waiting step. */
export interface StepAction {
  readonly action: StepActionType;
  readonly reason?: string;
}

/** One workflow execution, as GetWorkflowExecution reports it (times are ISO strings). */
export interface WorkflowExecutionRecord {
  readonly workflowExecutionId: string;
  readonly status: WorkflowExecutionStatus;
  readonly message?: string;
  readonly totalStepCount: number;
  readonly totalStepsSucceeded: number;
  readonly totalStepsFailed: number;
  readonly totalStepsSkipped: number;
  readonly startTime: string;
  readonly endTime?: string;
}

/** One step execution, as GetWorkflowStepExecution reports it. */
export interface WorkflowStepRecord {
  readonly stepExecutionId: string;
  readonly workflowExecutionId: string;
  readonly name: string;
  readonly description?: string;
  readonly action: WorkflowActionName;
  readonly status: WorkflowStepStatus;
  readonly rollbackStatus?: WorkflowStepRollbackStatus;
  readonly message?: string;
  /** The resolved inputs as a JSON string, set once the step starts. */
  readonly inputs?: string;
  /** The action's outputs as a JSON string, set when it returned some. */
  readonly outputs?: string;
  readonly startTime?: string;
  readonly endTime?: string;
  readonly onFailure: 'Abort' | 'Continue';
  readonly timeoutSeconds: number;
}

/** A WaitForAction step waiting for SendWorkflowStepAction (ListWaitingWorkflowSteps). */
export interface WaitingStepRecord {
  readonly stepExecutionId: string;
  readonly workflowExecutionId: string;
  readonly name: string;
  readonly action: WorkflowActionName;
  readonly startTime: string;
}

/** What an action implementation is given while it runs (or rolls back). */
export interface ActionContext {
  /**
   * Aborted when the step times out or the run is cancelled. `run` and `rollback` must settle
   * soon after: the runner waits for them before it records the outcome or rolls back, so
   * that nothing is still working on a resource while it is being undone.
   */
  readonly signal: AbortSignal;
  readonly workflowExecutionId: string;
  /** Stable across a resumed step, so an action can tag what it creates and find it again. */
  readonly stepExecutionId: string;
  readonly stepName: string;
  readonly action: WorkflowActionName;
  /** Appends a line to the step's log (WorkflowSink.log). */
  log(line: string): void;
  /**
   * Pauses the step until SendWorkflowStepAction delivers RESUME or STOP for it, and resolves
   * with what was delivered; the step stays RUNNING meanwhile. Rejects when the signal aborts
   * (timeout, cancellation). Once per step; rejects during a rollback.
   */
  waitForAction(): Promise<StepAction>;
}

/**
 * The implementation of one workflow step action (LaunchInstance, CreateImage, …).
 *
 * `run` does the work with the resolved inputs (`key.$` already replaced by values) and returns
 * the outputs later steps read as `$.stepOutputs.<step>.<output>`; it must return a map that
 * JSON can represent. A rejection fails the step with the error's message. Register anything
 * the step creates where `rollback` can find it (its outputs, or tags with stepExecutionId).
 *
 * `rollback`, when present, undoes the step after an Abort or a cancellation. It is called for
 * the step that failed (with whatever outputs it returned, often none) and for completed steps,
 * in reverse order; it must tolerate a resource that is already gone. Without it the step's
 * rollbackStatus is SKIPPED.
 */
export interface ActionHandler {
  run(inputs: Record<string, unknown>, ctx: ActionContext): Promise<Record<string, unknown>>;
  rollback?(
    inputs: Record<string, unknown>,
    outputs: Record<string, unknown>,
    ctx: ActionContext,
  ): Promise<void>;
}

/** The implementations a run may use, by action name. WaitForAction has a built-in default. */
export type ActionRegistry = Readonly<Partial<Record<WorkflowActionName, ActionHandler>>>;

/**
 * Where a run reports every state change. The runner awaits each call before it starts the
 * work the call announces, so a caller that persists here knows after a crash what was running.
 * Each call carries the whole new record (an upsert by id). A rejection is treated like a
 * crash: the run stops where it is, without rollback, and runWorkflow rejects with the error;
 * what the caller stored is what a resume will see.
 */
export interface WorkflowSink {
  workflowChanged(record: WorkflowExecutionRecord): Promise<void>;
  stepChanged(record: WorkflowStepRecord): Promise<void>;
  /** A WaitForAction step started waiting; it may be resumed from now on. */
  stepWaiting(record: WaitingStepRecord): Promise<void>;
  /** The step stopped waiting: an action was delivered, it timed out, or the run was cancelled. */
  stepWaitEnded(stepExecutionId: string): Promise<void>;
  /** A line of a step's log; not awaited. */
  log?(stepExecutionId: string, line: string): void;
}

/** Arms step timeouts; injectable so tests need not wait for real time. */
export interface StepTimer {
  /** Calls `fire` after `ms` milliseconds unless the returned function is called first. */
  start(ms: number, fire: () => void): () => void;
}

export const systemTimer: StepTimer = {
  start(ms, fire) {
    const handle = setTimeout(fire, ms);
    return () => clearTimeout(handle);
  },
};

export interface RunWorkflowOptions {
  /** The WorkflowConfiguration's parameters; converted by declared type, defaults filled in. */
  readonly parameters: readonly WorkflowParameterValue[];
  /** The `$.imagebuilder.*` system variables. */
  readonly imagebuilder: Readonly<Record<string, unknown>>;
  /** Outputs of the workflows that already ran for this image (`$.workflowOutputs.<name>`). */
  readonly workflowOutputs?: Readonly<Record<string, unknown>>;
  readonly actions: ActionRegistry;
  /** Where SendWorkflowStepAction reaches this run's WaitForAction steps. */
  readonly inbox: StepActionInbox;
  /** Cancels the run (CancelImageCreation). */
  readonly signal: AbortSignal;
  readonly clock: Clock;
  readonly sink: WorkflowSink;
  /** Id for a new execution, when the caller recorded it (PENDING) before; else a new one. */
  readonly workflowExecutionId?: string;
  /** Continue a previous attempt of the same execution (see planResume). */
  readonly resume?: WorkflowResume;
  readonly timer?: StepTimer;
}

export interface WorkflowRunResult {
  /** COMPLETED, FAILED, ROLLBACK_COMPLETED (failed, then undone) or CANCELLED. */
  readonly execution: WorkflowExecutionRecord;
  /** The steps that were reached, in document order. */
  readonly steps: readonly WorkflowStepRecord[];
  /** The document's outputs when the run COMPLETED; outputs whose path has no value are left out. */
  readonly outputs: Readonly<Record<string, unknown>>;
}
