/**
 * What a recipe resolves to right now: the parent image's identity and every component's build
 * ARN. The dependency-update schedule condition (api.md §5) compares this with what the
 * pipeline's last successful image used, and the build engine records the same resolution in
 * the image (`resolvedDependencies`), so both sides agree by construction.
 *
 * The choice among stored versions is pure (newestMatch); store lookups and the engine's
 * knowledge of parents outside the store (a Debian suite's mirror state, an `ssm:` parameter)
 * are passed in.
 */
import { type ParsedArn, parseArn } from '../../core/arn.js';
import { compareVersions, type VersionPattern } from '../../core/semver.js';
import type { ResourceRecord, ResourceScope } from '../../store/store.js';
import { nameKeyFor, versionOf } from '../resources.js';

export interface ResolvedDependencies {
  /** The parent's identity: an image build ARN, or what the ParentIdentityResolver said. */
  readonly parentImage?: string;
  /** Component build ARNs in recipe order. */
  readonly components: readonly string[];
}

/**
 * Identifies parents whose content lives outside the store; the build engine implements it.
 * For `debian:<suite>` the identity must change exactly when a build would see different
 * packages (e.g. the digests of the suite's InRelease files); for `ssm:<name>` it is the
 * parameter's value. Return undefined when the identity cannot be known now (then the
 * dependency check treats the parent as changed rather than skipping a needed build).
 */
export interface ParentIdentityResolver {
  identify(
    parentImage: string,
    signal?: AbortSignal,
    scope?: { readonly account: string; readonly region: string },
  ): Promise<string | undefined>;
}

/** The store lookups resolution needs (a Store satisfies it). */
export interface DependencyLookup {
  getResource(arn: string): Promise<ResourceRecord | undefined>;
  findByName(scope: ResourceScope, nameKey: string): Promise<ResourceRecord[]>;
}

const usableImage = (r: ResourceRecord): boolean =>
  (r.body.state as { status?: string } | undefined)?.status === 'AVAILABLE';

/**
 * The newest record matching a version pattern: highest version, then highest build. For
 * images only AVAILABLE builds count (api.md §3.2). Pure.
 */
export function newestMatch(
  records: readonly ResourceRecord[],
  pattern: VersionPattern | undefined,
  usable: (r: ResourceRecord) => boolean = () => true,
): ResourceRecord | undefined {
  const p = pattern ?? { major: 'x', minor: 'x', patch: 'x' };
  let best: ResourceRecord | undefined;
  for (const r of records) {
    if (!usable(r)) continue;
    const v = versionOf(r);
    if (p.major !== 'x' && p.major !== v.major) continue;
    if (p.minor !== 'x' && p.minor !== v.minor) continue;
    if (p.patch !== 'x' && p.patch !== v.patch) continue;
    const order = best ? compareVersions(v, versionOf(best)) : 1;
    if (!best || order > 0 || (order === 0 && r.build > best.build)) best = r;
  }
  return best;
}

async function resolveArn(
  lookup: DependencyLookup,
  parsed: ParsedArn,
  arn: string,
  usable?: (r: ResourceRecord) => boolean,
): Promise<string | undefined> {
  if (parsed.build !== undefined) return (await lookup.getResource(arn))?.arn;
  const records = await lookup.findByName(
    { account: parsed.account, region: parsed.region, type: parsed.type },
    nameKeyFor(parsed),
  );
  return newestMatch(records, parsed.version, usable)?.arn;
}

/** Resolves a recipe body's parent image and components as a build starting now would. */
export async function resolveDependencies(
  lookup: DependencyLookup,
  recipe: Readonly<Record<string, unknown>>,
  parents?: ParentIdentityResolver,
): Promise<ResolvedDependencies> {
  const components: string[] = [];
  for (const c of (recipe.components as { componentArn: string }[] | undefined) ?? []) {
    const parsed = parseArn(c.componentArn, 'componentArn');
    components.push((await resolveArn(lookup, parsed, c.componentArn)) ?? `unresolved:${c.componentArn}`);
  }
  const parentText = String(recipe.parentImage ?? '');
  let parentImage: string | undefined;
  if (parentText.startsWith('arn:')) {
    parentImage = await resolveArn(lookup, parseArn(parentText, 'parentImage'), parentText, usableImage);
  } else if (/^ami-[0-9a-f]+$/.test(parentText)) {
    parentImage = parentText; // a fixed imported image never changes
  } else if (parentText !== '') {
    // `ssm:` names are per account and region: the recipe's own ARN says whose.
    const recipeArn = typeof recipe.arn === 'string' ? recipe.arn : undefined;
    const scope = recipeArn ? parseArn(recipeArn, 'recipe') : undefined;
    parentImage = await parents?.identify(
      parentText,
      undefined,
      scope ? { account: scope.account, region: scope.region } : undefined,
    );
  }
  return parentImage === undefined ? { components } : { parentImage, components };
}

/**
 * Whether a scheduled run with the dependency-update condition should build: yes when there
 * is no previous successful image (or it recorded nothing), when a parent identity is unknown
 * on either side, or when anything differs. Pure.
 */
export function dependenciesChanged(
  previous: ResolvedDependencies | undefined,
  current: ResolvedDependencies,
): boolean {
  if (!previous) return true;
  if (previous.parentImage === undefined || current.parentImage === undefined) return true;
  if (previous.parentImage !== current.parentImage) return true;
  if (previous.components.length !== current.components.length) return true;
  return previous.components.some((arn, i) => arn !== current.components[i]);
}
