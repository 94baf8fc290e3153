/**
 * The generated 200-version history (history.fixture.ts), planned once and checked against the
 * fixture's naive reference.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { expected, history, POLICY, NOW } from './history.fixture.js';
import { planLifecycle } from './plan.js';

it('plans a 200-version history exactly like the naive reference', () => {
  const images = history();
  const plan = planLifecycle(POLICY, images, NOW);
  const got = Object.fromEntries(
    plan.images.map((i) => [i.arn, i.outcome === 'ACT' ? (i.action as string) : i.outcome]),
  );
  const want = expected(images);
  assert.deepEqual(got, want);
  const sets = (v: string) => Object.keys(want).filter((k) => want[k] === v).length;
  // The history must exercise every outcome, or this test proves little.
  for (const v of ['DEPRECATE', 'DISABLE', 'DELETE', 'SKIPPED', 'KEEP'])
    assert.ok(sets(v) > 0, `no ${v} in the history`);
  assert.equal(plan.counts.DELETE, sets('DELETE'));
  assert.equal(
    plan.building.length,
    images.filter(
      (i) =>
        i.status === 'BUILDING' &&
        i.recipeName !== 'db' &&
        !(i.recipeName === 'api' && i.recipeVersion === '2.0.0'),
    ).length,
  );
  // Input order never matters.
  assert.deepEqual(planLifecycle(POLICY, [...images].reverse(), NOW), plan);
});
