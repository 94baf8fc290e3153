import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CancelledError, runSteps, type Step } from './steps.js';

type Log = string[];
const step = (
  name: string,
  behaviour: 'ok' | 'fail' | 'abort' = 'ok',
  controller?: AbortController,
): Step<Log> => ({
  name,
  async run(log, _signal, onCleanup) {
    log.push(`run ${name}`);
    onCleanup({ name, run: async () => void log.push(`cleanup ${name}`) });
    if (behaviour === 'fail') throw new Error(`${name} failed`);
    if (behaviour === 'abort') controller?.abort('stop requested');
  },
});

describe('runSteps', () => {
  it('runs steps in order and cleanups in reverse on success', async () => {
    const log: Log = [];
    const result = await runSteps([step('a'), step('b'), step('c')], log, new AbortController().signal);
    assert.deepEqual(log, ['run a', 'run b', 'run c', 'cleanup c', 'cleanup b', 'cleanup a']);
    assert.deepEqual(
      result.timings.map((t) => t.name),
      ['a', 'b', 'c'],
    );
  });

  it('stops at a failure, still cleans up what ran, and rethrows the step error', async () => {
    const log: Log = [];
    await assert.rejects(
      runSteps([step('a'), step('b', 'fail'), step('c')], log, new AbortController().signal),
      /b failed/,
    );
    assert.deepEqual(log, ['run a', 'run b', 'cleanup b', 'cleanup a']);
  });

  it('a failing cleanup is reported and does not hide the step error or skip other cleanups', async () => {
    const log: Log = [];
    const failedCleanups: string[] = [];
    const bad: Step<Log> = {
      name: 'bad-cleanup',
      async run(l, _s, onCleanup) {
        l.push('run bad-cleanup');
        onCleanup({ name: 'bad-cleanup', run: async () => Promise.reject(new Error('umount busy')) });
      },
    };
    await assert.rejects(
      runSteps([step('a'), bad, step('c', 'fail')], log, new AbortController().signal, {
        cleanupFailed: (name, err) => failedCleanups.push(`${name}: ${(err as Error).message}`),
      }),
      /c failed/,
    );
    assert.deepEqual(log, ['run a', 'run bad-cleanup', 'run c', 'cleanup c', 'cleanup a']);
    assert.deepEqual(failedCleanups, ['bad-cleanup: umount busy']);
  });

  it('cancellation between steps stops the run with CancelledError and cleans up', async () => {
    const log: Log = [];
    const controller = new AbortController();
    await assert.rejects(
      runSteps([step('a'), step('b', 'abort', controller), step('c')], log, controller.signal),
      (err: unknown) => err instanceof CancelledError && err.message === 'stop requested',
    );
    assert.deepEqual(log, ['run a', 'run b', 'cleanup b', 'cleanup a']);
  });
});
