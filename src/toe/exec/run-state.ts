import type { InputMap } from '../model.js';
import type { ChainValues } from './resolve.js';
import type {
  DocumentRecord,
  PhaseRecord,
  RunRecord,
  RunStatus,
  RunSummary,
  StepRecord,
  StepStatus,
} from './types.js';

/** Where a run stands: the next step to run (phase index into the document's phases). */
export interface Cursor {
  doc: number;
  phase: number;
  step: number;
}

/** A step interrupted by a reboot: where to pick it up again, and what it had already done. */
export interface StepResume {
  attempt: number;
  iteration: number;
  /** The loop's iterations, computed once when the loop started. */
  iterations: { name?: string; index: number; value: string }[];
  /** Outputs of the iterations that succeeded in this attempt, and the indices that failed. */
  outputs: Record<string, unknown>[];
  failed: number[];
  messages: string[];
  resolvedInputs: InputMap[];
  startMs: number;
}

/**
 * Everything a run needs to go on after a reboot; plain data, saved to the state directory as
 * JSON and read back before the run resumes. The `if` of a resumed step is not evaluated again:
 * `resume` being set means it already chose Execute.
 */
export interface RunState {
  record: RunRecord;
  chaining: ChainValues[];
  cursor: Cursor;
  resume?: StepResume;
  executed: number;
  failed: number;
  ignored: number;
  /** The first failed step's exit status (when it had one) and message. */
  firstFailure?: { exitCode?: number; message: string };
  stopped: boolean;
  reboots: number;
}

export const isoNow = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function newRunRecord(executionId: string, startMs: number): RunRecord {
  return {
    executionId,
    status: 'running',
    startTime: isoNow(startMs),
    endTime: '',
    failureMessage: '',
    documents: [],
  };
}

export function newDocumentRecord(
  doc: { name?: string; description?: string },
  filePath: string,
  startMs: number,
): DocumentRecord {
  return {
    name: doc.name ?? '',
    filePath,
    status: 'running',
    description: doc.description ?? '',
    startTime: isoNow(startMs),
    endTime: '',
    failureMessage: '',
    phases: [],
  };
}

export function newPhaseRecord(name: string, startMs: number): PhaseRecord {
  return { name, status: 'running', startTime: isoNow(startMs), endTime: '', failureMessage: '', steps: [] };
}

/**
 * A phase's or document's status from its parts: any failed → failed (Continue still fails
 * it); any ignored failure → successwithignoredfailure; skipped steps count as success.
 */
export function rollUp(parts: readonly (StepStatus | RunStatus)[]): RunStatus {
  if (parts.includes('failed')) return 'failed';
  if (parts.includes('ignoredfailure') || parts.includes('successwithignoredfailure')) {
    return 'successwithignoredfailure';
  }
  return 'success';
}

export function finishPhase(phase: PhaseRecord, endMs: number): void {
  phase.status = rollUp(phase.steps.map((s) => s.status));
  phase.endTime = isoNow(endMs);
  const failed = phase.steps.filter((s) => s.status === 'failed').map((s) => s.name);
  phase.failureMessage = failed.length > 0 ? `Step(s) ${failed.join(', ')} failed` : '';
}

export function finishDocument(doc: DocumentRecord, endMs: number): void {
  doc.status = rollUp(doc.phases.map((p) => p.status));
  doc.endTime = isoNow(endMs);
  doc.failureMessage = doc.status === 'failed' ? `Document ${doc.filePath} failed!` : '';
}

export function finishRun(state: RunState, endMs: number): void {
  const run = state.record;
  run.status = rollUp(run.documents.map((d) => d.status));
  if (state.failed > 0) run.status = 'failed';
  run.endTime = isoNow(endMs);
  run.failureMessage = run.documents
    .filter((d) => d.status === 'failed')
    .map((d) => d.failureMessage)
    .join('\n');
  if (run.status === 'failed' && run.failureMessage === '') {
    run.failureMessage = state.firstFailure?.message ?? 'the run failed';
  }
}

/** The awstoe run summary; SuccessWithIgnoredFailure reports as success. */
export function runSummary(state: RunState, logUrl: string): RunSummary {
  return {
    executionId: state.record.executionId,
    status: state.record.status === 'failed' ? 'failed' : 'success',
    failedStepCount: state.failed,
    executedStepCount: state.executed,
    ignoredFailedStepCount: state.ignored,
    failureMessage: state.record.failureMessage,
    logUrl,
  };
}

export function stepRecordBase(
  step: {
    name: string;
    action: string;
    timeoutSeconds: number;
    onFailure: StepRecord['onFailure'];
    maxAttempts: number;
    loop?: unknown;
  },
  startMs: number,
): StepRecord {
  return {
    name: step.name,
    status: 'running',
    failureMessage: '',
    timeoutSeconds: step.timeoutSeconds,
    onFailure: step.onFailure,
    maxAttempts: step.maxAttempts,
    action: step.action,
    startTime: isoNow(startMs),
    endTime: '',
    inputs: '[]',
    outputs: '[]',
    loop: step.loop ?? null,
    detailedOutput: null,
  };
}
