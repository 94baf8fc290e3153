/**
 * Pure helpers over the runner's records: the step totals, the JSON members of a persisted
 * step record, and the document's outputs at the end of a run.
 */
import { invalidRequest } from '../core/errors.js';
import type { WorkflowDocument } from './document.js';
import { interpolate, type PathScope, resolvePath } from './jsonpath.js';
import type { WorkflowStepRecord } from './run-types.js';

/**
 * The step totals. A CANCELLED step counts as failed, and once the run has ended, steps it
 * never reached count as skipped: the API documents totalStepCount as the sum of the three.
 */
export function countSteps(records: readonly (WorkflowStepRecord | undefined)[], ended: boolean) {
  const count = (...statuses: string[]) => records.filter((r) => r && statuses.includes(r.status)).length;
  const totalStepsSucceeded = count('COMPLETED');
  const totalStepsFailed = count('FAILED', 'CANCELLED');
  const totalStepsSkipped = ended
    ? records.length - totalStepsSucceeded - totalStepsFailed
    : count('SKIPPED');
  return { totalStepsSucceeded, totalStepsFailed, totalStepsSkipped };
}

/** A persisted step record's inputs or outputs as a map; throws when they are not a JSON map. */
export function recordedMap(record: WorkflowStepRecord, key: 'inputs' | 'outputs'): Record<string, unknown> {
  const text = record[key];
  if (text === undefined) return {};
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw invalidRequest(
    `Step execution ${record.stepExecutionId} can't be resumed: its ${key} are not a JSON map.`,
  );
}

/** The document's outputs; one whose path has no value (it reads a skipped step) is left out. */
export function evaluateOutputs(doc: WorkflowDocument, scope: PathScope): Record<string, unknown> {
  const out: [string, unknown][] = [];
  for (const o of doc.outputs) {
    try {
      out.push([o.name, o.value.startsWith('$') ? resolvePath(o.value, scope) : interpolate(o.value, scope)]);
    } catch {
      // build-image's ImageId in a container build reads CreateOutputAMI, which was skipped.
    }
  }
  return Object.fromEntries(out);
}
