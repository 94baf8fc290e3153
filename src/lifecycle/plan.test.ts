import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { periodStart } from './period.js';
import { planLifecycle } from './plan.js';
import type { LifecycleAmi, LifecycleImage, LifecyclePolicyDetail, LifecyclePolicyInput } from './types.js';

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15, 12);

function ami(over: Partial<LifecycleAmi> = {}): LifecycleAmi {
  return {
    region: 'r1',
    id: 'ami-1',
    accountId: '111',
    isPublic: false,
    sharedAccounts: [],
    tags: {},
    ...over,
  };
}
function image(n: number, ageDays: number, over: Partial<LifecycleImage> = {}): LifecycleImage {
  return {
    arn: `arn:img/web/1.0.0/${n}`,
    recipeName: 'web',
    recipeVersion: '1.0.0',
    status: 'AVAILABLE',
    dateCreated: NOW - ageDays * DAY,
    tags: {},
    amis: [ami({ id: `ami-${n}` })],
    ...over,
  };
}
function policy(
  details: LifecyclePolicyDetail[],
  over: Partial<LifecyclePolicyInput> = {},
): LifecyclePolicyInput {
  return {
    resourceType: 'AMI_IMAGE',
    policyDetails: details,
    resourceSelection: { recipes: [{ name: 'web', semanticVersion: 'x.x.x' }] },
    ...over,
  };
}
const age = (
  type: LifecyclePolicyDetail['action']['type'],
  days: number,
  extra: Partial<LifecyclePolicyDetail> = {},
) =>
  ({
    action: { type },
    filter: { type: 'AGE', value: days, unit: 'DAYS' },
    ...extra,
  }) as LifecyclePolicyDetail;
const count = (value: number, extra: Partial<LifecyclePolicyDetail> = {}) =>
  ({ action: { type: 'DELETE' }, filter: { type: 'COUNT', value }, ...extra }) as LifecyclePolicyDetail;

/** arn → action, or outcome when not ACT. */
function outcomes(p: LifecyclePolicyInput, images: LifecycleImage[]): Record<string, string> {
  const plan = planLifecycle(p, images, NOW);
  return Object.fromEntries(
    plan.images.map((i) => [i.arn.split('/').pop(), i.outcome === 'ACT' ? (i.action as string) : i.outcome]),
  );
}

describe('periodStart', () => {
  const cases: [string, number, Parameters<typeof periodStart>[1], string][] = [
    ['days', Date.UTC(2026, 2, 10), { value: 3, unit: 'DAYS' }, '2026-03-07T00:00:00.000Z'],
    ['weeks', Date.UTC(2026, 2, 10), { value: 2, unit: 'WEEKS' }, '2026-02-24T00:00:00.000Z'],
    [
      'month clamps to Feb end',
      Date.UTC(2026, 2, 31, 5),
      { value: 1, unit: 'MONTHS' },
      '2026-02-28T05:00:00.000Z',
    ],
    ['month across a year', Date.UTC(2026, 0, 15), { value: 2, unit: 'MONTHS' }, '2025-11-15T00:00:00.000Z'],
    ['leap day minus a year', Date.UTC(2028, 1, 29), { value: 1, unit: 'YEARS' }, '2027-02-28T00:00:00.000Z'],
    ['years', Date.UTC(2026, 6, 1), { value: 3, unit: 'YEARS' }, '2023-07-01T00:00:00.000Z'],
  ];
  for (const [name, now, period, want] of cases)
    it(name, () => assert.equal(new Date(periodStart(now, period)).toISOString(), want));
});

describe('planLifecycle rules', () => {
  const cases: [string, LifecyclePolicyInput, LifecycleImage[], Record<string, string>][] = [
    [
      'AGE delete acts on images at least that old',
      policy([age('DELETE', 30)]),
      [image(1, 10), image(2, 30), image(3, 40)],
      { 1: 'KEEP', 2: 'DELETE', 3: 'DELETE' },
    ],
    [
      'retainAtLeast keeps the newest even if old',
      policy([age('DELETE', 5, { filter: { type: 'AGE', value: 5, unit: 'DAYS', retainAtLeast: 2 } })]),
      [image(1, 10), image(2, 20), image(3, 30)],
      { 1: 'KEEP', 2: 'KEEP', 3: 'DELETE' },
    ],
    [
      'COUNT keeps the newest value',
      policy([count(2)]),
      [image(3, 3), image(1, 1), image(2, 2), image(4, 4)],
      { 1: 'KEEP', 2: 'KEEP', 3: 'DELETE', 4: 'DELETE' },
    ],
    [
      'retention is per recipe version',
      policy([count(1)]),
      [
        image(1, 1),
        image(2, 2),
        image(3, 3, { recipeVersion: '2.0.0' }),
        image(4, 4, { recipeVersion: '2.0.0' }),
      ],
      { 1: 'KEEP', 2: 'DELETE', 3: 'KEEP', 4: 'DELETE' },
    ],
    [
      'FAILED/CANCELLED: always deleted, no slot',
      policy([count(1)]),
      [image(1, 1, { status: 'FAILED' }), image(2, 2, { status: 'CANCELLED' }), image(3, 3), image(4, 4)],
      { 1: 'DELETE', 2: 'DELETE', 3: 'KEEP', 4: 'DELETE' },
    ],
    [
      'FAILED is not deprecated',
      policy([age('DEPRECATE', 1)]),
      [image(1, 5, { status: 'FAILED' })],
      { 1: 'KEEP' },
    ],
    [
      'tag-excluded images keep and take no slot',
      policy([count(1, { exclusionRules: { tagMap: { keep: 'yes' } } })]),
      [image(1, 1, { tags: { keep: 'yes' } }), image(2, 2), image(3, 3)],
      { 1: 'KEEP', 2: 'KEEP', 3: 'DELETE' },
    ],
    [
      'building images are left out',
      policy([count(1)]),
      [image(1, 1, { status: 'BUILDING' }), image(2, 2), image(3, 3, { status: 'TESTING' }), image(4, 4)],
      { 2: 'KEEP', 4: 'DELETE' },
    ],
    [
      'priority: deprecate first, one action per run',
      policy([age('DELETE', 10), age('DEPRECATE', 10)]),
      [image(1, 20)],
      { 1: 'DEPRECATE' },
    ],
    [
      'a deprecated image escalates to disable',
      policy([age('DEPRECATE', 10), age('DISABLE', 10), age('DELETE', 10)]),
      [image(1, 20, { status: 'DEPRECATED' }), image(2, 20, { status: 'DISABLED' })],
      { 1: 'DISABLE', 2: 'DELETE' },
    ],
    [
      'an already deprecated image with no further rule is kept',
      policy([age('DEPRECATE', 10)]),
      [image(1, 20, { status: 'DEPRECATED' })],
      { 1: 'KEEP' },
    ],
    [
      'deleted images are out of the plan and take no slot',
      policy([count(1)]),
      [image(1, 1, { status: 'DELETED' }), image(2, 2), image(3, 3)],
      { 2: 'KEEP', 3: 'DELETE' },
    ],
    [
      'in use by a launch template: never deleted',
      policy([count(1)]),
      [image(1, 1), image(2, 2, { inUseByLaunchTemplate: true })],
      { 1: 'KEEP', 2: 'SKIPPED' },
    ],
    [
      'in use still deprecated',
      policy([age('DEPRECATE', 1)]),
      [image(1, 2, { inUseByLaunchTemplate: true })],
      { 1: 'DEPRECATE' },
    ],
    [
      'recipe wildcard 1.x.x',
      policy([count(1)], { resourceSelection: { recipes: [{ name: 'web', semanticVersion: '1.x.x' }] } }),
      [
        image(1, 1, { recipeVersion: '1.2.0' }),
        image(2, 2, { recipeVersion: '1.2.0' }),
        image(3, 3, { recipeVersion: '2.0.0' }),
      ],
      { 1: 'KEEP', 2: 'DELETE' },
    ],
    [
      'recipe wildcard 1.0.x and other names',
      policy([count(1)], { resourceSelection: { recipes: [{ name: 'web', semanticVersion: '1.0.x' }] } }),
      [image(1, 1), image(2, 2), image(3, 3, { recipeVersion: '1.1.0' }), image(4, 4, { recipeName: 'db' })],
      { 1: 'KEEP', 2: 'DELETE' },
    ],
    [
      'selection by tagMap',
      policy([count(1)], { resourceSelection: { tagMap: { team: 'a' } } }),
      [
        image(1, 1, { tags: { team: 'a' } }),
        image(2, 2, { tags: { team: 'a' } }),
        image(3, 3, { tags: { team: 'b' } }),
      ],
      { 1: 'KEEP', 2: 'DELETE' },
    ],
    [
      'container policies ignore AMI images',
      policy([count(1)], { resourceType: 'CONTAINER_IMAGE' }),
      [
        image(1, 1, { type: 'DOCKER', amis: [] }),
        image(2, 2, { type: 'DOCKER', amis: [] }),
        image(3, 3, { type: 'AMI' }),
      ],
      { 1: 'KEEP', 2: 'DELETE' },
    ],
  ];
  for (const [name, p, images, want] of cases) it(name, () => assert.deepEqual(outcomes(p, images), want));
});

describe('AMI exclusion rules', () => {
  const amis = [
    ami({ id: 'pub', isPublic: true }),
    ami({ id: 'eu', region: 'eu-1' }),
    ami({ id: 'shared', sharedAccounts: ['222', '333'] }),
    ami({ id: 'recent', lastLaunched: NOW - 3 * DAY }),
    ami({ id: 'stale', lastLaunched: NOW - 30 * DAY }),
    ami({ id: 'tagged', tags: { pin: '1' } }),
    ami({ id: 'plain' }),
  ];
  const rule = age('DEPRECATE', 1, {
    action: { type: 'DEPRECATE', includeResources: { amis: true } },
    exclusionRules: {
      amis: {
        isPublic: true,
        regions: ['eu-1'],
        sharedAccounts: ['333'],
        lastLaunched: { value: 1, unit: 'WEEKS' },
        tagMap: { pin: '1' },
      },
    },
  });
  it('skips each excluded AMI with its reason and acts on the rest', () => {
    const plan = planLifecycle(policy([rule]), [image(1, 5, { amis })], NOW);
    const img = plan.images[0];
    assert.equal(img?.outcome, 'ACT');
    assert.deepEqual(img?.includeResources, { amis: true, snapshots: false, containers: false });
    assert.deepEqual(
      img?.amis.map((a) => [a.id, a.outcome, a.reason]),
      [
        ['pub', 'SKIPPED', 'public AMI (exclusionRules.amis.isPublic)'],
        ['eu', 'SKIPPED', 'AMI in excluded region eu-1'],
        ['shared', 'SKIPPED', 'AMI shared with excluded account 333'],
        ['recent', 'SKIPPED', 'AMI launched within the last 1 WEEKS'],
        ['stale', 'ACT', 'DEPRECATE reaches this AMI'],
        ['tagged', 'SKIPPED', 'AMI carries excluded tag pin=1'],
        ['plain', 'ACT', 'DEPRECATE reaches this AMI'],
      ],
    );
  });
  it('keeps an image whose every AMI is excluded, and lets a later rule act', () => {
    const only = [ami({ id: 'pub', isPublic: true })];
    assert.deepEqual(outcomes(policy([rule]), [image(1, 5, { amis: only })]), { 1: 'SKIPPED' });
    assert.deepEqual(outcomes(policy([rule, age('DELETE', 1)]), [image(1, 5, { amis: only })]), {
      1: 'DELETE',
    });
  });
  it('marks AMIs UNTOUCHED when includeResources.amis is off', () => {
    const plan = planLifecycle(policy([count(1)]), [image(1, 1), image(2, 2)], NOW);
    assert.equal(plan.images[1]?.amis[0]?.outcome, 'UNTOUCHED');
    assert.equal(plan.counts.DELETE, 1);
    assert.equal(
      planLifecycle(policy([count(1)]), [image(1, 1), image(2, 2)], NOW, { omitKept: true }).images.length,
      1,
    );
  });
});
