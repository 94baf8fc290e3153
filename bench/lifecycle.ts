/**
 * Lifecycle planning speed: one policy (deprecate AGE + retainAtLeast, disable AGE, delete COUNT
 * with a tag exclusion and AMI exclusions) over a generated history of images across many recipe
 * versions. Prints median/p95 of planLifecycle next to a lower bound measured in the same run:
 * one pass that only filters, sorts newest-first and groups the same images by recipe version.
 * Run: npx tsx bench/lifecycle.ts [images] [runs]
 */
import { planLifecycle } from '../src/lifecycle/plan.js';
import type { LifecycleImage, LifecyclePolicyInput } from '../src/lifecycle/types.js';

const count = Number(process.argv[2] ?? 100_000);
const runs = Number(process.argv[3] ?? 15);
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15);
const STATUSES = ['AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'DEPRECATED', 'DISABLED', 'FAILED', 'BUILDING'];

const images: LifecycleImage[] = Array.from({ length: count }, (_, n): LifecycleImage => {
  const recipe = n % 50;
  const version = `1.${(n >> 3) % 40}.0`;
  return Object.freeze({
    arn: `arn:aws:imagebuilder:us-east-1:111122223333:image/recipe-${recipe}/${version}/${n}`,
    recipeName: `recipe-${recipe}`,
    recipeVersion: version,
    status: STATUSES[(n + (n >> 4)) % STATUSES.length] as string,
    dateCreated: NOW - ((n * 7919) % 1000) * DAY,
    tags: (n % 13 === 0 ? { keep: 'true' } : {}) as Record<string, string>,
    amis: [0, 1].map((k) => ({
      region: k === 0 ? 'us-east-1' : 'eu-west-1',
      id: `ami-${n}-${k}`,
      accountId: '111122223333',
      isPublic: n % 17 === 0,
      sharedAccounts: n % 5 === 0 ? ['444455556666'] : [],
      tags: {},
      ...(n % 3 === 0 ? { lastLaunched: NOW - (n % 60) * DAY } : {}),
    })),
    inUseByLaunchTemplate: n % 101 === 0,
  });
});

const policy: LifecyclePolicyInput = {
  resourceType: 'AMI_IMAGE',
  resourceSelection: {
    recipes: [
      { name: 'recipe-1', semanticVersion: 'x.x.x' },
      ...Array.from({ length: 49 }, (_, i) => ({ name: `recipe-${i + 1}`, semanticVersion: '1.x.x' })),
    ],
  },
  policyDetails: [
    {
      action: { type: 'DEPRECATE', includeResources: { amis: true } },
      filter: { type: 'AGE', value: 3, unit: 'MONTHS', retainAtLeast: 2 },
      exclusionRules: { amis: { isPublic: true, lastLaunched: { value: 4, unit: 'WEEKS' } } },
    },
    { action: { type: 'DISABLE' }, filter: { type: 'AGE', value: 1, unit: 'YEARS' } },
    {
      action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
      filter: { type: 'COUNT', value: 5 },
      exclusionRules: { tagMap: { keep: 'true' }, amis: { sharedAccounts: ['444455556666'] } },
    },
  ],
};

/** The floor: the same scope filter, sort and grouping, with no rules evaluated. */
function sortAndGroup(all: readonly LifecycleImage[]): number {
  const live = all.filter((i) => i.status !== 'BUILDING' && i.status !== 'DELETED');
  live.sort((a, b) => b.dateCreated - a.dateCreated || (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0));
  const groups = new Map<string, LifecycleImage[]>();
  for (const i of live) {
    const key = `${i.recipeName}\u0000${i.recipeVersion}`;
    const g = groups.get(key);
    if (g) g.push(i);
    else groups.set(key, [i]);
  }
  return groups.size;
}

function measure(fn: () => unknown): { median: number; p95: number } {
  fn(); // warm-up
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t = performance.now();
    fn();
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] as number;
  return { median: at(0.5), p95: at(0.95) };
}

const plan = planLifecycle(policy, images, NOW);
const fmt = (m: { median: number; p95: number }) =>
  `median ${m.median.toFixed(1)} ms, p95 ${m.p95.toFixed(1)} ms`;
console.log(`images: ${count}, runs: ${runs}, node ${process.version}`);
console.log(`plan counts: ${JSON.stringify(plan.counts)}, building: ${plan.building.length}`);
console.log(`planLifecycle:        ${fmt(measure(() => planLifecycle(policy, images, NOW)))}`);
console.log(`lower bound (sort+group): ${fmt(measure(() => sortAndGroup(images)))}`);
