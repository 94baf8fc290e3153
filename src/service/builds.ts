import { type ArnParts, formatArn, type ResourceType } from '../core/arn.js';
import { KilnError } from '../core/errors.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, Input, ServiceDeps } from './context.js';
import { listPage } from './pagination.js';
import { initialTags, resolveVersioned } from './resources.js';

/** dryRun on CreateComponent/CreateWorkflow: valid requests answer 412 and create nothing. */
export function stopIfDryRun(input: Input): void {
  if (input.dryRun) {
    throw new KilnError(
      'DryRunOperationException',
      'The request is valid; dryRun was set, so nothing was created.',
    );
  }
}

export interface NewBuild {
  readonly type: ResourceType;
  readonly nameKey: string;
  readonly versionKey: string;
  /** The ARN of the build, without its number. */
  readonly arn: Omit<ArnParts, 'build'>;
  readonly tags: Record<string, string> | undefined;
  readonly body: (arn: string, now: number) => Record<string, unknown>;
}

/**
 * Stores the next build of a name+version (`…/1.0.0/1`, `/2`, …) in one transaction, so
 * concurrent creates of the same version get distinct build numbers. Returns the build ARN.
 */
export async function insertNextBuild(deps: ServiceDeps, ctx: CallContext, b: NewBuild): Promise<string> {
  return deps.store.transaction(async (store) => {
    const siblings = await store.findByName(
      { account: ctx.account, region: ctx.region, type: b.type },
      b.nameKey,
    );
    const build =
      siblings.filter((r) => r.versionKey === b.versionKey).reduce((max, r) => Math.max(max, r.build), 0) + 1;
    const arn = formatArn({ ...b.arn, build });
    const now = deps.clock.now();
    await store.insert(
      {
        arn,
        account: ctx.account,
        region: ctx.region,
        type: b.type,
        nameKey: b.nameKey,
        versionKey: b.versionKey,
        build,
        body: b.body(arn, now),
        tags: initialTags(b.tags),
        policy: undefined,
        dateCreated: now,
        dateUpdated: now,
      },
      [],
    );
    return arn;
  });
}

export interface BuildListing<T> {
  readonly type: ResourceType;
  /** The optional version ARN member (`componentVersionArn`…) and its value. */
  readonly member: string;
  readonly versionArn: string | undefined;
  readonly action: string;
  /** `version`: exact version ARNs only; `any`: wildcards too. */
  readonly levels: 'version' | 'any';
  readonly input: Input;
  readonly keep?: (r: ResourceRecord) => boolean;
  readonly map: (r: ResourceRecord) => T;
}

/** List*BuildVersions: every build of one version, or of all the caller's resources. */
export async function listBuilds<T>(deps: ServiceDeps, ctx: CallContext, l: BuildListing<T>) {
  let scope: { account: string; nameKey?: string; versionKey?: string } = { account: ctx.account };
  if (l.versionArn) {
    const r = await resolveVersioned(deps, ctx, l.versionArn, l.member, {
      type: l.type,
      action: l.action,
      levels: l.levels,
    });
    scope = { account: r.account, nameKey: r.nameKey, versionKey: r.versionKey };
  }
  return listPage({
    store: deps.store,
    operation: ctx.operation,
    selectors: [l.versionArn, l.input.filters],
    query: { ...scope, region: ctx.region, type: l.type },
    maxResults: l.input.maxResults,
    nextToken: l.input.nextToken,
    keep: l.keep ?? (() => true),
    map: l.map,
  });
}
