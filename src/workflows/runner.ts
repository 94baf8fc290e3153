/**
 * The workflow runner: executes a parsed workflow document (api.md §8) step by step with the
 * action implementations it is given, and reports every state change to a sink before the work
 * it announces starts. It knows nothing about what the actions do; the build engine plugs them
 * in. Rules (api.md §8.2): steps run in order; `if` false → SKIPPED; `Abort` fails the workflow
 * and rolls back, `Continue` records the failure and goes on; a step over timeoutSeconds fails;
 * cancellation marks the running step CANCELLED and rolls back like Abort.
 */
import { isoTime } from '../core/clock.js';
import { wrapError } from '../core/errors.js';
import { stepExecutionId, workflowExecutionId } from '../core/ids.js';
import type { WorkflowDocument } from './document.js';
import { evaluateCondition } from './evaluate.js';
import { type PathScope, resolveInputs } from './jsonpath.js';
import { resolveWorkflowParameters } from './run-parameters.js';
import { countSteps, evaluateOutputs, recordedMap } from './run-records.js';
import { planResume, type WorkflowResume } from './run-resume.js';
import { rollBack, type RollbackHost, type StepIo } from './run-rollback.js';
import { errorMessage, invokeStep, type StepOutcome } from './run-step.js';
import {
  type ActionHandler,
  type ActionRegistry,
  type RunWorkflowOptions,
  type StepAction,
  type StepTimer,
  systemTimer,
  type WorkflowExecutionRecord,
  type WorkflowExecutionStatus,
  type WorkflowRunResult,
  type WorkflowStepRecord,
} from './run-types.js';
import type { WorkflowStep } from './steps.js';

export { StepActionInbox } from './run-inbox.js';
export { resolveWorkflowParameters, type WorkflowParameterValue } from './run-parameters.js';
export { planResume, type ResumePlan, type WorkflowResume } from './run-resume.js';
export { countSteps } from './run-records.js';
export type {
  ActionContext,
  ActionHandler,
  ActionRegistry,
  RunWorkflowOptions,
  StepAction,
  StepActionType,
  StepTimer,
  WaitingStepRecord,
  WorkflowExecutionRecord,
  WorkflowExecutionStatus,
  WorkflowRunResult,
  WorkflowSink,
  WorkflowStepRecord,
  WorkflowStepRollbackStatus,
  WorkflowStepStatus,
} from './run-types.js';

/** WaitForAction just waits, unless the caller plugs in one that also notifies someone. */
const BUILT_IN: ActionRegistry = {
  WaitForAction: {
    run: async (_inputs, ctx) => {
      const { action, reason } = await ctx.waitForAction();
      return { action, reason: reason ?? '' };
    },
  },
};

/**
 * Runs `doc` to the end and resolves with how it ended; a failed step is a result, not a
 * rejection. Rejects before any step runs (and before the sink hears anything) when the
 * parameters or the resume records are not valid, and mid-run only when the sink rejects.
 */
export async function runWorkflow(
  doc: WorkflowDocument,
  options: RunWorkflowOptions,
): Promise<WorkflowRunResult> {
  const parameters = resolveWorkflowParameters(doc.parameters, options.parameters);
  return new WorkflowRun(doc, options, parameters).execute();
}

type Stop = { readonly kind: 'failed' | 'cancelled'; readonly index?: number };

class WorkflowRun implements RollbackHost {
  readonly records: (WorkflowStepRecord | undefined)[];
  readonly io: (StepIo | undefined)[];
  readonly scope: PathScope;
  readonly timer: StepTimer;
  readonly #stepOutputs: Record<string, Record<string, unknown>> = {};
  #execution: WorkflowExecutionRecord;
  #nextIndex = 0;
  #fatal: unknown;

  constructor(
    readonly doc: WorkflowDocument,
    readonly options: RunWorkflowOptions,
    parameters: Readonly<Record<string, unknown>>,
  ) {
    this.records = doc.steps.map(() => undefined);
    this.io = doc.steps.map(() => undefined);
    this.timer = options.timer ?? systemTimer;
    this.scope = {
      parameters,
      stepOutputs: this.#stepOutputs,
      workflowOutputs: options.workflowOutputs ?? {},
      imagebuilder: options.imagebuilder,
    };
    const resume = options.resume;
    this.#execution = {
      workflowExecutionId:
        resume?.execution.workflowExecutionId ?? options.workflowExecutionId ?? workflowExecutionId(),
      status: 'RUNNING',
      totalStepCount: doc.steps.length,
      totalStepsSucceeded: 0,
      totalStepsFailed: 0,
      totalStepsSkipped: 0,
      startTime: resume?.execution.startTime ?? this.now(),
    };
    if (resume) this.load(resume);
  }

  now(): string {
    return isoTime(this.options.clock.now());
  }

  get workflowExecutionId(): string {
    return this.#execution.workflowExecutionId;
  }

  handler(step: WorkflowStep): ActionHandler | undefined {
    return this.options.actions[step.action] ?? BUILT_IN[step.action];
  }

  /** Takes over the steps a previous attempt finished, with their inputs and outputs. */
  private load(resume: WorkflowResume): void {
    const plan = planResume(this.doc, resume.execution, resume.steps);
    for (const r of [...plan.done, ...(plan.interrupted ? [plan.interrupted] : [])]) {
      const index = this.doc.steps.findIndex((s) => s.name === r.name);
      this.records[index] = r;
      const io = { inputs: recordedMap(r, 'inputs'), outputs: recordedMap(r, 'outputs') };
      this.io[index] = io;
      if (r !== plan.interrupted && r.outputs !== undefined) this.#stepOutputs[r.name] = io.outputs;
    }
    this.#nextIndex = plan.nextIndex;
  }

  async execute(): Promise<WorkflowRunResult> {
    await this.setWorkflow('RUNNING');
    const stop = await this.runSteps();
    if (stop === undefined)
      return this.finish('COMPLETED', this.continuedMessage(), evaluateOutputs(this.doc, this.scope));
    const failed = stop.index === undefined ? undefined : this.records[stop.index];
    const headline =
      stop.kind === 'cancelled'
        ? `Workflow execution cancelled${failed ? ` while step "${failed.name}" was running` : ''}`
        : `Step "${failed?.name}" failed: ${failed?.message}`;
    const rolled = await rollBack(this, stop.index, () => this.setWorkflow('ROLLBACK_IN_PROGRESS', headline));
    const message = headline + rolled.failures.map((f) => `; ${f}`).join('');
    if (stop.kind === 'cancelled') return this.finish('CANCELLED', message);
    return this.finish(rolled.ran && rolled.failures.length === 0 ? 'ROLLBACK_COMPLETED' : 'FAILED', message);
  }

  private async runSteps(): Promise<Stop | undefined> {
    for (let i = this.#nextIndex; i < this.doc.steps.length; i++) {
      if (this.options.signal.aborted) return { kind: 'cancelled' };
      const status = await this.runStep(i);
      if (status === 'CANCELLED') return { kind: 'cancelled', index: i };
      if (status === 'FAILED' && this.doc.steps[i]?.onFailure === 'Abort')
        return { kind: 'failed', index: i };
    }
    // Cancelled after the last step: the work is done, so the run stands as COMPLETED.
    return undefined;
  }

  private async runStep(index: number): Promise<WorkflowStepRecord['status']> {
    const step = this.doc.steps[index] as WorkflowStep;
    const previous = this.records[index];
    const base: WorkflowStepRecord = {
      stepExecutionId: previous?.stepExecutionId ?? stepExecutionId(),
      workflowExecutionId: this.workflowExecutionId,
      name: step.name,
      ...(step.description === undefined ? {} : { description: step.description }),
      action: step.action,
      status: 'RUNNING',
      onFailure: step.onFailure,
      timeoutSeconds: step.timeoutSeconds,
    };
    if (previous && this.options.resume?.interruptedStep === 'fail') {
      const message = 'Interrupted: Kiln stopped while the step was running, and it was not run again';
      return this.endStep(index, { ...previous, status: 'FAILED', message, endTime: this.now() });
    }
    const startTime = this.now();
    let inputs: Record<string, unknown>;
    try {
      if (step.if && !evaluateCondition(step.if, this.scope)) {
        return this.endStep(index, { ...base, status: 'SKIPPED', startTime, endTime: startTime });
      }
      inputs = resolveInputs(step.inputs, this.scope);
    } catch (err) {
      return this.endStep(index, {
        ...base,
        status: 'FAILED',
        message: errorMessage(err),
        startTime,
        endTime: startTime,
      });
    }
    const running: WorkflowStepRecord = { ...base, inputs: JSON.stringify(inputs), startTime };
    this.io[index] = { inputs, outputs: {} };
    await this.setStep(index, running);
    const handler = this.handler(step);
    const outcome: StepOutcome = handler
      ? await invokeStep({
          handler,
          inputs,
          context: this.context(running),
          timeoutSeconds: step.timeoutSeconds,
          timer: this.timer,
          runSignal: this.options.signal,
          waitForAction: (signal) => this.waitForAction(running, signal),
        })
      : { kind: 'failed', message: `Kiln has no implementation of the ${step.action} action` };
    if (this.#fatal !== undefined) throw this.#fatal;
    return this.endStep(index, this.finishedRecord(index, running, outcome));
  }

  private finishedRecord(
    index: number,
    running: WorkflowStepRecord,
    outcome: StepOutcome,
  ): WorkflowStepRecord {
    const status =
      outcome.kind === 'completed' ? 'COMPLETED' : outcome.kind === 'failed' ? 'FAILED' : 'CANCELLED';
    const message =
      outcome.kind === 'failed' ? outcome.message : outcome.kind === 'cancelled' ? 'Cancelled' : '';
    let outputs: string | undefined;
    if (outcome.outputs !== undefined) {
      // A JSON copy: later steps and a resumed run read exactly what was recorded.
      outputs = JSON.stringify(outcome.outputs);
      const copy = JSON.parse(outputs) as Record<string, unknown>;
      this.#stepOutputs[running.name] = copy;
      this.io[index] = { inputs: this.io[index]?.inputs ?? {}, outputs: copy };
    }
    return {
      ...running,
      status,
      ...(message === '' ? {} : { message }),
      ...(outputs === undefined ? {} : { outputs }),
      endTime: this.now(),
    };
  }

  private async endStep(index: number, record: WorkflowStepRecord): Promise<WorkflowStepRecord['status']> {
    await this.setStep(index, record);
    return record.status;
  }

  context(record: WorkflowStepRecord) {
    return {
      workflowExecutionId: this.workflowExecutionId,
      stepExecutionId: record.stepExecutionId,
      stepName: record.name,
      action: record.action,
      log: (line: string) => this.options.sink.log?.(record.stepExecutionId, line),
    };
  }

  private async waitForAction(record: WorkflowStepRecord, signal: AbortSignal): Promise<StepAction> {
    const { inbox, sink } = this.options;
    // A signal of our own, so the inbox forgets the step if recording it as waiting fails.
    const local = new AbortController();
    const forward = () => local.abort(signal.reason);
    if (signal.aborted) forward();
    else signal.addEventListener('abort', forward, { once: true });
    const waiting = inbox.wait(record.stepExecutionId, local.signal);
    waiting.catch(() => {}); // awaited below, unless recording fails first
    try {
      await this.emit(() =>
        sink.stepWaiting({
          stepExecutionId: record.stepExecutionId,
          workflowExecutionId: record.workflowExecutionId,
          name: record.name,
          action: record.action,
          startTime: record.startTime ?? this.now(),
        }),
      );
    } catch (err) {
      local.abort(err);
      throw err;
    }
    try {
      return await waiting;
    } finally {
      signal.removeEventListener('abort', forward);
      await this.emit(() => sink.stepWaitEnded(record.stepExecutionId));
    }
  }

  async setStep(index: number, record: WorkflowStepRecord): Promise<void> {
    this.records[index] = record;
    await this.emit(() => this.options.sink.stepChanged(record));
  }

  async setWorkflow(status: WorkflowExecutionStatus, message?: string, endTime?: string): Promise<void> {
    const { message: _, endTime: __, ...rest } = this.#execution;
    this.#execution = {
      ...rest,
      status,
      ...(message === undefined ? {} : { message }),
      ...countSteps(this.records, endTime !== undefined),
      ...(endTime === undefined ? {} : { endTime }),
    };
    const record = this.#execution;
    await this.emit(() => this.options.sink.workflowChanged(record));
  }

  private async finish(
    status: WorkflowExecutionStatus,
    message: string | undefined,
    outputs: Record<string, unknown> = {},
  ): Promise<WorkflowRunResult> {
    await this.setWorkflow(status, message, this.now());
    return {
      execution: this.#execution,
      steps: this.records.filter((r) => r !== undefined),
      outputs: Object.freeze(outputs),
    };
  }

  private continuedMessage(): string | undefined {
    const failed = this.records.filter((r) => r?.status === 'FAILED').map((r) => r?.name);
    if (failed.length === 0) return undefined;
    return `Completed; ${failed.length} step(s) failed with onFailure Continue: ${failed.join(', ')}`;
  }

  /** Calls the sink; a failure is fatal to the run (see WorkflowSink). */
  private async emit(call: () => Promise<void>): Promise<void> {
    try {
      await call();
    } catch (err) {
      const fatal = wrapError('recording workflow state', err);
      this.#fatal ??= fatal;
      throw fatal;
    }
  }
}
