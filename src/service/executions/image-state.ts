/**
 * Pure decisions about image states and pipeline counters: which status changes are accepted,
 * how an image body records them (state + per-state timings), and what a finished run does to
 * its pipeline (lastRunStatus, consecutiveFailures, auto-disable).
 */
import { isoTime } from '../../core/clock.js';
import type { BuildStage, BuildStatus } from '../../engine/image-build.js';

export const ORDER: readonly BuildStatus[] = [
  'PENDING',
  'CREATING',
  'BUILDING',
  'TESTING',
  'DISTRIBUTING',
  'INTEGRATING',
];
export const TERMINAL: ReadonlySet<string> = new Set(['AVAILABLE', 'FAILED', 'CANCELLED']);
export const IN_PROGRESS: ReadonlySet<string> = new Set(ORDER);

export const isTerminal = (status: string | undefined): boolean =>
  status !== undefined && TERMINAL.has(status);

/**
 * Whether a build may move from `from` to `to`: forward through the in-progress states (a
 * stage may be skipped, e.g. TESTING when tests are off), or to a terminal state from any
 * in-progress one. A repeated status is not a change. RetryImage's FAILED → PENDING is the
 * service's own move, not the engine's.
 */
export function acceptsTransition(from: string | undefined, to: BuildStatus): boolean {
  if (from === undefined) return true;
  if (from === to || isTerminal(from)) return false;
  if (isTerminal(to)) return true;
  return ORDER.indexOf(to) > ORDER.indexOf(from as BuildStatus);
}

/** One entry of the image's `stateTimings` extra member: how long each status lasted. */
export interface StateTiming {
  readonly status: string;
  readonly startTime: string;
  readonly endTime?: string;
  readonly durationMs?: number;
  readonly attempt?: number;
}

/** The image body after a status change: `state` and `stateTimings` updated. */
export function applyStatus(
  body: Readonly<Record<string, unknown>>,
  status: BuildStatus,
  reason: string | undefined,
  now: number,
  attempt = 1,
): Record<string, unknown> {
  const timings = ((body.stateTimings as StateTiming[] | undefined) ?? []).map((t) =>
    t.endTime === undefined ? { ...t, endTime: isoTime(now), durationMs: now - Date.parse(t.startTime) } : t,
  );
  const entry: StateTiming = isTerminal(status)
    ? { status, startTime: isoTime(now), endTime: isoTime(now), durationMs: 0, attempt }
    : { status, startTime: isoTime(now), attempt };
  return {
    ...body,
    state: reason === undefined ? { status } : { status, reason },
    stateTimings: [...timings, entry],
  };
}

/** The stage RetryImage restarts at, from the status the image failed in. */
export function stageOfStatus(status: string | undefined): BuildStage | undefined {
  switch (status) {
    case 'BUILDING':
      return 'BUILD';
    case 'TESTING':
      return 'TEST';
    case 'DISTRIBUTING':
    case 'INTEGRATING':
      return 'DISTRIBUTION';
    default:
      return undefined;
  }
}

export interface PipelineCounters {
  readonly status: string;
  readonly consecutiveFailures: number;
  readonly autoDisableAfter?: number;
}

export interface RunResult {
  readonly buildType: 'USER_INITIATED' | 'SCHEDULED';
  readonly outcome: 'AVAILABLE' | 'FAILED' | 'CANCELLED';
}

/**
 * api.md §5: a success (scheduled or manual) resets consecutiveFailures; a failed scheduled
 * run adds one and, once the count reaches autoDisablePolicy.failureCount, disables the
 * pipeline; manual failures and cancellations leave the counter alone.
 */
export function pipelineAfterRun(
  p: PipelineCounters,
  run: RunResult,
): { consecutiveFailures: number; status: string; autoDisabled: boolean } {
  if (run.outcome === 'AVAILABLE') return { consecutiveFailures: 0, status: p.status, autoDisabled: false };
  if (run.outcome === 'FAILED' && run.buildType === 'SCHEDULED') {
    const consecutiveFailures = p.consecutiveFailures + 1;
    const disable =
      p.status === 'ENABLED' && p.autoDisableAfter !== undefined && consecutiveFailures >= p.autoDisableAfter;
    return { consecutiveFailures, status: disable ? 'DISABLED' : p.status, autoDisabled: disable };
  }
  return { consecutiveFailures: p.consecutiveFailures, status: p.status, autoDisabled: false };
}
