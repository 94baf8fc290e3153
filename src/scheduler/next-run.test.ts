import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextRun, runsBetween } from './next-run.js';
import { parseSchedule } from './schedule.js';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined =>
  ms === undefined ? undefined : new Date(ms).toISOString();

/**
 * Rows: expression | zone ("-" = none given) | after | expected next run ("never") | [anchor |] why.
 * Expected instants were worked out by hand from calendars (2026-01-01 is a Thursday) and the
 * AWS cron documentation, and the zoned ones cross-checked with Python's zoneinfo.
 * Europe/Berlin: 2026-03-29 02:00 CET → 03:00 CEST, 2026-10-25 03:00 CEST → 02:00 CET.
 * America/New_York: 2026-03-08 02:00 EST → 03:00 EDT, 2026-11-01 02:00 EDT → 01:00 EST.
 * Daylight-saving rule (EventBridge Scheduler): a wall time inside the spring-forward gap is
 * skipped; a wall time repeated by the fall-back fires once, at its first occurrence.
 */
const CRON_TABLE = `
cron(0 10 * * ? *)          | Etc/UTC          | 2026-01-01T09:59Z        | 2026-01-01T10:00Z | daily 10:00, before
cron(0 10 * * ? *)          | Etc/UTC          | 2026-01-01T10:00Z        | 2026-01-02T10:00Z | daily 10:00, strictly after
cron(0 10 * * ? *)          | Etc/UTC          | 2026-01-01T09:59:59.999Z | 2026-01-01T10:00Z | daily, seconds into the minute
cron(0 18 ? * mon-fri *)    | Etc/UTC          | 2026-01-02T18:00Z        | 2026-01-05T18:00Z | mon-fri skips the weekend
cron(0 18 ? * MON-FRI *)    | Etc/UTC          | 2026-01-05T07:00Z        | 2026-01-05T18:00Z | MON-FRI on a weekday
cron(0 8 1 * ? *)           | Etc/UTC          | 2026-01-01T08:00Z        | 2026-02-01T08:00Z | first of the month
cron(30 22 ? * tue#2 *)     | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-13T22:30Z | tue#2 second Tuesday
cron(30 22 ? * tue#2 *)     | Etc/UTC          | 2026-01-13T22:30Z        | 2026-02-10T22:30Z | tue#2 next month
cron(0 0 ? * 3#2 *)         | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-13T00:00Z | 3#2 numeric second Tuesday
cron(0 9 ? * sat#2,4 *)     | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-10T09:00Z | sat#2,4 second Saturday
cron(0 9 ? * sat#2,4 *)     | Etc/UTC          | 2026-01-10T09:00Z        | 2026-01-24T09:00Z | sat#2,4 fourth Saturday
cron(0 0 ? * 6#5 *)         | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-30T00:00Z | 6#5 fifth Friday in January
cron(0 0 ? * 6#5 *)         | Etc/UTC          | 2026-01-30T00:00Z        | 2026-05-29T00:00Z | 6#5 skips months without one
cron(0 0 L * ? *)           | Etc/UTC          | 2026-02-01T00:00Z        | 2026-02-28T00:00Z | L last day of February
cron(0 0 L * ? *)           | Etc/UTC          | 2028-02-01T00:00Z        | 2028-02-29T00:00Z | L last day of a leap February
cron(0 0 l * ? *)           | Etc/UTC          | 2026-03-30T00:00Z        | 2026-03-31T00:00Z | L last day of a 31-day month
cron(0 0 LW * ? *)          | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-30T00:00Z | LW when the 31st is a Saturday
cron(0 0 LW * ? *)          | Etc/UTC          | 2026-05-01T00:00Z        | 2026-05-29T00:00Z | LW when the 31st is a Sunday
cron(0 0 LW * ? *)          | Etc/UTC          | 2026-03-01T00:00Z        | 2026-03-31T00:00Z | LW on a weekday
cron(0 0 1W * ? *)          | Etc/UTC          | 2026-07-15T00:00Z        | 2026-08-03T00:00Z | 1W on a Saturday moves to Monday the 3rd
cron(0 0 1W * ? *)          | Etc/UTC          | 2026-01-15T00:00Z        | 2026-02-02T00:00Z | 1W on a Sunday moves to Monday the 2nd
cron(0 0 31W * ? *)         | Etc/UTC          | 2026-05-01T00:00Z        | 2026-05-29T00:00Z | 31W on a Sunday moves back to Friday 29th
cron(0 0 31W * ? *)         | Etc/UTC          | 2026-03-31T00:00Z        | 2026-05-29T00:00Z | 31W skips a 30-day month
cron(0 0 15W * ? *)         | Etc/UTC          | 2026-08-01T00:00Z        | 2026-08-14T00:00Z | 15W on a Saturday moves to Friday
cron(0 0 15W * ? *)         | Etc/UTC          | 2026-03-01T00:00Z        | 2026-03-16T00:00Z | 15W on a Sunday moves to Monday
cron(0 0 30W * ? *)         | Etc/UTC          | 2026-08-01T00:00Z        | 2026-08-31T00:00Z | 30W on a Sunday with a 31st moves to Monday
cron(0 0 28W * ? *)         | Etc/UTC          | 2026-02-01T00:00Z        | 2026-02-27T00:00Z | 28W on the last Saturday of February
cron(0 0 ? * 6L *)          | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-30T00:00Z | 6L last Friday
cron(0 0 ? * FRIL *)        | Etc/UTC          | 2026-01-30T00:00Z        | 2026-02-27T00:00Z | FRIL last Friday of February
cron(0 0 ? * L *)           | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-03T00:00Z | L alone in day-of-week is Saturday
cron(0 0 ? * 1 *)           | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-04T00:00Z | 1 in day-of-week is Sunday
cron(0/15 * * * ? *)        | Etc/UTC          | 2026-01-01T10:07Z        | 2026-01-01T10:15Z | minute step 0/15
cron(0/15 * * * ? *)        | Etc/UTC          | 2026-01-01T10:45Z        | 2026-01-01T11:00Z | minute step rolls into the next hour
cron(*/5 * * * ? *)         | Etc/UTC          | 2026-01-01T10:58:30Z     | 2026-01-01T11:00Z | minute step */5
cron(10-40/10 * * * ? *)    | Etc/UTC          | 2026-01-01T10:40Z        | 2026-01-01T11:10Z | range step 10-40/10
cron(5/20 * * * ? *)        | Etc/UTC          | 2026-01-01T10:46Z        | 2026-01-01T11:05Z | start step 5/20
cron(0 */6 * * ? *)         | Etc/UTC          | 2026-01-01T07:00Z        | 2026-01-01T12:00Z | hour step */6
cron(0 9,17 * * ? *)        | Etc/UTC          | 2026-01-01T09:00Z        | 2026-01-01T17:00Z | hour list 9,17
cron(0 0 1/10 * ? *)        | Etc/UTC          | 2026-01-21T00:00Z        | 2026-01-31T00:00Z | day-of-month step 1/10 reaches the 31st
cron(0 0 1/10 * ? *)        | Etc/UTC          | 2026-02-21T00:00Z        | 2026-03-01T00:00Z | day-of-month step restarts each month
cron(0 0 31 * ? *)          | Etc/UTC          | 2026-04-01T00:00Z        | 2026-05-31T00:00Z | the 31st skips April
cron(0 0 1 JAN,JUL ? *)     | Etc/UTC          | 2026-02-01T00:00Z        | 2026-07-01T00:00Z | month names JAN,JUL
cron(0 0 15 jun-aug ? *)    | Etc/UTC          | 2026-08-15T00:00Z        | 2027-06-15T00:00Z | month name range jun-aug
cron(0 0 1 1 ? 2030)        | Etc/UTC          | 2026-06-01T00:00Z        | 2030-01-01T00:00Z | single year in the future
cron(0 0 1 1 ? 2030)        | Etc/UTC          | 2030-01-01T00:00Z        | never             | single year already over
cron(0 0 1 1 ? 2026-2040/5) | Etc/UTC          | 2026-06-01T00:00Z        | 2031-01-01T00:00Z | year range with step
cron(0 0 31 12 ? *)         | Etc/UTC          | 2199-12-31T00:00Z        | never             | last year of the range 2199
cron(0 0 29 2 ? *)          | Etc/UTC          | 2026-01-01T00:00Z        | 2028-02-29T00:00Z | Feb 29 finds the next leap year
cron(0 0 29 2 ? *)          | Etc/UTC          | 2096-03-01T00:00Z        | 2104-02-29T00:00Z | Feb 29 skips 2100, not a leap year
cron(0 0 30 2 ? *)          | Etc/UTC          | 2026-01-01T00:00Z        | never             | Feb 30 never happens
cron(0 0 * * SUN)           | Etc/UTC          | 2026-01-01T00:00Z        | 2026-01-04T00:00Z | five-field form gets a year
cron(* * * * ? *)           | Etc/UTC          | 2026-12-31T23:59Z        | 2027-01-01T00:00Z | every minute
cron(0 9 * * ? *)           | Europe/Berlin    | 2026-01-05T00:00Z        | 2026-01-05T08:00Z | Berlin winter 09:00 is 08:00Z
cron(0 9 * * ? *)           | Europe/Berlin    | 2026-07-06T00:00Z        | 2026-07-06T07:00Z | Berlin summer 09:00 is 07:00Z
cron(30 2 * * ? *)          | Europe/Berlin    | 2026-03-28T12:00Z        | 2026-03-30T00:30Z | Berlin spring forward: 02:30 does not exist and is skipped
cron(0 3 * * ? *)           | Europe/Berlin    | 2026-03-28T12:00Z        | 2026-03-29T01:00Z | Berlin spring forward: 03:00 runs at 01:00Z
cron(30 2 * * ? *)          | Europe/Berlin    | 2026-10-24T12:00Z        | 2026-10-25T00:30Z | Berlin fall back: 02:30 fires at its first occurrence (CEST)
cron(30 2 * * ? *)          | Europe/Berlin    | 2026-10-25T00:30Z        | 2026-10-26T01:30Z | Berlin fall back: the repeated 02:30 (CET) does not fire again
cron(45 2 * * ? *)          | Europe/Berlin    | 2026-10-25T01:10Z        | 2026-10-26T01:45Z | Berlin fall back: asked during the repeated hour, 02:45 waits a day
cron(0 0 L * ? *)           | Europe/Berlin    | 2026-06-01T00:00Z        | 2026-06-29T22:00Z | Berlin last day of month in summer time
cron(30 2 * * ? *)          | America/New_York | 2026-03-07T12:00Z        | 2026-03-09T06:30Z | New York spring forward: 02:30 on March 8 is skipped
cron(30 1 * * ? *)          | America/New_York | 2026-10-31T12:00Z        | 2026-11-01T05:30Z | New York fall back: 01:30 fires once, in EDT
cron(30 1 * * ? *)          | America/New_York | 2026-11-01T05:30Z        | 2026-11-02T06:30Z | New York fall back: the EST 01:30 is not a second run
cron(0 18 ? * mon-fri *)    | America/New_York | 2026-03-06T12:00Z        | 2026-03-06T23:00Z | New York weekdays 18:00 before the change (EST)
cron(0 18 ? * mon-fri *)    | America/New_York | 2026-03-06T23:00Z        | 2026-03-09T22:00Z | New York weekdays 18:00 after the change (EDT)
cron(0 10 * * ? *)          | Asia/Kolkata     | 2026-01-01T00:00Z        | 2026-01-01T04:30Z | Kolkata half-hour offset
cron(0 0 1 * ? *)           | America/New_York | 2026-01-15T00:00Z        | 2026-02-01T05:00Z | day boundary in the zone, not in UTC
cron(0 10 * * ? *)          | -                | 2026-01-01T00:00Z        | 2026-01-01T10:00Z | zone left out means Etc/UTC
`;

const RATE_TABLE = `
rate(5 minutes)             | Etc/UTC          | 2026-01-01T00:08Z | 2026-01-01T00:12Z | 2026-01-01T00:02Z | rate(5 minutes) from the anchor
rate(1 hour)                | Etc/UTC          | 2026-01-01T01:30Z | 2026-01-01T02:30Z | 2026-01-01T00:30Z | rate(1 hour) strictly after a run
rate(1 hour)                | Etc/UTC          | 2026-01-01T00:30Z | 2026-01-01T01:30Z | 2026-01-01T00:30Z | rate first run is one interval after the anchor
rate(2 days)                | Etc/UTC          | 2026-01-01T00:00Z | 2026-01-12T00:00Z | 2026-01-10T00:00Z | rate asked before the anchor
rate(1 day)                 | Europe/Berlin    | 2026-03-28T12:00Z | 2026-03-29T12:00Z | 2026-03-28T12:00Z | rate(1 day) is 24 hours across the Berlin DST change
rate(6 hours)               | Etc/UTC          | 2026-01-01T07:00Z | 2026-01-01T12:00Z |                   | rate without an anchor counts from the epoch
`;

const rows = (table: string): string[][] =>
  table
    .trim()
    .split('\n')
    .map((line) => line.split(' | ').map((cell) => cell.trim()));

describe('nextRun', () => {
  for (const [expr = '', zone = '', after = '', next = '', why] of rows(CRON_TABLE)) {
    it(`${why}: ${expr} in ${zone}`, () => {
      const got = nextRun(parseSchedule(expr), zone === '-' ? undefined : zone, at(after));
      assert.equal(iso(got), next === 'never' ? undefined : iso(at(next)));
    });
  }
  for (const [expr = '', zone = '', after = '', next = '', anchor = '', why] of rows(RATE_TABLE)) {
    it(`${why}: ${expr}`, () => {
      const got = nextRun(parseSchedule(expr), zone, at(after), anchor === '' ? undefined : at(anchor));
      assert.equal(iso(got), iso(at(next)));
    });
  }
});

describe('runsBetween', () => {
  it('hourly in Berlin across spring forward: runs stay one real hour apart, 02:00 is skipped', () => {
    const runs = runsBetween(
      parseSchedule('cron(0 * * * ? *)'),
      'Europe/Berlin',
      at('2026-03-28T22:30:00Z'),
      at('2026-03-29T02:00:00Z'),
    );
    // 00:00 CET, 01:00 CET, 03:00 CEST, 04:00 CEST.
    assert.deepEqual(runs.map(iso), [
      '2026-03-28T23:00:00.000Z',
      '2026-03-29T00:00:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T02:00:00.000Z',
    ]);
  });

  it('hourly in Berlin across fall back: the repeated 02:00 (CET) does not fire', () => {
    const runs = runsBetween(
      parseSchedule('cron(0 * * * ? *)'),
      'Europe/Berlin',
      at('2026-10-24T22:30:00Z'),
      at('2026-10-25T03:30:00Z'),
    );
    // 01:00 CEST, 02:00 CEST, (02:00 CET skipped), 03:00 CET, 04:00 CET.
    assert.deepEqual(runs.map(iso), [
      '2026-10-24T23:00:00.000Z',
      '2026-10-25T00:00:00.000Z',
      '2026-10-25T02:00:00.000Z',
      '2026-10-25T03:00:00.000Z',
    ]);
  });

  it('daily 02:30 in Berlin over both changes: one run per day except the spring-forward day', () => {
    const schedule = parseSchedule('cron(30 2 * * ? *)');
    const spring = runsBetween(
      schedule,
      'Europe/Berlin',
      at('2026-03-27T00:00:00Z'),
      at('2026-03-31T00:00:00Z'),
    );
    assert.deepEqual(spring.map(iso), [
      '2026-03-27T01:30:00.000Z',
      '2026-03-28T01:30:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    const fall = runsBetween(
      schedule,
      'Europe/Berlin',
      at('2026-10-24T00:00:00Z'),
      at('2026-10-27T00:00:00Z'),
    );
    assert.deepEqual(fall.map(iso), [
      '2026-10-24T00:30:00.000Z',
      '2026-10-25T00:30:00.000Z',
      '2026-10-26T01:30:00.000Z',
    ]);
  });

  it('windows split at any instant, even exactly at a run, neither skip nor repeat a run', () => {
    const schedule = parseSchedule('cron(0/20 * * * ? *)');
    const from = at('2026-10-25T00:00:00Z');
    const to = at('2026-10-25T03:00:00Z');
    const whole = runsBetween(schedule, 'Europe/Berlin', from, to);
    for (const cut of [at('2026-10-25T01:00:00Z'), at('2026-10-25T01:10:30Z'), at('2026-10-25T00:40:00Z')]) {
      const joined = [
        ...runsBetween(schedule, 'Europe/Berlin', from, cut),
        ...runsBetween(schedule, 'Europe/Berlin', cut, to),
      ];
      assert.deepEqual(joined, whole);
    }
    // 00:00Z–03:00Z is 02:00 CEST–04:00 CET: the three CET 02:xx runs are not repeated.
    assert.equal(whole.length, 6);
  });

  it('rate runs sit on the anchor grid', () => {
    const runs = runsBetween(
      parseSchedule('rate(30 minutes)'),
      'Etc/UTC',
      at('2026-01-01T00:00:00Z'),
      at('2026-01-01T02:00:00Z'),
      at('2025-12-31T23:50:00Z'),
    );
    assert.deepEqual(runs.map(iso), [
      '2026-01-01T00:20:00.000Z',
      '2026-01-01T00:50:00.000Z',
      '2026-01-01T01:20:00.000Z',
      '2026-01-01T01:50:00.000Z',
    ]);
  });

  it('a schedule whose years are over yields nothing', () => {
    assert.deepEqual(
      runsBetween(
        parseSchedule('cron(0 0 * * ? 2020)'),
        'Etc/UTC',
        at('2026-01-01T00:00:00Z'),
        at('2027-01-01T00:00:00Z'),
      ),
      [],
    );
  });
});
