/**
 * Which scheduled run of a pipeline is due now: a pure function of the schedule, the last
 * instant handled, and the time. Handling a window (lastHandled, now] either fires its latest
 * run or (for a disabled pipeline) fires nothing; either way the window is consumed, so a
 * restarted server neither repeats a run nor fires a backlog — at most one missed run.
 */
import { nextRun, runsBetween } from './next-run.js';
import type { ScheduleExpression } from './schedule.js';

export interface DueInput {
  readonly schedule: ScheduleExpression;
  readonly timezone: string | undefined;
  /** Where rate() schedules count from and the first window starts: the pipeline's creation. */
  readonly anchorMs: number;
  /** The last schedule instant handled, if any. */
  readonly lastHandledAt: number | undefined;
  readonly enabled: boolean;
  readonly now: number;
}

export interface DueDecision {
  /** The instant whose run starts now, if one does. */
  readonly fire?: number;
  /** True when earlier matches of the window were folded into this one (missed while down). */
  readonly missedEarlier: boolean;
  /** The new lastHandledAt (unchanged when the window held no match). */
  readonly handledUntil: number | undefined;
  /** The next instant after now, for the tick's timer. */
  readonly next?: number;
}

const HOUR = 3_600_000;
const WINDOWS = [HOUR, 24 * HOUR, 32 * 24 * HOUR, 400 * 24 * HOUR, 8 * 400 * 24 * HOUR];

/**
 * The latest run in (from, now]. Searches growing windows back from `now`, so a dense schedule
 * after a long downtime costs a few dozen steps, not one per missed minute.
 */
export function latestRunIn(
  schedule: ScheduleExpression,
  timezone: string | undefined,
  from: number,
  now: number,
  anchorMs: number,
): number | undefined {
  const first = nextRun(schedule, timezone, from, anchorMs);
  if (first === undefined || first > now) return undefined;
  for (const w of WINDOWS) {
    const start = Math.max(from, now - w);
    const runs = runsBetween(schedule, timezone, start, now, anchorMs);
    if (runs.length > 0) return runs[runs.length - 1];
    if (start === from) break;
  }
  return runsBetween(schedule, timezone, from, now, anchorMs).pop();
}

export function dueRun(input: DueInput): DueDecision {
  const from = input.lastHandledAt ?? input.anchorMs;
  const latest = latestRunIn(input.schedule, input.timezone, from, input.now, input.anchorMs);
  const next = nextRun(input.schedule, input.timezone, input.now, input.anchorMs);
  const nextPart = next === undefined ? {} : { next };
  if (latest === undefined) return { missedEarlier: false, handledUntil: input.lastHandledAt, ...nextPart };
  if (!input.enabled) return { missedEarlier: false, handledUntil: latest, ...nextPart };
  const first = nextRun(input.schedule, input.timezone, from, input.anchorMs);
  return { fire: latest, missedEarlier: first !== latest, handledUntil: latest, ...nextPart };
}
