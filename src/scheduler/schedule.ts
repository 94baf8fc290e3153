/**
 * `ImagePipeline.schedule` validated once into a frozen value (api.md §5).
 *
 * Accepted syntax:
 * - `cron(min hour day-of-month month day-of-week year)` with EventBridge's rules (cron.ts).
 * - Lenient extension: the pre-2021 five-field form `cron(0 0 * * SUN)` (still in the bundled
 *   AWS CLI example) gets `*` appended for the year, and, since classic cron had no `?`, a `*`
 *   day-of-month or day-of-week beside a specific other day field is read as `?`. Six-field
 *   expressions get no such help: AWS rejects `cron(0 0 * * SUN *)` and so do we.
 * - Extension: `rate(N minute|minutes|hour|hours|day|days)`, singular only for N = 1 as AWS
 *   requires (`rate(1 minute)`, `rate(5 minutes)`). Days are 24-hour spans, as in EventBridge
 *   Scheduler, so a rate ignores the time zone and daylight-saving changes.
 */
import { invalidValue } from '../core/errors.js';
import { CronFieldError, type CronFields, parseCronFields } from './cron.js';
import { deepFreeze } from '../core/freeze.js';

export type { DayOfMonthRule, DayOfWeekRule } from './cron.js';

export interface CronSchedule extends CronFields {
  readonly kind: 'cron';
  /** The expression as the user wrote it (trimmed). */
  readonly text: string;
  /** True when the year field was missing and `*` was assumed. */
  readonly yearAssumed: boolean;
}

export interface RateSchedule {
  readonly kind: 'rate';
  readonly text: string;
  readonly value: number;
  readonly unit: 'minute' | 'hour' | 'day';
  readonly intervalMs: number;
}

export type ScheduleExpression = CronSchedule | RateSchedule;

export const DEFAULT_TIMEZONE = 'Etc/UTC';

const HINT =
  'Use six fields, e.g. cron(0 10 * * ? *) for 10:00 daily or cron(0 18 ? * MON-FRI *) for 18:00 on weekdays.';
const RATE_HINT = 'For example rate(1 day), rate(6 hours) or rate(30 minutes).';
const UNIT_MS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** Parses a schedule expression; throws InvalidParameterValueException naming the bad field. */
export function parseSchedule(
  expression: string,
  member = 'schedule.scheduleExpression',
): ScheduleExpression {
  const text = expression.trim();
  const fail = (detail: string) => invalidValue(member, detail, HINT);
  const call = /^(cron|rate)\((.*)\)$/s.exec(text);
  if (!call) throw fail(`"${text}" must be cron(...) or rate(...).`);
  const body = (call[2] ?? '').trim();
  if (call[1] === 'rate') {
    return Object.freeze(parseRate(text, body, (detail) => invalidValue(member, detail, RATE_HINT)));
  }

  const fields = body === '' ? [] : body.split(/\s+/);
  const yearAssumed = fields.length === 5;
  if (yearAssumed) {
    fields.push('*');
    if (fields[2] === '*' && fields[4] !== '?') fields[2] = '?';
    else if (fields[4] === '*' && fields[2] !== '?') fields[4] = '?';
  }
  if (fields.length !== 6) {
    throw fail(
      `cron() needs 6 fields (minute hour day-of-month month day-of-week year); got ${fields.length}.`,
    );
  }
  try {
    return deepFreeze({ kind: 'cron', text, yearAssumed, ...parseCronFields(fields) });
  } catch (err) {
    if (err instanceof CronFieldError) throw fail(`${err.message}.`);
    throw err;
  }
}

function parseRate(text: string, body: string, fail: (detail: string) => Error): RateSchedule {
  const m = /^(\d+)\s+(minute|minutes|hour|hours|day|days)$/.exec(body);
  if (!m) throw fail(`rate() takes "N minutes", "N hours" or "N days"; got "${body}".`);
  const value = Number(m[1]);
  const word = m[2] ?? '';
  const unit = word.replace(/s$/, '') as RateSchedule['unit'];
  if (value < 1 || value > 1_000_000) throw fail(`rate() value ${m[1]} must be between 1 and 1000000.`);
  if (value === 1 && word !== unit) throw fail(`rate(1 ${word}) must use the singular: rate(1 ${unit}).`);
  if (value > 1 && word === unit)
    throw fail(`rate(${value} ${word}) must use the plural: rate(${value} ${unit}s).`);
  return { kind: 'rate', text, value, unit, intervalMs: value * UNIT_MS[unit] };
}

// The model's Timezone pattern, anchored; it also keeps UTC offsets such as "+01:00" out.
const TIMEZONE_PATTERN = /^[a-zA-Z0-9]{2,}(?:\/[a-zA-Z0-9_+-]+)*$/;

/** Checks an IANA time zone name (3–100 chars, known to Intl); returns it unchanged. */
export function validateTimezone(timezone: string, member = 'schedule.timezone'): string {
  const hint = 'Use an IANA name such as Etc/UTC, Europe/Berlin or America/Los_Angeles.';
  if (timezone.length < 3 || timezone.length > 100 || !TIMEZONE_PATTERN.test(timezone)) {
    throw invalidValue(member, `"${timezone}" is not an IANA time zone name.`, hint);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: timezone });
  } catch {
    throw invalidValue(member, `"${timezone}" is not a time zone this server knows.`, hint);
  }
  return timezone;
}
