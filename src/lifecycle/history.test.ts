/**
 * A generated history of 200 image build versions, planned once and checked against a
 * deliberately naive reference: every decision is recomputed per image by counting newer
 * siblings (quadratic, no sorting, no grouping), straight from the wording of api.md §6.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { planLifecycle } from './plan.js';
import type { LifecycleImage, LifecyclePolicyInput } from './types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15);

function history(): LifecycleImage[] {
  let seed = 42;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const recipes = [
    ['web', '1.0.0'],
    ['web', '1.1.0'],
    ['web', '2.0.0'],
    ['api', '1.0.0'],
    ['api', '1.4.2'],
    ['api', '2.0.0'],
    ['db', '1.0.0'],
  ] as const;
  const statuses = [
    'AVAILABLE',
    'AVAILABLE',
    'AVAILABLE',
    'AVAILABLE',
    'DEPRECATED',
    'DISABLED',
    'FAILED',
    'CANCELLED',
    'BUILDING',
    'DELETED',
  ];
  return Array.from({ length: 200 }, (_, n): LifecycleImage => {
    const [recipeName, recipeVersion] = recipes[n % recipes.length] as readonly [string, string];
    const amiCount = rand(3);
    return {
      arn: `arn:aws:imagebuilder:r1:111:image/${recipeName}/${recipeVersion}/${n + 1}`,
      recipeName,
      recipeVersion,
      status: statuses[rand(statuses.length)] as string,
      // Some images share a creation time so the ARN tie-break is exercised.
      dateCreated: NOW - rand(400) * DAY,
      tags: (rand(8) === 0 ? { keep: 'true' } : rand(5) === 0 ? { team: 'a' } : {}) as Record<string, string>,
      amis: Array.from({ length: amiCount }, (_, k) => ({
        region: k === 0 ? 'r1' : 'r2',
        id: `ami-${n}-${k}`,
        accountId: '111',
        isPublic: rand(4) === 0,
        sharedAccounts: [],
        tags: {},
      })),
      inUseByLaunchTemplate: rand(15) === 0,
    };
  });
}

const POLICY: LifecyclePolicyInput = {
  resourceType: 'AMI_IMAGE',
  resourceSelection: {
    recipes: [
      { name: 'web', semanticVersion: 'x.x.x' },
      { name: 'api', semanticVersion: '1.x.x' },
    ],
  },
  policyDetails: [
    {
      action: { type: 'DELETE', includeResources: { amis: true, snapshots: true } },
      filter: { type: 'COUNT', value: 4 },
      exclusionRules: { tagMap: { keep: 'true' } },
    },
    {
      action: { type: 'DEPRECATE' },
      filter: { type: 'AGE', value: 30, unit: 'DAYS', retainAtLeast: 2 },
      exclusionRules: { amis: { isPublic: true } },
    },
    { action: { type: 'DISABLE' }, filter: { type: 'AGE', value: 26, unit: 'WEEKS' } },
  ],
};

/** Naive reference, one image at a time. */
function expected(images: LifecycleImage[]): Record<string, string> {
  const inScope = (i: LifecycleImage) =>
    (i.recipeName === 'web' || (i.recipeName === 'api' && i.recipeVersion.startsWith('1.'))) &&
    !['BUILDING', 'DELETED'].includes(i.status);
  const failed = (i: LifecycleImage) => i.status === 'FAILED' || i.status === 'CANCELLED';
  const newer = (a: LifecycleImage, b: LifecycleImage) =>
    a.dateCreated > b.dateCreated || (a.dateCreated === b.dateCreated && a.arn > b.arn);
  const slotHolders = (img: LifecycleImage, tagged: (i: LifecycleImage) => boolean) =>
    images.filter(
      (o) =>
        inScope(o) &&
        !failed(o) &&
        !tagged(o) &&
        o.recipeName === img.recipeName &&
        o.recipeVersion === img.recipeVersion &&
        newer(o, img),
    ).length;
  const none = () => false;
  const keepTag = (i: LifecycleImage) => i.tags.keep === 'true';
  const oldDays = (i: LifecycleImage, days: number) => NOW - i.dateCreated >= days * DAY;

  const out: Record<string, string> = {};
  for (const img of images.filter(inScope)) {
    const rank = { DEPRECATED: 1, DISABLED: 2 }[img.status as 'DEPRECATED'] ?? 0;
    const deprecate =
      !failed(img) &&
      slotHolders(img, none) >= 2 &&
      oldDays(img, 30) &&
      !(img.amis.length > 0 && img.amis.every((a) => a.isPublic));
    const deprecateAllPublic =
      !failed(img) && slotHolders(img, none) >= 2 && oldDays(img, 30) && rank < 1 && !deprecate;
    const disable = !failed(img) && oldDays(img, 26 * 7);
    const del = failed(img) || (!keepTag(img) && slotHolders(img, keepTag) >= 4);
    let result = 'KEEP';
    if (deprecate && rank < 1) result = 'DEPRECATE';
    else if (disable && rank < 2) result = 'DISABLE';
    else if (del) result = img.inUseByLaunchTemplate ? 'SKIPPED' : 'DELETE';
    else if (deprecateAllPublic) result = 'SKIPPED';
    out[img.arn] = result;
  }
  return out;
}

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
