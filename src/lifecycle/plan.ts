/**
 * planLifecycle: what one execution of a lifecycle policy does to each image (api.md §6).
 * Pure: images and time come in, a plan comes out; the executor and `kiln lifecycle preview`
 * both start from it.
 */
import { compileAmiPlanner } from './amis.js';
import { compileRule, isFailedBuild, type RuleVerdicts } from './rule.js';
import { compileSelection } from './select.js';
import type {
  AmiPlan,
  ImagePlan,
  LifecycleAmi,
  LifecycleActionType,
  LifecycleImage,
  LifecycleIncludeResources,
  LifecyclePlan,
  LifecyclePolicyInput,
} from './types.js';

export interface PlanLifecycleOptions {
  /** Leave KEEP images out of `images` (the executor needs only what changes). */
  readonly omitKept?: boolean;
}

/** Non-terminal build states: such images are left alone until the build ends. */
const BUILDING = new Set(['PENDING', 'CREATING', 'BUILDING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING']);
const ORDER: readonly LifecycleActionType[] = ['DEPRECATE', 'DISABLE', 'DELETE'];
/** How far along retirement a status is; an action applies only when it moves the image on. */
const RANK: Readonly<Record<string, number>> = { DEPRECATED: 1, DISABLED: 2, DELETED: 3 };
const TARGET: Readonly<Record<LifecycleActionType, number>> = { DEPRECATE: 1, DISABLE: 2, DELETE: 3 };
const IN_USE = "a launch template's default version points at this image";
const NO_INCLUDES = Object.freeze({ amis: false, snapshots: false, containers: false });

/** One policy rule, evaluated over every recipe version before any image is decided. */
interface CompiledRule {
  readonly type: LifecycleActionType;
  readonly verdicts: RuleVerdicts;
  readonly amis: (amis: readonly LifecycleAmi[]) => AmiPlan[];
  readonly includeResources: Required<LifecycleIncludeResources>;
}

/** Newest first; the ARN breaks ties so the plan never depends on input order. */
const newestFirst = (a: LifecycleImage, b: LifecycleImage) =>
  b.dateCreated - a.dateCreated || (a.arn < b.arn ? 1 : a.arn > b.arn ? -1 : 0);

export function planLifecycle(
  policy: LifecyclePolicyInput,
  images: readonly LifecycleImage[],
  now: number,
  options: PlanLifecycleOptions = {},
): LifecyclePlan {
  const selected = compileSelection(policy);
  const building: string[] = [];
  const live: LifecycleImage[] = [];
  for (const image of images) {
    if (!selected(image) || image.status === 'DELETED') continue;
    if (BUILDING.has(image.status)) building.push(image.arn);
    else live.push(image);
  }
  live.sort(newestFirst);
  building.sort();

  const groups = groupByRecipeVersion(live);
  const details = ORDER.flatMap((type) => policy.policyDetails.filter((d) => d.action.type === type));
  const rules: CompiledRule[] = details.map((detail) => {
    const verdicts: RuleVerdicts = { eligible: new Uint8Array(live.length), reasons: new Array(live.length) };
    const run = compileRule(detail, now);
    for (const group of groups) run(group, live, verdicts);
    const inc = detail.action.includeResources;
    return {
      type: detail.action.type,
      verdicts,
      amis: compileAmiPlanner(detail, now),
      includeResources: Object.freeze({
        amis: inc?.amis === true,
        snapshots: inc?.snapshots === true,
        containers: inc?.containers === true,
      }),
    };
  });

  const counts = { DEPRECATE: 0, DISABLE: 0, DELETE: 0, SKIPPED: 0, KEEP: 0 };
  const planned: ImagePlan[] = [];
  for (let i = 0; i < live.length; i++) {
    const plan = decide(live[i] as LifecycleImage, i, rules);
    counts[plan.outcome === 'ACT' ? (plan.action as LifecycleActionType) : plan.outcome]++;
    if (plan.outcome !== 'KEEP' || !options.omitKept) planned.push(plan);
  }
  return { policyArn: policy.arn, images: planned, building, counts };
}

/** Indices into `live` per recipe version, each list newest first. */
function groupByRecipeVersion(live: readonly LifecycleImage[]): number[][] {
  const groups = new Map<string, number[]>();
  for (let i = 0; i < live.length; i++) {
    const image = live[i] as LifecycleImage;
    const key = `${image.recipeName}\u0000${image.recipeVersion}`;
    const group = groups.get(key);
    if (group) group.push(i);
    else groups.set(key, [i]);
  }
  return [...groups.values()];
}

/**
 * The first rule, in priority order, that selects the image and moves it on acts; one action per
 * image per run. A rule whose every AMI is excluded does not use up the image's action, so a
 * later rule may still act; if none does the image is SKIPPED with the AMIs' reasons.
 */
function decide(image: LifecycleImage, i: number, rules: readonly CompiledRule[]): ImagePlan {
  const why: string[] = [];
  let skipped: ImagePlan | undefined;
  const rank = isFailedBuild(image.status) ? 0 : (RANK[image.status] ?? 0);
  for (const rule of rules) {
    const { type, verdicts: verdict, includeResources } = rule;
    const reason = verdict.reasons[i] as string;
    if (!verdict.eligible[i]) {
      why.push(`${type}: ${reason}`);
      continue;
    }
    if (rank >= TARGET[type]) {
      why.push(`${type}: already ${image.status}`);
      continue;
    }
    const amis = rule.amis(image.amis);
    if (type === 'DELETE' && image.inUseByLaunchTemplate) {
      return { arn: image.arn, outcome: 'SKIPPED', action: type, reason: IN_USE, includeResources, amis };
    }
    if (amis.length > 0 && amis.every((a) => a.outcome === 'SKIPPED')) {
      const text = `${type}: every AMI is excluded by the rule's AMI exclusions`;
      why.push(text);
      skipped ??= { arn: image.arn, outcome: 'SKIPPED', action: type, reason: text, includeResources, amis };
      continue;
    }
    return { arn: image.arn, outcome: 'ACT', action: type, reason: reason, includeResources, amis };
  }
  if (skipped) return skipped;
  return { arn: image.arn, outcome: 'KEEP', reason: why.join('; '), includeResources: NO_INCLUDES, amis: [] };
}
