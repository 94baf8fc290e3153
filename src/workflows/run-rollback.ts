/**
 * Rollback after an Abort or a cancellation (api.md §8.2): the step that failed first, then the
 * completed steps in reverse order. A step is undone when its action implementation has a
 * rollback and its rollbackEnabled holds; otherwise its rollbackStatus is SKIPPED. A rollback
 * that fails is recorded and the others still run: one failure never hides another.
 */
import type { WorkflowDocument } from './document.js';
import { resolveRollbackEnabled } from './evaluate.js';
import type { PathScope } from './jsonpath.js';
import { errorMessage, underSignal } from './run-step.js';
import type { ActionContext, ActionHandler, StepTimer, WorkflowStepRecord } from './run-types.js';
import type { WorkflowStep } from './steps.js';

/** What a step ran with and returned, kept for its rollback. */
export interface StepIo {
  readonly inputs: Record<string, unknown>;
  readonly outputs: Record<string, unknown>;
}

/** The parts of a run a rollback reads and records into. */
export interface RollbackHost {
  readonly doc: WorkflowDocument;
  /** By step index; undefined for steps not reached. */
  readonly records: readonly (WorkflowStepRecord | undefined)[];
  readonly io: readonly (StepIo | undefined)[];
  readonly scope: PathScope;
  readonly timer: StepTimer;
  handler(step: WorkflowStep): ActionHandler | undefined;
  context(record: WorkflowStepRecord): Omit<ActionContext, 'signal' | 'waitForAction'>;
  setStep(index: number, record: WorkflowStepRecord): Promise<void>;
  now(): string;
}

export interface RollbackResult {
  /** True when at least one rollback was attempted. */
  readonly ran: boolean;
  /** One line per rollback that failed, naming the step. */
  readonly failures: readonly string[];
}

type Decision =
  | { readonly kind: 'skip' }
  | { readonly kind: 'run'; readonly handler: ActionHandler }
  | { readonly kind: 'error'; readonly message: string };

/**
 * Rolls back `failedIndex` (if given) and every COMPLETED step before it, newest first.
 * `announce` is awaited once before the first rollback runs (ROLLBACK_IN_PROGRESS).
 */
export async function rollBack(
  host: RollbackHost,
  failedIndex: number | undefined,
  announce: () => Promise<void>,
): Promise<RollbackResult> {
  const completed = host.records
    .map((r, i) => (r?.status === 'COMPLETED' && i !== failedIndex ? i : -1))
    .filter((i) => i >= 0)
    .reverse();
  const order = failedIndex === undefined ? completed : [failedIndex, ...completed];
  const plan = order.map((index) => ({ index, decision: decide(host, index) }));
  const ran = plan.some((p) => p.decision.kind !== 'skip');
  if (ran) await announce();
  const failures: string[] = [];
  for (const { index, decision } of plan) {
    const record = host.records[index] as WorkflowStepRecord;
    if (decision.kind === 'skip') {
      await host.setStep(index, { ...record, rollbackStatus: 'SKIPPED' });
      continue;
    }
    const error =
      decision.kind === 'error' ? decision.message : await undo(host, index, record, decision.handler);
    if (error === undefined) continue;
    failures.push(`rollback of step "${record.name}" failed: ${error}`);
    const message = `${record.message ? `${record.message}; ` : ''}Rollback failed: ${error}`;
    await host.setStep(index, { ...record, rollbackStatus: 'FAILED', message });
  }
  return { ran, failures };
}

function decide(host: RollbackHost, index: number): Decision {
  const step = host.doc.steps[index] as WorkflowStep;
  const handler = host.handler(step);
  // Inputs are recorded when the action starts: a step whose `if` or inputs failed did nothing.
  if (handler?.rollback === undefined || host.records[index]?.inputs === undefined) return { kind: 'skip' };
  try {
    return resolveRollbackEnabled(step.rollbackEnabled, host.scope)
      ? { kind: 'run', handler }
      : { kind: 'skip' };
  } catch (err) {
    return { kind: 'error', message: errorMessage(err) };
  }
}

/** Runs one rollback under the step's timeout; the error message, or undefined on success. */
async function undo(
  host: RollbackHost,
  index: number,
  record: WorkflowStepRecord,
  handler: ActionHandler,
): Promise<string | undefined> {
  await host.setStep(index, { ...record, rollbackStatus: 'RUNNING' });
  const io = host.io[index] ?? { inputs: {}, outputs: {} };
  const seconds = record.timeoutSeconds;
  // Not tied to the run's signal: after a cancellation that signal has already fired.
  const settled = await underSignal(host.timer, seconds, undefined, async (signal) =>
    handler.rollback?.(io.inputs, io.outputs, {
      ...host.context(record),
      signal,
      waitForAction: () => Promise.reject(new Error('waitForAction is not available during a rollback')),
    }),
  );
  if (settled.aborted === 'timeout') return `timed out after ${seconds} seconds`;
  if (!settled.ok) return errorMessage(settled.error);
  await host.setStep(index, { ...record, rollbackStatus: 'COMPLETED' });
  return undefined;
}
