import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from './progress.js';

const line = (stage: string, step: string, text: string, stream = 'stdout') => ({
  time: 0,
  stage,
  step,
  stream,
  text,
});

describe('Progress', () => {
  it('prints state changes, step changes with their number and cached count, and stderr', () => {
    const p = new Progress(0, false);
    assert.deepEqual(p.state({ status: 'BUILDING' }, 61_000), ['[01:01] BUILDING']);
    assert.deepEqual(p.state({ status: 'BUILDING' }, 62_000), []);
    assert.deepEqual(
      p.log(line('BUILD', 'base', 'cached: arn:…:component/base/1.0.0/1 reuses layer sha256:ab'), 63_000),
      ['[01:03] BUILDING BUILD step 1: base (1 cached)'],
    );
    assert.deepEqual(p.log(line('BUILD', 'base', 'more output'), 63_500), []);
    assert.deepEqual(p.log(line('BUILD', 'app', 'not cached: the component document changed'), 63_800), [
      '[01:03] BUILDING BUILD step 2: app (1 cached)',
    ]);
    assert.deepEqual(p.log(line('BUILD', 'app', 'exit 3', 'stderr'), 64_000), ['  ! exit 3']);
    assert.deepEqual(p.state({ status: 'FAILED', reason: 'app exited 3' }, 65_000), [
      '[01:05] FAILED: app exited 3',
    ]);
  });

  it('verbose mode prints every line', () => {
    const p = new Progress(0, true);
    assert.deepEqual(p.log(line('TEST', 't', 'ok'), 0), ['[00:00] PENDING TEST step 1: t', '  ok']);
  });
});
