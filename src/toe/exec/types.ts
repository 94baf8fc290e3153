import type { OnFailure } from '../model.js';

/**
 * Statuses as detailedoutput.json spells them: lowercase, as real awstoe output shows for
 * success and failed. The lowercase forms of IgnoredFailure and SuccessWithIgnoredFailure, and
 * `skipped` for a step an `if` skipped (which counts as success), are Kiln's reading.
 */
export type StepStatus = 'running' | 'success' | 'failed' | 'ignoredfailure' | 'skipped';
export type RunStatus = 'running' | 'success' | 'failed' | 'successwithignoredfailure';

/** One step in detailedoutput.json, defaults filled in; inputs/outputs are JSON text of an array. */
export interface StepRecord {
  name: string;
  status: StepStatus;
  failureMessage: string;
  timeoutSeconds: number;
  onFailure: OnFailure;
  maxAttempts: number;
  action: string;
  startTime: string;
  endTime: string;
  inputs: string;
  outputs: string;
  loop: unknown;
  /** ExecuteDocument: the nested run. */
  detailedOutput: RunRecord | null;
}

export interface PhaseRecord {
  name: string;
  status: RunStatus;
  startTime: string;
  endTime: string;
  failureMessage: string;
  steps: StepRecord[];
}

export interface DocumentRecord {
  name: string;
  filePath: string;
  status: RunStatus;
  description: string;
  startTime: string;
  endTime: string;
  failureMessage: string;
  phases: PhaseRecord[];
}

/** detailedoutput.json: run → documents → phases → steps. */
export interface RunRecord {
  executionId: string;
  status: RunStatus;
  startTime: string;
  endTime: string;
  failureMessage: string;
  documents: DocumentRecord[];
}

/** The awstoe run summary; ExecuteDocument's output (plus the nested run as `detailedOutput`). */
export interface RunSummary {
  executionId: string;
  status: 'success' | 'failed';
  failedStepCount: number;
  executedStepCount: number;
  ignoredFailedStepCount: number;
  failureMessage: string;
  logUrl: string;
}

/** Where an event happened: document index and file, phase, step with its position in the phase. */
export interface StepRef {
  readonly document: string;
  readonly phase: string;
  readonly step: string;
  readonly action: string;
  /** 1-based position and the phase's step count, for `Step 2/5`. */
  readonly index: number;
  readonly count: number;
  /** ExecuteDocument nesting: 0 for the documents given to the run. */
  readonly depth: number;
}

/** What the engine streams to its caller while it runs (the build engine stores them as logs). */
export type ToeEvent =
  | { readonly type: 'document-start'; readonly document: string; readonly depth: number }
  | {
      readonly type: 'phase-start';
      readonly document: string;
      readonly phase: string;
      readonly depth: number;
    }
  | { readonly type: 'step-start'; readonly ref: StepRef }
  | {
      readonly type: 'step-end';
      readonly ref: StepRef;
      readonly status: StepStatus;
      readonly durationMs: number;
      readonly failureMessage: string;
    }
  | {
      readonly type: 'output';
      readonly ref: StepRef;
      readonly stream: 'stdout' | 'stderr' | 'info';
      readonly line: string;
    }
  | { readonly type: 'reboot'; readonly ref: StepRef; readonly rerunStep: boolean }
  | { readonly type: 'run-end'; readonly summary: RunSummary; readonly depth: number };
