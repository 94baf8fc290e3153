import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isLeaseDead, type OwnerId, pickClaims, recoveryFor } from './decide.js';

describe('pickClaims', () => {
  const q = (id: string, pipelineArn?: string) => (pipelineArn ? { id, pipelineArn } : { id });
  const cases: {
    name: string;
    queued: ReturnType<typeof q>[];
    running: string[];
    free: number;
    want: string[];
  }[] = [
    {
      name: 'oldest first up to the free slots',
      queued: [q('a'), q('b'), q('c')],
      running: [],
      free: 2,
      want: ['a', 'b'],
    },
    { name: 'no free slot', queued: [q('a')], running: [], free: 0, want: [] },
    {
      name: 'a running pipeline waits, others pass it',
      queued: [q('a', 'P'), q('b', 'Q')],
      running: ['P'],
      free: 2,
      want: ['b'],
    },
    {
      name: 'two runs of one pipeline: only the first',
      queued: [q('a', 'P'), q('b', 'P'), q('c')],
      running: [],
      free: 3,
      want: ['a', 'c'],
    },
    {
      name: 'CreateImage builds have no pipeline limit',
      queued: [q('a'), q('b')],
      running: [],
      free: 5,
      want: ['a', 'b'],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      assert.deepEqual(
        pickClaims(c.queued, new Set(c.running), c.free).map((e) => e.id),
        c.want,
      );
    });
  }
});

describe('isLeaseDead', () => {
  const me: OwnerId = { host: 'h1', pid: 100, nonce: 'aaaa' };
  const alive = (pid: number) => pid === 200;
  const cases: [string, { owner?: string; heartbeatAt?: number }, boolean][] = [
    ['mine', { owner: 'h1:100:aaaa', heartbeatAt: 0 }, false],
    ['an earlier incarnation of my pid', { owner: 'h1:100:bbbb', heartbeatAt: 1_000 }, true],
    ['a live process on this host', { owner: 'h1:200:cccc', heartbeatAt: 0 }, false],
    ['a dead process on this host', { owner: 'h1:300:dddd', heartbeatAt: 1_000 }, true],
    ['another host, fresh heartbeat', { owner: 'h2:100:eeee', heartbeatAt: 990 }, false],
    ['another host, stale heartbeat', { owner: 'h2:100:eeee', heartbeatAt: 100 }, true],
    ['no owner', {}, true],
  ];
  for (const [name, lease, dead] of cases) {
    it(name, () => assert.equal(isLeaseDead(lease, me, 1_000, 500, alive), dead));
  }
});

describe('recoveryFor', () => {
  const cases: [string, Parameters<typeof recoveryFor>[0], boolean, ReturnType<typeof recoveryFor>][] = [
    ['not started yet', undefined, false, { action: 'requeue' }],
    ['still PENDING', 'PENDING', false, { action: 'requeue' }],
    [
      'building, engine cannot resume',
      'BUILDING',
      false,
      { action: 'fail', reason: 'interrupted: the Kiln server stopped during BUILDING' },
    ],
    ['building, engine can resume', 'BUILDING', true, { action: 'requeue', resumeFromStage: 'BUILD' }],
    ['testing, can resume', 'TESTING', true, { action: 'requeue', resumeFromStage: 'TEST' }],
    ['integrating, can resume', 'INTEGRATING', true, { action: 'requeue', resumeFromStage: 'DISTRIBUTION' }],
    ['creating, can resume: from the start', 'CREATING', true, { action: 'requeue' }],
    [
      'distributing, cannot resume',
      'DISTRIBUTING',
      false,
      { action: 'fail', reason: 'interrupted: the Kiln server stopped during DISTRIBUTING' },
    ],
  ];
  for (const [name, status, canResume, want] of cases) {
    it(name, () => assert.deepEqual(recoveryFor(status, canResume), want));
  }
});
