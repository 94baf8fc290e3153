/**
 * Continuing a workflow execution after Kiln stopped mid-run (a crash, a restart): from the
 * records the sink persisted, which steps are done and which step was running. Pure, so the
 * caller can look at the plan first and decide whether re-running the interrupted step is
 * safe, or whether to fail it as interrupted and roll back.
 */
import { invalidRequest, type KilnError } from '../core/errors.js';
import type { WorkflowDocument } from './document.js';
import type { WorkflowExecutionRecord, WorkflowStepRecord } from './run-types.js';

/** A previous attempt of the same execution, as its sink last recorded it. */
export interface WorkflowResume {
  /** Its id and start time carry over; it must still be PENDING or RUNNING. */
  readonly execution: WorkflowExecutionRecord;
  readonly steps: readonly WorkflowStepRecord[];
  /**
   * The step that was RUNNING when the attempt stopped: `rerun` runs it again under the same
   * stepExecutionId; `fail` records it FAILED as interrupted and lets its onFailure decide
   * (Abort rolls back, starting with it).
   */
  readonly interruptedStep: 'rerun' | 'fail';
}

export interface ResumePlan {
  /** Steps the previous attempt finished (COMPLETED, SKIPPED, or FAILED with Continue), in order. */
  readonly done: readonly WorkflowStepRecord[];
  /** The step that had started and not finished, if any; it is the step at nextIndex. */
  readonly interrupted?: WorkflowStepRecord;
  /** Index in the document of the first step to run. */
  readonly nextIndex: number;
}

const RESUMABLE = ['PENDING', 'RUNNING'];

/** Throws InvalidRequestException when the records don't describe an unfinished run of `doc`. */
export function planResume(
  doc: WorkflowDocument,
  execution: WorkflowExecutionRecord,
  records: readonly WorkflowStepRecord[],
): ResumePlan {
  const fail = (why: string): KilnError =>
    invalidRequest(`Workflow execution ${execution.workflowExecutionId} can't be resumed: ${why}.`);
  if (!RESUMABLE.includes(execution.status)) throw fail(`it is ${execution.status}, not running`);
  const byName = new Map<string, WorkflowStepRecord>();
  for (const r of records) {
    const step = doc.steps.find((s) => s.name === r.name);
    if (!step) throw fail(`the document has no step "${r.name}"`);
    if (step.action !== r.action)
      throw fail(`step "${r.name}" ran ${r.action}, the document says ${step.action}`);
    if (r.workflowExecutionId !== execution.workflowExecutionId) {
      throw fail(`step record ${r.stepExecutionId} belongs to ${r.workflowExecutionId}`);
    }
    if (byName.has(r.name)) throw fail(`step "${r.name}" has two records`);
    byName.set(r.name, r);
  }
  const done: WorkflowStepRecord[] = [];
  let nextIndex = doc.steps.length;
  let interrupted: WorkflowStepRecord | undefined;
  for (const [i, step] of doc.steps.entries()) {
    const r = byName.get(step.name);
    const finished =
      r !== undefined &&
      (r.status === 'COMPLETED' ||
        r.status === 'SKIPPED' ||
        (r.status === 'FAILED' && step.onFailure === 'Continue'));
    if (finished) {
      done.push(r);
      continue;
    }
    if (r !== undefined && r.status !== 'RUNNING' && r.status !== 'PENDING') {
      throw fail(`step "${step.name}" already ended ${r.status}, which ends the run`);
    }
    nextIndex = i;
    interrupted = r;
    break;
  }
  const later = doc.steps.slice(nextIndex + 1).find((s) => byName.has(s.name));
  if (later) throw fail(`step "${later.name}" has a record, but an earlier step never finished`);
  return interrupted ? { done, interrupted, nextIndex } : { done, nextIndex };
}
