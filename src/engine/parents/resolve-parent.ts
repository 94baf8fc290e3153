/**
 * Every kind of parent image (design.md §1): `debian:<suite>` (mmdebstrap tree), a Kiln image
 * ARN (exact build, or a version with wildcards → the newest AVAILABLE build the caller may
 * use), an image id `ami-…` (a built or imported image of this region), and `ssm:<name>`
 * (Kiln's parameter store, whose value is one of the two before). The chain followed is kept
 * (`via`) so the image records what each reference resolved to.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArn } from '../../core/arn.js';
import { invalidValue } from '../../core/errors.js';
import { compareVersions, type SemanticVersion } from '../../core/semver.js';
import type { ResourceRecord } from '../../store/store.js';
import { type BuildLookup, debianParentIdentity, type ParentTree, resolveParentTree } from '../resolve.js';
import { imageParentTree } from './image-tree.js';
import { type ParameterLookup, readParameter } from './parameter-record.js';

/** Store lookups parents need; the parameter store is optional (no `ssm:` parents without it). */
export type ParentLookup = BuildLookup & Partial<ParameterLookup>;

/** Whether `account` may build on `image` (its own, or shared by an image policy). */
export type ImageAccess = (image: ResourceRecord, account: string) => boolean;

/** Without a policy evaluator only the caller's own images can be parents. */
export const ownImagesOnly: ImageAccess = (image, account) => image.account === account;

export interface ParentScope {
  readonly lookup: ParentLookup;
  /** The caller: parameters and image ids are looked up in this account and region. */
  readonly account: string;
  readonly region: string;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly access?: ImageAccess | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

const DEBIAN = /^debian:/;
const AMI = /^ami-[0-9a-f]{8,17}$/;
const MAX_HOPS = 4;

const statusOf = (r: ResourceRecord) => (r.body.state as { status?: string } | undefined)?.status;
const versionOf = (r: ResourceRecord): SemanticVersion => {
  const [major, minor, patch] = r.versionKey.split('.').map(Number) as [number, number, number];
  return { major, minor, patch };
};

/** The newest AVAILABLE build matching an image ARN's version pattern (pure). */
export function newestAvailable(
  records: readonly ResourceRecord[],
  pattern: { major: number | 'x'; minor: number | 'x'; patch: number | 'x' },
): ResourceRecord | undefined {
  let best: ResourceRecord | undefined;
  for (const r of records) {
    if (statusOf(r) !== 'AVAILABLE') continue;
    const v = versionOf(r);
    if (pattern.major !== 'x' && pattern.major !== v.major) continue;
    if (pattern.minor !== 'x' && pattern.minor !== v.minor) continue;
    if (pattern.patch !== 'x' && pattern.patch !== v.patch) continue;
    const order = best ? compareVersions(v, versionOf(best)) : 1;
    if (!best || order > 0 || (order === 0 && r.build > best.build)) best = r;
  }
  return best;
}

async function byArn(arn: string, scope: ParentScope): Promise<ResourceRecord> {
  const parsed = parseArn(arn, 'parentImage');
  if (parsed.type !== 'image')
    throw invalidValue('parentImage', `'${arn}' is a ${parsed.type} ARN, not an image ARN.`);
  let record: ResourceRecord | undefined;
  if (parsed.build !== undefined) {
    record = await scope.lookup.getResource(arn);
    if (record && statusOf(record) !== 'AVAILABLE')
      throw invalidValue('parentImage', `the image '${arn}' is ${statusOf(record)}, not AVAILABLE.`);
  } else {
    const all = await scope.lookup.findByName(
      { account: parsed.account, region: parsed.region, type: 'image' },
      parsed.name,
    );
    const usable = all.filter((r) => (scope.access ?? ownImagesOnly)(r, scope.account));
    record = newestAvailable(usable, parsed.version ?? { major: 'x', minor: 'x', patch: 'x' });
  }
  if (!record || !(scope.access ?? ownImagesOnly)(record, scope.account)) {
    throw invalidValue(
      'parentImage',
      `'${arn}' matches no AVAILABLE image build that account ${scope.account} may use.`,
      'Build or import the image first, or share it with an image policy (PutImagePolicy).',
    );
  }
  return record;
}

/** An image id → its build ARN, from the region's image registry or the image's own directory. */
function arnOfImageId(id: string, scope: ParentScope): string | undefined {
  for (const file of [
    join(scope.dataDir, 'regions', scope.region, 'images', `${id}.json`),
    join(scope.dataDir, 'images', id, 'image.json'),
  ]) {
    if (!existsSync(file)) continue;
    const arn = (JSON.parse(readFileSync(file, 'utf8')) as { imageArn?: string }).imageArn;
    if (arn) return arn;
  }
  return undefined;
}

/** `ssm:…`, `ami-…` or an image ARN → the AVAILABLE image build it names, and the chain followed. */
export async function resolveImageReference(
  reference: string,
  scope: ParentScope,
  via: readonly string[] = [],
): Promise<{ record: ResourceRecord; via: readonly string[] }> {
  if (via.length > MAX_HOPS)
    throw invalidValue('parentImage', `'${via[0]}' refers through too many parameters.`);
  if (reference.startsWith('ssm:')) {
    const name = reference.slice('ssm:'.length);
    if (!scope.lookup.getDocument) throw invalidValue('parentImage', 'this engine has no parameter store.');
    const p = await readParameter(scope.lookup as ParameterLookup, scope.account, scope.region, name);
    if (!p) {
      throw invalidValue(
        'parentImage',
        `the parameter '${name}' does not exist in account ${scope.account}, region ${scope.region}.`,
        `Create it: kiln parameter put ${name} ami-… --type aws:ec2:image`,
      );
    }
    if (!AMI.test(p.value) && !p.value.startsWith('arn:'))
      throw invalidValue(
        'parentImage',
        `the parameter '${name}' holds '${p.value}', not an image id or image ARN.`,
      );
    return resolveImageReference(p.value, scope, [
      ...via,
      `${reference} = ${p.value} (version ${p.version})`,
    ]);
  }
  if (AMI.test(reference)) {
    const arn = arnOfImageId(reference, scope);
    if (!arn)
      throw invalidValue('parentImage', `no Kiln image has the id '${reference}' in ${scope.region}.`);
    return { record: await byArn(arn, scope), via: [...via, `${reference} = ${arn}`] };
  }
  if (reference.startsWith('arn:')) return { record: await byArn(reference, scope), via };
  throw invalidValue(
    'parentImage',
    `'${reference}' is not a parent Kiln can build from.`,
    'Use debian:<suite>, an image ARN (wildcards allowed: …:image/base/1.x.x), an image id ami-…, or ssm:<parameter>.',
  );
}

/** Any parent reference → a tree the instances stack, with its identity (key_0 of the build). */
export async function resolveParent(reference: string, scope: ParentScope): Promise<ParentTree> {
  if (DEBIAN.test(reference))
    return resolveParentTree(reference, {
      cacheDir: scope.cacheDir,
      signal: scope.signal,
      ...(scope.log ? { log: scope.log } : {}),
    });
  const { record, via } = await resolveImageReference(reference, scope);
  return imageParentTree(record, reference, via, scope);
}

/**
 * The control plane's ParentIdentityResolver for every kind of parent: a Debian suite → its
 * mirror state; `ssm:`, `ami-…` and image ARNs → the image build they resolve to now (so a new
 * build of the parent, or a parameter pointing elsewhere, is a change). `ssm:` and `ami-…` are
 * per account and region: without `scope` their identity is unknown (undefined).
 */
export function parentIdentity(options: {
  readonly lookup: ParentLookup;
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly access?: ImageAccess;
}) {
  const debian = debianParentIdentity(options.cacheDir);
  return {
    async identify(
      parentImage: string,
      signal?: AbortSignal,
      scope?: { readonly account: string; readonly region: string },
    ): Promise<string | undefined> {
      if (DEBIAN.test(parentImage)) return debian.identify(parentImage, signal);
      let where = scope;
      if (!where && parentImage.startsWith('arn:')) {
        const p = parseArn(parentImage, 'parentImage');
        where = { account: p.account, region: p.region };
      }
      if (!where) return undefined;
      try {
        return (await resolveImageReference(parentImage, { ...options, ...where, signal })).record.arn;
      } catch {
        return undefined;
      }
    },
  };
}
