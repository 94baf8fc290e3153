import { type ParsedArn, parseArn, type ResourceType } from '../core/arn.js';
import { KilnError, notFound } from '../core/errors.js';
import { compareVersions, parseVersion, type SemanticVersion, versionSortKey } from '../core/semver.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, ServiceDeps } from './context.js';
import { policyAllows } from './policies.js';

/** Human names of resource types, for messages. */
export const TYPE_LABEL: Record<ResourceType, string> = {
  component: 'component',
  'image-recipe': 'image recipe',
  'container-recipe': 'container recipe',
  'infrastructure-configuration': 'infrastructure configuration',
  'distribution-configuration': 'distribution configuration',
  'image-pipeline': 'image pipeline',
  image: 'image',
  workflow: 'workflow',
  'lifecycle-policy': 'lifecycle policy',
};

/** The version stored in a record, parsed back from its sortable key. */
export const versionOf = (r: ResourceRecord): SemanticVersion => {
  const [major, minor, patch] = r.versionKey.split('.').map(Number) as [number, number, number];
  return { major, minor, patch };
};

export const nameKeyFor = (parsed: ParsedArn): string =>
  parsed.type === 'workflow' ? `${parsed.workflowType}/${parsed.name}` : parsed.name;

function expectType(parsed: ParsedArn, type: ResourceType, member: string, arn: string) {
  if (parsed.type !== type) {
    throw new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter '${member}' is not valid. '${arn}' is a ${TYPE_LABEL[parsed.type] ?? parsed.type} ARN, not a ${TYPE_LABEL[type]} ARN.`,
    );
  }
}

/** Whether the caller may read a record: its own, or shared with it by a resource policy. */
export function canRead(ctx: CallContext, record: ResourceRecord, action: string): boolean {
  return record.account === ctx.account || policyAllows(record.policy, record.type, ctx.account, action);
}

export interface ResolveOptions {
  readonly type: ResourceType;
  /** The IAM action checked against resource policies of other accounts' resources. */
  readonly action: string;
  /** Which ARN levels the member accepts. */
  readonly levels: 'build' | 'version' | 'any';
}

/**
 * Resolves a versioned ARN (build, version or wildcard) to one stored record the caller may
 * read: the newest matching version, then its newest build. Pure lookup, no side effects.
 */
export async function resolveVersioned(
  deps: ServiceDeps,
  ctx: CallContext,
  arn: string,
  member: string,
  opts: ResolveOptions,
): Promise<ResourceRecord> {
  const parsed = parseArn(arn, member);
  expectType(parsed, opts.type, member, arn);
  const hasBuild = parsed.build !== undefined;
  const isWildcard = parsed.version !== undefined && parsed.version.patch === 'x';
  if (opts.levels === 'build' && !hasBuild) {
    throw new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter '${member}' is not valid. '${arn}' must be a build version ARN (…/1.0.0/1).`,
    );
  }
  if (opts.levels === 'version' && (hasBuild || isWildcard || !parsed.version)) {
    throw new KilnError(
      'InvalidParameterValueException',
      `The value supplied for parameter '${member}' is not valid. '${arn}' must be a version ARN (…/1.0.0) without a build number or wildcard.`,
    );
  }
  if (hasBuild) {
    const record = await deps.store.getResource(arn);
    if (!record || record.region !== ctx.region || !canRead(ctx, record, opts.action)) {
      throw notFound(TYPE_LABEL[opts.type], arn);
    }
    return record;
  }
  const candidates = (
    await deps.store.findByName(
      { account: parsed.account, region: parsed.region, type: opts.type },
      nameKeyFor(parsed),
    )
  ).filter((r) => r.region === ctx.region && canRead(ctx, r, opts.action));
  const pattern = parsed.version ?? { major: 'x', minor: 'x', patch: 'x' };
  let best: ResourceRecord | undefined;
  for (const r of candidates) {
    const v = versionOf(r);
    const ok =
      (pattern.major === 'x' || pattern.major === v.major) &&
      (pattern.minor === 'x' || pattern.minor === v.minor) &&
      (pattern.patch === 'x' || pattern.patch === v.patch);
    if (!ok) continue;
    if (
      !best ||
      compareVersions(v, versionOf(best)) > 0 ||
      (r.versionKey === best.versionKey && r.build > best.build)
    ) {
      best = r;
    }
  }
  if (!best)
    throw notFound(TYPE_LABEL[opts.type], arn, 'No version matches; list the versions to see what exists.');
  return best;
}

/** Looks up an unversioned resource (or an exact ARN) the caller owns. */
export async function getOwned(
  deps: ServiceDeps,
  ctx: CallContext,
  arn: string,
  member: string,
  type: ResourceType,
): Promise<ResourceRecord> {
  const parsed = parseArn(arn, member);
  expectType(parsed, type, member, arn);
  const record = await deps.store.getResource(arn);
  if (!record || record.account !== ctx.account || record.region !== ctx.region)
    throw notFound(TYPE_LABEL[type], arn);
  return record;
}

/** Parses `semanticVersion` and returns its sortable key. */
export function versionKeyOf(semanticVersion: string, member = 'semanticVersion') {
  const version = parseVersion(semanticVersion, member);
  return { version, versionKey: versionSortKey(version) };
}

/** Tags given on Create: a copy, or an empty map. */
export const initialTags = (tags: Record<string, string> | undefined): Record<string, string> => ({
  ...(tags ?? {}),
});

/** Drops undefined members so stored bodies match what the API returns. */
export function compact<T extends Record<string, unknown>>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = v;
  return out as T;
}
