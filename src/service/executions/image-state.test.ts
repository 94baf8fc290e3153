import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BuildStatus } from '../../engine/image-build.js';
import { acceptsTransition, applyStatus, pipelineAfterRun } from './image-state.js';

describe('acceptsTransition', () => {
  const cases: [string | undefined, BuildStatus, boolean][] = [
    [undefined, 'PENDING', true],
    ['PENDING', 'CREATING', true],
    ['CREATING', 'BUILDING', true],
    ['BUILDING', 'DISTRIBUTING', true], // tests off: TESTING skipped
    ['TESTING', 'BUILDING', false],
    ['BUILDING', 'BUILDING', false],
    ['BUILDING', 'FAILED', true],
    ['PENDING', 'CANCELLED', true],
    ['AVAILABLE', 'FAILED', false],
    ['FAILED', 'PENDING', false], // only RetryImage forces this
    ['CANCELLED', 'CANCELLED', false],
  ];
  for (const [from, to, ok] of cases)
    it(`${from} → ${to}`, () => assert.equal(acceptsTransition(from, to), ok));
});

describe('applyStatus', () => {
  it('closes the open timing and records the reason', () => {
    const a = applyStatus({}, 'BUILDING', undefined, 1_000);
    const b = applyStatus(a, 'FAILED', 'step X exited 3', 4_000, 1);
    assert.deepEqual(b.state, { status: 'FAILED', reason: 'step X exited 3' });
    const timings = b.stateTimings as { status: string; durationMs?: number }[];
    assert.deepEqual(
      timings.map((t) => [t.status, t.durationMs]),
      [
        ['BUILDING', 3_000],
        ['FAILED', 0],
      ],
    );
  });
});

describe('pipelineAfterRun', () => {
  const p = (consecutiveFailures: number, autoDisableAfter?: number, status = 'ENABLED') => ({
    status,
    consecutiveFailures,
    ...(autoDisableAfter !== undefined ? { autoDisableAfter } : {}),
  });
  const cases: [
    string,
    ReturnType<typeof p>,
    Parameters<typeof pipelineAfterRun>[1],
    [number, string, boolean],
  ][] = [
    ['success resets', p(3), { buildType: 'SCHEDULED', outcome: 'AVAILABLE' }, [0, 'ENABLED', false]],
    [
      'manual success resets',
      p(3),
      { buildType: 'USER_INITIATED', outcome: 'AVAILABLE' },
      [0, 'ENABLED', false],
    ],
    ['scheduled failure counts', p(0), { buildType: 'SCHEDULED', outcome: 'FAILED' }, [1, 'ENABLED', false]],
    [
      'manual failure does not count',
      p(1, 2),
      { buildType: 'USER_INITIATED', outcome: 'FAILED' },
      [1, 'ENABLED', false],
    ],
    [
      'cancel does not count',
      p(1, 2),
      { buildType: 'SCHEDULED', outcome: 'CANCELLED' },
      [1, 'ENABLED', false],
    ],
    [
      'reaching failureCount disables',
      p(1, 2),
      { buildType: 'SCHEDULED', outcome: 'FAILED' },
      [2, 'DISABLED', true],
    ],
    [
      'no policy, never disabled',
      p(9),
      { buildType: 'SCHEDULED', outcome: 'FAILED' },
      [10, 'ENABLED', false],
    ],
    [
      'already disabled: no second event',
      p(5, 2, 'DISABLED'),
      { buildType: 'SCHEDULED', outcome: 'FAILED' },
      [6, 'DISABLED', false],
    ],
  ];
  for (const [name, pipeline, run, [count, status, disabled]] of cases) {
    it(name, () =>
      assert.deepEqual(pipelineAfterRun(pipeline, run), {
        consecutiveFailures: count,
        status,
        autoDisabled: disabled,
      }),
    );
  }
});
