import { matchesPattern, parseVersion, parseVersionPattern, type VersionPattern } from '../core/semver.js';
import type { LifecycleImage, LifecyclePolicyInput } from './types.js';

/** True when `tags` carries at least one of the `wanted` key/value pairs. */
export function hasAnyTag(
  tags: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>> | undefined,
): boolean {
  if (!wanted) return false;
  for (const key in wanted) {
    if (Object.hasOwn(tags, key) && tags[key] === wanted[key]) return true;
  }
  return false;
}

/** The first of `wanted`'s pairs that `tags` carries, as `key=value`, for reasons. */
export function matchedTag(
  tags: Readonly<Record<string, string>>,
  wanted: Readonly<Record<string, string>> | undefined,
): string | undefined {
  for (const key in wanted ?? {}) {
    if (Object.hasOwn(tags, key) && tags[key] === wanted?.[key]) return `${key}=${tags[key]}`;
  }
  return undefined;
}

/**
 * The policy's `resourceSelection` (and resource type) compiled once into a predicate. Recipe
 * versions are matched against the wildcard patterns at every planning run, so a new recipe
 * version joins the scope without editing the policy. A recipe version that is not a valid
 * semantic version never matches a pattern.
 */
export function compileSelection(policy: LifecyclePolicyInput): (image: LifecycleImage) => boolean {
  const wantType = policy.resourceType === 'CONTAINER_IMAGE' ? 'DOCKER' : 'AMI';
  const typeOk = (image: LifecycleImage) => image.type === undefined || image.type === wantType;
  const recipes = policy.resourceSelection.recipes ?? [];
  if (recipes.length === 0) {
    const tagMap = policy.resourceSelection.tagMap;
    return (image) => typeOk(image) && hasAnyTag(image.tags, tagMap);
  }
  const byName = new Map<string, VersionPattern[]>();
  for (const [i, r] of recipes.entries()) {
    const pattern = parseVersionPattern(r.semanticVersion, `resourceSelection.recipes[${i}].semanticVersion`);
    byName.set(r.name, [...(byName.get(r.name) ?? []), pattern]);
  }
  const versionCache = new Map<string, boolean>();
  return (image) => {
    if (!typeOk(image)) return false;
    const patterns = byName.get(image.recipeName);
    if (!patterns) return false;
    const key = `${image.recipeName}\u0000${image.recipeVersion}`;
    let hit = versionCache.get(key);
    if (hit === undefined) {
      hit = matchesAny(image.recipeVersion, patterns);
      versionCache.set(key, hit);
    }
    return hit;
  };
}

function matchesAny(version: string, patterns: readonly VersionPattern[]): boolean {
  let v: ReturnType<typeof parseVersion>;
  try {
    v = parseVersion(version);
  } catch {
    return false;
  }
  return patterns.some((p) => matchesPattern(v, p));
}
