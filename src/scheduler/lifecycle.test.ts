import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { removeTree } from '../host/fs.js';
import { EXECUTION_KIND } from '../lifecycle/records.js';
import { type Harness, openHarness } from '../worker/testing.js';
import { scheduleLifecyclePolicies } from './lifecycle.js';

const DAY = 86_400_000;
const T0 = Date.parse('2026-03-01T09:30:00Z');
const scope = { account: '111122223333', region: 'us-east-1' };
let h: Harness;
const clock = new ManualClock(T0);

before(async () => {
  h = await openHarness({ clock });
});
after(async () => {
  await h.store.close();
  await removeTree(h.dataDir);
});

const policy = (name: string, status = 'ENABLED') =>
  h.call('CreateLifecyclePolicy', {
    name,
    status,
    executionRole: 'lifecycle',
    resourceType: 'AMI_IMAGE',
    policyDetails: [{ action: { type: 'DELETE' }, filter: { type: 'COUNT', value: 3 } }],
    resourceSelection: { recipes: [{ name: 'web', semanticVersion: 'x.x.x' }] },
  });

it('runs each ENABLED policy once a day at its creation time, never twice, one at a time', async () => {
  const on = String((await policy('daily')).lifecyclePolicyArn);
  await policy('off', 'DISABLED');
  const pass = () => scheduleLifecyclePolicies(h.deps, scope);
  assert.deepEqual((await pass()).started, []);
  assert.equal((await pass()).next, T0 + DAY);
  clock.advance(DAY - 1);
  assert.deepEqual((await pass()).started, []);
  clock.advance(1);
  const first = await pass();
  assert.equal(first.started.length, 1);
  assert.equal(first.next, T0 + 2 * DAY);
  assert.deepEqual((await pass()).started, [], 'the same instant is not handled twice');
  const docs = await h.store.listDocuments({ kind: EXECUTION_KIND, limit: 10 });
  assert.deepEqual(
    docs.map((d) => [d.parent, d.status, d.body.trigger]),
    [[on, 'PENDING', 'SCHEDULED']],
  );
  // The next day's run is skipped while the first is still pending; its window is consumed.
  clock.advance(DAY);
  assert.deepEqual((await pass()).started, []);
  await h.store.updateDocument(EXECUTION_KIND, first.started[0] as string, {
    status: 'SUCCESS',
    updatedAt: 0,
  });
  assert.deepEqual((await pass()).started, []);
  // Three days down: one run, not three.
  clock.advance(3 * DAY);
  assert.equal((await pass()).started.length, 1);
});
