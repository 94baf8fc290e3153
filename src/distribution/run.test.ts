import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { failureReason, runTargets, TransientError } from './run.js';

const target = (region: string, label: string) => ({ region, kind: 'ami' as const, label });
const fast = { attempts: 3, backoffMs: 1 };

describe('runTargets', () => {
  it('tries every target on its own, retries transient failures, reports each', async () => {
    const tries = new Map<string, number>();
    const failures: string[] = [];
    const reports = await runTargets(
      [
        target('a', 'ok'),
        target('a', 'flaky'),
        target('b', 'broken'),
        target('b', 'always busy'),
        target('c', 'after'),
      ],
      async (t) => {
        const n = (tries.get(t.label) ?? 0) + 1;
        tries.set(t.label, n);
        if (t.label === 'flaky' && n < 3) throw new TransientError('registry hiccup');
        if (t.label === 'broken') throw new Error('unknown blob');
        if (t.label === 'always busy') throw Object.assign(new Error('busy'), { code: 'EBUSY' });
      },
      {
        signal: new AbortController().signal,
        retry: fast,
        onFailure: async (t, n, _e, again) => void failures.push(`${t.label}#${n}${again ? '+' : ''}`),
      },
    );
    assert.deepEqual(reports, [
      { region: 'a', target: 'ok', status: 'Completed', attempts: 1 },
      { region: 'a', target: 'flaky', status: 'Completed', attempts: 3 },
      { region: 'b', target: 'broken', status: 'Failed', attempts: 1, reason: 'unknown blob' },
      { region: 'b', target: 'always busy', status: 'Failed', attempts: 3, reason: 'busy' },
      { region: 'c', target: 'after', status: 'Completed', attempts: 1 },
    ]);
    assert.deepEqual(failures, [
      'flaky#1+',
      'flaky#2+',
      'broken#1',
      'always busy#1+',
      'always busy#2+',
      'always busy#3',
    ]);
    assert.equal(
      failureReason(reports),
      'distribution failed for 2 of 5 targets (3 completed): b broken: unknown blob; b always busy: busy',
    );
    assert.equal(failureReason(reports.filter((r) => r.status === 'Completed')), undefined);
  });

  it('ends on cancellation instead of reporting', async () => {
    const abort = new AbortController();
    await assert.rejects(
      runTargets(
        [target('a', 'x'), target('a', 'y')],
        async () => {
          abort.abort();
          throw new TransientError('x');
        },
        { signal: abort.signal, retry: fast },
      ),
    );
  });
});
