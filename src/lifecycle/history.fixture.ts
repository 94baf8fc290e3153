/**
 * A generated history of 200 image build versions and a policy over it, with a deliberately
 * naive reference: every decision recomputed per image by counting newer siblings (quadratic,
 * no sorting, no grouping), straight from the wording of api.md §6. Shared by the planner's
 * test and the executor's test (which writes the same history into a real store).
 */
import type { LifecycleImage, LifecyclePolicyInput } from './types.js';

export const DAY = 86_400_000;
export const NOW = Date.UTC(2026, 5, 15);

export function history(): LifecycleImage[] {
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

export const POLICY: LifecyclePolicyInput = {
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

/** Naive reference, one image at a time: image ARN → DEPRECATE, DISABLE, DELETE, SKIPPED or KEEP. */
export function expected(images: LifecycleImage[]): Record<string, string> {
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
