/**
 * Resolve (design.md §2 step 1): a recipe's references → exact component builds with their
 * documents and parameters, and the parent reference → a root tree with an identity. The
 * control plane's dependency-update check calls `resolveComponentBuilds` and
 * `debianParentIdentity` too, so a scheduled run and the build agree on what "changed" means.
 */
import { statSync } from 'node:fs';
import { parseArn } from '../core/arn.js';
import { KilnError, invalidValue } from '../core/errors.js';
import { compareVersions, type SemanticVersion } from '../core/semver.js';
import type { ImageLayer } from '../images/oci.js';
import { ensureDebianParent } from '../images/parents/debian.js';
import type { ResourceRecord, ResourceScope } from '../store/store.js';
import type { ResolvedComponent, ResolvedParent } from './plan.js';

/** The store lookups resolution needs (a Store satisfies it). */
export interface BuildLookup {
  getResource(arn: string): Promise<ResourceRecord | undefined>;
  findByName(scope: ResourceScope, nameKey: string): Promise<ResourceRecord[]>;
}

/** A parent resolved to a tree the instances can use as their lowest layer. */
export interface ParentTree extends ResolvedParent {
  /** Read-only lower dirs, top first (one for a Debian tree). */
  readonly lowerDirs: readonly string[];
  /** What a step with network can see: the package mirror's state. */
  readonly mirrorState: string;
  /** Clamp for layer mtimes: after everything the parent shipped, before anything a build makes. */
  readonly sourceDateEpoch: number;
  /** For the base layer's cache: the parent tree's own key. */
  readonly treeKey: string;
  /** An image parent's own layers, bottom first: the child image starts with them (no base layer). */
  readonly layers?: readonly ImageLayer[];
  /** How the reference was followed (`ssm:/base = ami-… (version 2)`, `ami-… = arn…`). */
  readonly via?: readonly string[];
}

const versionOf = (r: ResourceRecord): SemanticVersion => {
  const [major, minor, patch] = r.versionKey.split('.').map(Number) as [number, number, number];
  return { major, minor, patch };
};

/** The build an ARN names: an exact build, or the newest build of the newest matching version. */
export async function resolveBuildArn(
  lookup: BuildLookup,
  arn: string,
  member: string,
): Promise<ResourceRecord> {
  const parsed = parseArn(arn, member);
  let found: ResourceRecord | undefined;
  if (parsed.build !== undefined) found = await lookup.getResource(arn);
  else {
    const records = await lookup.findByName(
      { account: parsed.account, region: parsed.region, type: parsed.type },
      parsed.name,
    );
    const p = parsed.version ?? { major: 'x', minor: 'x', patch: 'x' };
    for (const r of records) {
      const v = versionOf(r);
      if ((p.major !== 'x' && p.major !== v.major) || (p.minor !== 'x' && p.minor !== v.minor)) continue;
      if (p.patch !== 'x' && p.patch !== v.patch) continue;
      const order = found ? compareVersions(v, versionOf(found)) : 1;
      if (!found || order > 0 || (order === 0 && r.build > found.build)) found = r;
    }
  }
  if (!found) throw invalidValue(member, `'${arn}' matches no ${parsed.type} build.`);
  return found;
}

/** The recipe's components, each resolved to one build with its document and parameters, in order. */
export async function resolveComponentBuilds(
  lookup: BuildLookup,
  recipe: Readonly<Record<string, unknown>>,
): Promise<ResolvedComponent[]> {
  const refs =
    (recipe.components as { componentArn: string; parameters?: { name: string; value: string[] }[] }[]) ?? [];
  const out: ResolvedComponent[] = [];
  for (const [i, ref] of refs.entries()) {
    const record = await resolveBuildArn(lookup, ref.componentArn, `components[${i}].componentArn`);
    const data = record.body.data;
    if (typeof data !== 'string')
      throw new KilnError('ServiceException', `component ${record.arn} has no document data`);
    out.push(
      Object.freeze({
        arn: record.arn,
        reference: ref.componentArn,
        name: String(record.body.name ?? record.nameKey),
        data,
        parameters: (ref.parameters ?? []).map((p) => ({ name: p.name, value: [...p.value] })),
      }),
    );
  }
  return out;
}

const DEBIAN = /^debian:([a-z][a-z0-9.-]*)$/;

/**
 * The parent's identity, as the control plane's ParentIdentityResolver wants it: for
 * `debian:<suite>`, the suite at the mirror's current state (it changes exactly when apt would
 * see new packages). Ensures the tree, which a build starting next would need anyway.
 */
export function debianParentIdentity(cacheDir: string) {
  return {
    async identify(parentImage: string, signal?: AbortSignal): Promise<string | undefined> {
      if (!DEBIAN.test(parentImage)) return undefined;
      try {
        return (await resolveParentTree(parentImage, { cacheDir, signal })).resolved;
      } catch {
        return undefined;
      }
    },
  };
}

export interface ParentOptions {
  readonly cacheDir: string;
  readonly signal?: AbortSignal | undefined;
  readonly log?: (line: string) => void;
}

/** `debian:<suite>` → the cached mmdebstrap tree (built on first use); other parents: parents/resolve-parent.ts. */
export async function resolveParentTree(reference: string, options: ParentOptions): Promise<ParentTree> {
  const suite = DEBIAN.exec(reference)?.[1];
  if (suite === undefined) {
    throw invalidValue(
      'parentImage',
      `'${reference}' is not a Debian suite.`,
      'Use debian:<suite> (e.g. debian:bookworm); resolveParent handles image ARNs, ami-… ids and ssm: parameters.',
    );
  }
  const tree = await ensureDebianParent({
    suite,
    cacheDir: options.cacheDir,
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.log ? { log: options.log } : {}),
  });
  return Object.freeze({
    reference,
    resolved: `${reference}@mirror:${tree.mirrorState}`,
    digest: `sha256:${tree.key}`,
    lowerDirs: [tree.rootDir],
    mirrorState: tree.mirrorState,
    sourceDateEpoch: Math.floor(statSync(tree.rootDir).mtimeMs / 1000),
    treeKey: tree.key,
  });
}
