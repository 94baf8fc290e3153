/**
 * When a schedule fires: pure functions of (schedule, time zone, instants). No clock reads.
 *
 * Daylight-saving rules are EventBridge Scheduler's ("Daylight saving time" in its user guide):
 * - A wall time that does not exist (spring forward) is skipped: `cron(30 2 * * ? *)` in
 *   Europe/Berlin does not run on 2026-03-29, there is no 02:30 that night.
 * - A wall time that occurs twice (fall back) fires once, at its first occurrence: on
 *   2026-10-25 in Berlin 02:30 CEST runs and 02:30 CET does not. An hourly schedule therefore
 *   has no run during the repeated hour, and a restarted server does not run it twice.
 * - `rate()` is pure arithmetic on instants (a day is 24 hours) and ignores the zone.
 *
 * The search walks the cron fields (year → month → matching days → hour → minute), so a rare
 * schedule such as Feb 29 or the fifth Friday costs a few hundred steps, not a minute scan.
 */
import type { DayOfMonthRule, DayOfWeekRule } from './cron.js';
import { type CronSchedule, DEFAULT_TIMEZONE, type ScheduleExpression } from './schedule.js';
import { type WallTime, type Zone, utcAsWall, wallAsUtc, zoneFor } from './zone.js';

const MINUTE_MS = 60_000;

/**
 * The first firing instant strictly after `afterMs` (ms since the epoch), or undefined when the
 * schedule has no later run (its year range is over). `anchorMs` is where a `rate()` counts
 * from (the pipeline's creation time); without it rates count from the Unix epoch, which keeps
 * them on a fixed grid. The first rate run is one interval after the anchor. `timezone` must
 * have passed validateTimezone (empty or undefined means Etc/UTC); an unknown zone throws.
 */
export function nextRun(
  schedule: ScheduleExpression,
  timezone: string | undefined,
  afterMs: number,
  anchorMs = 0,
): number | undefined {
  if (schedule.kind === 'rate') {
    const k = Math.max(1, Math.floor((afterMs - anchorMs) / schedule.intervalMs) + 1);
    return anchorMs + k * schedule.intervalMs;
  }
  return nextCronRun(schedule, zoneFor(timezone || DEFAULT_TIMEZONE), afterMs);
}

/**
 * Every firing instant in (fromMs, toMs], ascending. A scheduler that remembers the end of the
 * last window it handled and asks for the next window neither skips nor repeats a run, even
 * across a restart.
 */
export function runsBetween(
  schedule: ScheduleExpression,
  timezone: string | undefined,
  fromMs: number,
  toMs: number,
  anchorMs = 0,
): number[] {
  const runs: number[] = [];
  for (let t = nextRun(schedule, timezone, fromMs, anchorMs); t !== undefined && t <= toMs; ) {
    runs.push(t);
    t = nextRun(schedule, timezone, t, anchorMs);
  }
  return runs;
}

function nextCronRun(cron: CronSchedule, zone: Zone, afterMs: number): number | undefined {
  const start = utcAsWall(wallAsUtc(zone.wallAt(afterMs)) + MINUTE_MS);
  for (const wall of wallCandidates(cron, start)) {
    // No instant: the wall time falls in a spring-forward gap and is skipped. Two instants:
    // only the first counts; if it has passed, the repeat does not fire.
    const first = zone.instantsOf(wall)[0];
    if (first !== undefined && first > afterMs) return first;
  }
  return undefined;
}

/** Matching wall times at or after `start`, in wall-clock order. */
function* wallCandidates(cron: CronSchedule, start: WallTime): Generator<WallTime> {
  for (const year of cron.years) {
    if (year < start.year) continue;
    const sameYear = year === start.year;
    for (const month of cron.months) {
      if (sameYear && month < start.month) continue;
      const sameMonth = sameYear && month === start.month;
      for (const day of matchingDays(cron, year, month)) {
        if (sameMonth && day < start.day) continue;
        const sameDay = sameMonth && day === start.day;
        for (const hour of cron.hours) {
          if (sameDay && hour < start.hour) continue;
          const sameHour = sameDay && hour === start.hour;
          for (const minute of cron.minutes) {
            if (sameHour && minute < start.minute) continue;
            yield { year, month, day, hour, minute };
          }
        }
      }
    }
  }
}

/** Days of `month` (1–12) in `year` that both day rules accept, ascending. */
function matchingDays(
  rules: { dayOfMonth: DayOfMonthRule; dayOfWeek: DayOfWeekRule },
  year: number,
  month: number,
): number[] {
  const length = daysInMonth(year, month);
  const days: number[] = [];
  for (let day = 1; day <= length; day++) {
    if (dayOfMonthMatches(rules.dayOfMonth, year, month, day, length)) {
      if (dayOfWeekMatches(rules.dayOfWeek, weekday(year, month, day), day, length)) days.push(day);
    }
  }
  return days;
}

function dayOfMonthMatches(
  rule: DayOfMonthRule,
  year: number,
  month: number,
  day: number,
  length: number,
): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'days':
      return rule.days.includes(day);
    case 'last':
      return day === length;
    case 'lastWeekday':
      return day === nearestWeekday(year, month, length, length);
    case 'nearestWeekday':
      return rule.day <= length && day === nearestWeekday(year, month, rule.day, length);
  }
}

/**
 * The weekday (Mon–Fri) nearest to `target`, never leaving the month: a Saturday moves to
 * Friday unless that is in the previous month (1st → Monday 3rd); a Sunday moves to Monday
 * unless that is in the next month (then Friday, two days back).
 */
function nearestWeekday(year: number, month: number, target: number, length: number): number {
  const dow = weekday(year, month, target);
  if (dow === 7) return target === 1 ? 3 : target - 1;
  if (dow === 1) return target === length ? target - 2 : target + 1;
  return target;
}

function dayOfWeekMatches(rule: DayOfWeekRule, dow: number, day: number, length: number): boolean {
  switch (rule.kind) {
    case 'any':
      return true;
    case 'days':
      return rule.days.includes(dow);
    case 'last':
      return dow === rule.day && day + 7 > length;
    case 'nth':
      return rule.nths.some((x) => x.day === dow && Math.ceil(day / 7) === x.n);
  }
}

/** EventBridge numbering: 1 = Sunday … 7 = Saturday. */
const weekday = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();
