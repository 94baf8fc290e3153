/**
 * EventBridge cron fields (the syntax Image Builder pipelines use) parsed into sorted value
 * sets and day rules. Decisions where EventBridge documents nothing (see docs in schedule.ts):
 * `L-3` offsets, wrap-around ranges (`FRI-MON`) and `/` in day-of-week are rejected; `L`, `LW`
 * and `nW` stand alone in their field; `nW` skips months without day n, like a plain `31`.
 */

/** Day-of-month rule; `any` stands for both `*` and `?`. */
export type DayOfMonthRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Day-of-week rule; days use EventBridge numbering, 1 = Sunday … 7 = Saturday. */
export type DayOfWeekRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last'; readonly day: number }
  | { readonly kind: 'nth'; readonly nths: readonly { readonly day: number; readonly n: number }[] };

export interface CronFields {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  readonly years: readonly number[];
}

/** A reason a field is wrong; schedule.ts turns it into the API error. */
export class CronFieldError extends Error {}

interface FieldSpec {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const MINUTE: FieldSpec = { label: 'minute', min: 0, max: 59 };
const HOUR: FieldSpec = { label: 'hour', min: 0, max: 23 };
const DOM: FieldSpec = { label: 'day-of-month', min: 1, max: 31 };
const MONTH: FieldSpec = { label: 'month', min: 1, max: 12, names: MONTHS };
const DOW: FieldSpec = { label: 'day-of-week', min: 1, max: 7, names: DAYS };
const YEAR: FieldSpec = { label: 'year', min: 1970, max: 2199 };

/** Parses the six fields (minute hour day-of-month month day-of-week year). */
export function parseCronFields(fields: readonly string[]): CronFields {
  const [minute, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
  const domAny = dom === '?';
  const dowAny = dow === '?';
  if (domAny && dowAny) throw new CronFieldError("day-of-month and day-of-week can't both be '?'");
  if (!domAny && !dowAny) {
    throw new CronFieldError(
      `one of day-of-month ("${dom}") and day-of-week ("${dow}") must be '?'; EventBridge can't match both`,
    );
  }
  return {
    minutes: parseList(MINUTE, minute),
    hours: parseList(HOUR, hour),
    dayOfMonth: domAny ? { kind: 'any' } : parseDayOfMonth(dom),
    months: parseList(MONTH, month),
    dayOfWeek: dowAny ? { kind: 'any' } : parseDayOfWeek(dow),
    years: parseList(YEAR, year),
  };
}

function parseDayOfMonth(text: string): DayOfMonthRule {
  const upper = text.toUpperCase();
  if (upper === '*') return { kind: 'any' };
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  if (/^L-\d+$/.test(upper)) {
    throw fieldError(DOM, text, "uses an offset from 'L', which EventBridge does not support", text);
  }
  const weekday = /^(\d+)W$/.exec(upper);
  if (weekday) return { kind: 'nearestWeekday', day: parseValue(DOM, weekday[1] ?? '', text) };
  if (/[LW]/.test(upper)) {
    throw fieldError(DOM, text, "can use 'L', 'LW' or 'nW' only on their own, not in a list or range", text);
  }
  return { kind: 'days', days: parseList(DOM, text) };
}

function parseDayOfWeek(text: string): DayOfWeekRule {
  const upper = text.toUpperCase();
  if (upper === '*') return { kind: 'any' };
  if (upper.includes('/')) throw fieldError(DOW, text, "can't use '/'; EventBridge allows , - * ? L #", text);
  // A lone L is the last day of the week: Saturday in EventBridge's Sunday-first numbering.
  if (upper === 'L') return { kind: 'days', days: [7] };
  const last = /^(\w+)L$/.exec(upper);
  if (last) return { kind: 'last', day: parseValue(DOW, last[1] ?? '', text) };
  if (upper.includes('L'))
    throw fieldError(DOW, text, "can use 'L' only alone or as one day such as 6L", text);
  if (upper.includes('#')) return { kind: 'nth', nths: parseNths(text) };
  return { kind: 'days', days: parseList(DOW, text) };
}

/**
 * `FRI#2` is the second Friday. Image Builder's guide reads the number after `#` as "which
 * weeks", so `SAT#2,4` means the second and fourth Saturday: a bare number after a `#` item
 * adds a week to that day. Plain days can't be mixed in, since `SAT#2,4` would otherwise be
 * ambiguous with "second Saturday, or any Wednesday".
 */
function parseNths(text: string): { day: number; n: number }[] {
  const nths: { day: number; n: number }[] = [];
  let day: number | undefined;
  for (const item of text.split(',')) {
    const m = /^(\w+)#(\w+)$/.exec(item);
    let weekText = item;
    if (m) {
      day = parseValue(DOW, m[1] ?? '', text);
      weekText = m[2] ?? '';
    } else if (item.includes('#')) {
      throw fieldError(DOW, text, `has a malformed '#' item "${item}"; write DAY#N, e.g. FRI#2`, text);
    } else if (day === undefined || !/^\d+$/.test(item)) {
      throw fieldError(
        DOW,
        text,
        `mixes "${item}" with '#' items; write each as DAY#N, e.g. SAT#2,SAT#4`,
        text,
      );
    }
    const n = /^\d+$/.test(weekText) ? Number(weekText) : Number.NaN;
    if (!(n >= 1 && n <= 5))
      throw fieldError(DOW, text, `has week "${weekText}" after '#'; it must be 1-5`, text);
    if (!nths.some((x) => x.day === day && x.n === n)) nths.push({ day, n });
  }
  return nths;
}

/** `*`, values, ranges `a-b` and steps `*\/s`, `a/s`, `a-b/s`, comma-separated. */
function parseList(spec: FieldSpec, text: string): number[] {
  if (text === '') throw fieldError(spec, text, 'is empty', text);
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '?') {
      throw fieldError(spec, text, "can't be '?'; only day-of-month or day-of-week may be '?'", text);
    }
    const [rangeText = '', stepText, extra] = item.split('/');
    if (extra !== undefined) throw fieldError(spec, text, `has more than one '/' in "${item}"`, text);
    let step = 1;
    if (stepText !== undefined) {
      step = /^\d+$/.test(stepText) ? Number(stepText) : Number.NaN;
      if (!(step >= 1))
        throw fieldError(spec, text, `has step "${stepText}"; a step must be a whole number ≥ 1`, text);
    }
    let lo: number;
    let hi: number;
    if (rangeText === '*') {
      lo = spec.min;
      hi = spec.max;
    } else {
      const bounds = rangeText.split('-');
      if (bounds.length > 2) throw fieldError(spec, text, `has a malformed range "${rangeText}"`, text);
      lo = parseValue(spec, bounds[0] ?? '', text);
      // "a/s" runs from a to the end of the field, as in EventBridge's "1/10" example.
      hi =
        bounds.length === 2
          ? parseValue(spec, bounds[1] ?? '', text)
          : stepText !== undefined
            ? spec.max
            : lo;
      if (lo > hi) {
        throw fieldError(spec, text, `has range "${rangeText}" running backwards; write it low-high`, text);
      }
    }
    for (let v = lo; v <= hi; v += step) values.add(v);
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(spec: FieldSpec, token: string, fieldText: string): number {
  const upper = token.toUpperCase();
  const named = spec.names?.indexOf(upper) ?? -1;
  if (named >= 0) return named + 1;
  if (!/^\d+$/.test(token)) {
    const names = spec.names ? ` or ${spec.names[0]}-${spec.names[spec.names.length - 1]}` : '';
    throw fieldError(spec, fieldText, `is not valid: expected ${spec.min}-${spec.max}${names}`, token);
  }
  const value = Number(token);
  if (value < spec.min || value > spec.max) {
    throw fieldError(spec, fieldText, `is out of range ${spec.min}-${spec.max}`, token);
  }
  return value;
}

/** `day-of-week field "8" is out of range 1-7`; names the item too when the field is a list. */
function fieldError(spec: FieldSpec, fieldText: string, problem: string, token: string): CronFieldError {
  const item = token === fieldText ? '' : ` (at "${token}")`;
  return new CronFieldError(`${spec.label} field "${fieldText}"${item} ${problem}`);
}
