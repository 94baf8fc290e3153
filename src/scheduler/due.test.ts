import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dueRun, latestRunIn } from './due.js';
import { parseSchedule } from './schedule.js';

const t = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) =>
  ms === undefined ? undefined : new Date(ms).toISOString().replace('.000Z', 'Z');

describe('dueRun', () => {
  const daily = parseSchedule('cron(0 10 * * ? *)');
  const created = t('2026-01-01T09:00:00Z');
  const cases: {
    name: string;
    last?: string;
    now: string;
    enabled?: boolean;
    fire?: string;
    handled?: string;
    missed?: boolean;
  }[] = [
    { name: 'before the first match', now: '2026-01-01T09:59:00Z' },
    {
      name: 'at the first match',
      now: '2026-01-01T10:00:00Z',
      fire: '2026-01-01T10:00:00Z',
      handled: '2026-01-01T10:00:00Z',
    },
    {
      name: 'shortly after the match',
      now: '2026-01-01T10:00:30Z',
      fire: '2026-01-01T10:00:00Z',
      handled: '2026-01-01T10:00:00Z',
    },
    {
      name: 'the handled match is not fired again',
      last: '2026-01-01T10:00:00Z',
      now: '2026-01-01T23:00:00Z',
      handled: '2026-01-01T10:00:00Z',
    },
    {
      name: 'the next day fires the next match',
      last: '2026-01-01T10:00:00Z',
      now: '2026-01-02T10:00:05Z',
      fire: '2026-01-02T10:00:00Z',
      handled: '2026-01-02T10:00:00Z',
    },
    {
      name: 'three days down: one run, the latest',
      last: '2026-01-01T10:00:00Z',
      now: '2026-01-04T12:00:00Z',
      fire: '2026-01-04T10:00:00Z',
      handled: '2026-01-04T10:00:00Z',
      missed: true,
    },
    {
      name: 'disabled: the window is consumed without a run',
      last: '2026-01-01T10:00:00Z',
      now: '2026-01-03T11:00:00Z',
      enabled: false,
      handled: '2026-01-03T10:00:00Z',
    },
    {
      name: 'disabled and nothing due',
      last: '2026-01-01T10:00:00Z',
      now: '2026-01-01T11:00:00Z',
      enabled: false,
      handled: '2026-01-01T10:00:00Z',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const d = dueRun({
        schedule: daily,
        timezone: 'Etc/UTC',
        anchorMs: created,
        lastHandledAt: c.last === undefined ? undefined : t(c.last),
        enabled: c.enabled ?? true,
        now: t(c.now),
      });
      assert.equal(iso(d.fire), c.fire);
      assert.equal(iso(d.handledUntil), c.handled);
      assert.equal(d.missedEarlier, c.missed ?? false);
      assert.ok(d.next !== undefined && d.next > t(c.now));
    });
  }
});

describe('latestRunIn', () => {
  const cases: [string, string, string, string, string | undefined][] = [
    [
      'every minute, a year down',
      'cron(* * * * ? *)',
      '2025-01-01T00:00:00Z',
      '2026-01-01T00:00:30Z',
      '2026-01-01T00:00:00Z',
    ],
    ['yearly', 'cron(0 0 1 1 ? *)', '2020-06-01T00:00:00Z', '2026-03-01T00:00:00Z', '2026-01-01T00:00:00Z'],
    [
      'rate, long gap',
      'rate(5 minutes)',
      '2025-01-01T00:00:00Z',
      '2025-12-31T23:59:00Z',
      '2025-12-31T23:55:00Z',
    ],
    [
      'nothing in the window',
      'cron(0 10 * * ? *)',
      '2026-01-01T10:00:00Z',
      '2026-01-02T09:59:59Z',
      undefined,
    ],
    [
      'Feb 29 only',
      'cron(0 0 29 2 ? *)',
      '2024-03-01T00:00:00Z',
      '2028-03-01T00:00:00Z',
      '2028-02-29T00:00:00Z',
    ],
  ];
  for (const [name, expr, from, now, expected] of cases) {
    it(name, () => {
      assert.equal(iso(latestRunIn(parseSchedule(expr), 'Etc/UTC', t(from), t(now), 0)), expected);
    });
  }
});
