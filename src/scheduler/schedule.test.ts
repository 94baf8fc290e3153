import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import { parseSchedule, validateTimezone } from './schedule.js';

const PREFIX = "The value supplied for parameter 'schedule.scheduleExpression' is not valid. ";

describe('parseSchedule: accepted expressions', () => {
  it('expands fields into sorted value sets', () => {
    const s = parseSchedule('cron(0/15 9-17/4 ? jan,Mar * 2026,2024)');
    assert.equal(s.kind, 'cron');
    if (s.kind !== 'cron') return;
    assert.deepEqual(s.minutes, [0, 15, 30, 45]);
    assert.deepEqual(s.hours, [9, 13, 17]);
    assert.deepEqual(s.months, [1, 3]);
    assert.deepEqual(s.years, [2024, 2026]);
    assert.deepEqual(s.dayOfMonth, { kind: 'any' });
    assert.deepEqual(s.dayOfWeek, { kind: 'any' });
    assert.equal(s.yearAssumed, false);
  });

  const DAY_RULES: [string, unknown, unknown][] = [
    ['cron(0 0 L * ? *)', { kind: 'last' }, { kind: 'any' }],
    ['cron(0 0 lw * ? *)', { kind: 'lastWeekday' }, { kind: 'any' }],
    ['cron(0 0 15W * ? *)', { kind: 'nearestWeekday', day: 15 }, { kind: 'any' }],
    ['cron(0 0 1,15 * ? *)', { kind: 'days', days: [1, 15] }, { kind: 'any' }],
    ['cron(0 0 ? * MON-FRI *)', { kind: 'any' }, { kind: 'days', days: [2, 3, 4, 5, 6] }],
    ['cron(0 0 ? * sun,7 *)', { kind: 'any' }, { kind: 'days', days: [1, 7] }],
    ['cron(0 0 ? * 6L *)', { kind: 'any' }, { kind: 'last', day: 6 }],
    ['cron(0 0 ? * FRI#2 *)', { kind: 'any' }, { kind: 'nth', nths: [{ day: 6, n: 2 }] }],
    [
      'cron(0 0 ? * sat#2,4 *)',
      { kind: 'any' },
      {
        kind: 'nth',
        nths: [
          { day: 7, n: 2 },
          { day: 7, n: 4 },
        ],
      },
    ],
    [
      'cron(0 0 ? * MON#1,fri#3 *)',
      { kind: 'any' },
      {
        kind: 'nth',
        nths: [
          { day: 2, n: 1 },
          { day: 6, n: 3 },
        ],
      },
    ],
  ];
  for (const [expr, dom, dow] of DAY_RULES) {
    it(`day rules of ${expr}`, () => {
      const s = parseSchedule(expr);
      assert.ok(s.kind === 'cron');
      assert.deepEqual(s.dayOfMonth, dom);
      assert.deepEqual(s.dayOfWeek, dow);
    });
  }

  it('accepts the five-field form by assuming every year and reading * beside a day as ?', () => {
    const s = parseSchedule('cron(0 0 * * SUN)');
    assert.ok(s.kind === 'cron');
    assert.equal(s.yearAssumed, true);
    assert.equal(s.years.length, 2199 - 1970 + 1);
    assert.deepEqual(s.dayOfMonth, { kind: 'any' });
    assert.deepEqual(s.dayOfWeek, { kind: 'days', days: [1] });
  });

  it('parses rate() with singular and plural units', () => {
    assert.deepEqual(parseSchedule('rate(1 minute)'), {
      kind: 'rate',
      text: 'rate(1 minute)',
      value: 1,
      unit: 'minute',
      intervalMs: 60_000,
    });
    const s = parseSchedule(' rate(12 hours) ');
    assert.ok(s.kind === 'rate');
    assert.equal(s.intervalMs, 12 * 3_600_000);
    assert.equal(s.text, 'rate(12 hours)');
  });

  it('returns a deeply frozen value', () => {
    const s = parseSchedule('cron(0 0 ? * FRI#2 *)');
    assert.ok(Object.isFrozen(s));
    assert.ok(s.kind === 'cron' && Object.isFrozen(s.minutes) && Object.isFrozen(s.dayOfWeek));
    assert.ok(Object.isFrozen(parseSchedule('rate(1 day)')));
  });
});

describe('parseSchedule: rejected expressions', () => {
  const INVALID: [string, string][] = [
    ['', 'must be cron(...) or rate(...)'],
    ['0 10 * * ? *', 'must be cron(...) or rate(...)'],
    ['CRON(0 10 * * ? *)', 'must be cron(...) or rate(...)'],
    ['cron(0 10 * *)', 'needs 6 fields (minute hour day-of-month month day-of-week year); got 4'],
    ['cron()', 'needs 6 fields'],
    ['cron(0 10 * * ? * *)', 'needs 6 fields (minute hour day-of-month month day-of-week year); got 7'],
    ['cron(60 10 * * ? *)', 'minute field "60" is out of range 0-59'],
    ['cron(0 24 * * ? *)', 'hour field "24" is out of range 0-23'],
    ['cron(0 10 0 * ? *)', 'day-of-month field "0" is out of range 1-31'],
    ['cron(0 10 32 * ? *)', 'day-of-month field "32" is out of range 1-31'],
    ['cron(0 10 1 13 ? *)', 'month field "13" is out of range 1-12'],
    ['cron(0 10 1 FOO ? *)', 'month field "FOO" is not valid: expected 1-12 or JAN-DEC'],
    ['cron(0 10 ? * 8 *)', 'day-of-week field "8" is out of range 1-7'],
    ['cron(0 10 ? * 0 *)', 'day-of-week field "0" is out of range 1-7'],
    ['cron(0 10 ? * 1,8 *)', 'day-of-week field "1,8" (at "8") is out of range 1-7'],
    [
      'cron(0 10 ? * MON-FUN *)',
      'day-of-week field "MON-FUN" (at "FUN") is not valid: expected 1-7 or SUN-SAT',
    ],
    ['cron(0 10 * * ? 1969)', 'year field "1969" is out of range 1970-2199'],
    ['cron(0 10 * * ? 2200)', 'year field "2200" is out of range 1970-2199'],
    ['cron(0 10 * * * *)', 'one of day-of-month ("*") and day-of-week ("*") must be \'?\''],
    ['cron(0 10 1 * MON *)', 'one of day-of-month ("1") and day-of-week ("MON") must be \'?\''],
    ['cron(0 10 ? * ? *)', "day-of-month and day-of-week can't both be '?'"],
    ['cron(? 10 * * ? *)', "minute field \"?\" can't be '?'"],
    ['cron(0 10 L-3 * ? *)', 'day-of-month field "L-3" uses an offset from \'L\''],
    ['cron(0 10 1,L * ? *)', "day-of-month field \"1,L\" can use 'L', 'LW' or 'nW' only on their own"],
    ['cron(0 10 32W * ? *)', 'day-of-month field "32W" (at "32") is out of range 1-31'],
    ['cron(0 10 ? * FRI#6 *)', 'day-of-week field "FRI#6" has week "6" after \'#\'; it must be 1-5'],
    ['cron(0 10 ? * FRI#0 *)', 'has week "0" after \'#\''],
    ['cron(0 10 ? * sat#2,MON *)', 'day-of-week field "sat#2,MON" mixes "MON" with \'#\' items'],
    ['cron(0 10 ? * FRI#2-3 *)', 'has a malformed \'#\' item "FRI#2-3"'],
    ['cron(0 10 ? * 8L *)', 'day-of-week field "8L" (at "8") is out of range 1-7'],
    ['cron(0 10 ? * MON,L *)', 'day-of-week field "MON,L" can use \'L\' only alone'],
    ['cron(0 10 ? * */2 *)', "day-of-week field \"*/2\" can't use '/'"],
    ['cron(0/0 10 * * ? *)', 'minute field "0/0" has step "0"; a step must be a whole number ≥ 1'],
    ['cron(0/x 10 * * ? *)', 'has step "x"'],
    ['cron(1/2/3 10 * * ? *)', "has more than one '/'"],
    ['cron(40-10 10 * * ? *)', 'minute field "40-10" has range "40-10" running backwards'],
    ['cron(0 10 ? * FRI-MON *)', 'has range "FRI-MON" running backwards'],
    ['cron(1-2-3 10 * * ? *)', 'has a malformed range "1-2-3"'],
    ['cron(0,,5 10 * * ? *)', 'minute field "0,,5" (at "") is not valid'],
    ['cron(-1 10 * * ? *)', 'minute field "-1" (at "") is not valid'],
    ['rate(0 minutes)', 'rate() value 0 must be between 1 and 1000000'],
    ['rate(1 minutes)', 'rate(1 minutes) must use the singular: rate(1 minute)'],
    ['rate(5 minute)', 'rate(5 minute) must use the plural: rate(5 minutes)'],
    ['rate(2 weeks)', 'rate() takes "N minutes", "N hours" or "N days"; got "2 weeks"'],
    ['rate(1.5 hours)', 'got "1.5 hours"'],
    ['rate(-1 days)', 'got "-1 days"'],
    ['rate()', 'got ""'],
  ];
  for (const [expr, fragment] of INVALID) {
    it(`rejects ${JSON.stringify(expr)}`, () => {
      assert.throws(
        () => parseSchedule(expr),
        (err: unknown) => {
          assert.ok(err instanceof KilnError);
          assert.equal(err.code, 'InvalidParameterValueException');
          assert.ok(err.message.startsWith(PREFIX), err.message);
          assert.ok(err.message.includes(fragment), `${err.message}\n  lacks: ${fragment}`);
          assert.match(err.hint ?? '', /cron\(0 10 \* \* \? \*\)|rate\(1 day\)/);
          return true;
        },
      );
    });
  }

  it('names the member it was given', () => {
    assert.throws(
      () => parseSchedule('cron(x)', 'scheduleExpression'),
      /parameter 'scheduleExpression' is not valid/,
    );
  });
});

describe('validateTimezone', () => {
  for (const tz of [
    'Etc/UTC',
    'UTC',
    'Europe/Berlin',
    'America/Los_Angeles',
    'America/Argentina/Buenos_Aires',
    'Etc/GMT+5',
  ]) {
    it(`accepts ${tz}`, () => assert.equal(validateTimezone(tz), tz));
  }
  const BAD: [string, string][] = [
    ['Mars/Olympus', 'is not a time zone this server knows'],
    ['+01:00', 'is not an IANA time zone name'],
    ['Europe/Berlin ', 'is not an IANA time zone name'],
    ['X', 'is not an IANA time zone name'],
    ['A'.repeat(101), 'is not an IANA time zone name'],
  ];
  for (const [tz, fragment] of BAD) {
    it(`rejects ${JSON.stringify(tz.slice(0, 20))}`, () => {
      assert.throws(
        () => validateTimezone(tz),
        (err: unknown) =>
          err instanceof KilnError &&
          err.code === 'InvalidParameterValueException' &&
          err.message.includes("parameter 'schedule.timezone' is not valid") &&
          err.message.includes(fragment) &&
          (err.hint ?? '').includes('Europe/Berlin'),
      );
    });
  }
});
