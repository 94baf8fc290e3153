import { KilnError } from '../core/errors.js';
import type { ResourceType } from '../core/arn.js';
import type { ResourceRecord } from '../store/store.js';
import type { CallContext, ServiceDeps } from './context.js';
import { pageOfArray, listPage } from './pagination.js';
import { policyAllows } from './policies.js';
import { sortKeyOf } from '../store/store.js';

export type Owner = 'Self' | 'Shared' | 'Amazon' | 'ThirdParty' | 'AWSMarketplace';

export interface OwnedListing<T> {
  readonly deps: ServiceDeps;
  readonly ctx: CallContext;
  readonly type: ResourceType;
  readonly owner: Owner | undefined;
  readonly listAction: string;
  readonly latestBuildsOnly: boolean;
  readonly selectors: unknown;
  readonly maxResults: number | undefined;
  readonly nextToken: string | undefined;
  readonly keep: (r: ResourceRecord) => boolean;
  readonly map: (r: ResourceRecord) => T;
  readonly nameKey?: string;
  /**
   * Images: other accounts' resources are also shared with the caller when their launch grants
   * (src/store/grants.ts) name one of `grantees` and `granted` confirms it.
   */
  readonly launchGrants?: {
    readonly grantees: readonly string[];
    readonly granted: (r: ResourceRecord) => boolean;
  };
}

/**
 * Lists by `owner`: Self (the caller's account), Shared (other accounts' resources whose policy
 * grants the caller the List action, and for images those whose AMIs it may launch). Kiln ships no Amazon, third-party or Marketplace
 * resources, so those owners list nothing.
 */
export async function listByOwner<T>(l: OwnedListing<T>): Promise<{ items: T[]; nextToken?: string }> {
  const owner = l.owner ?? 'Self';
  if (owner === 'Self') {
    return listPage({
      store: l.deps.store,
      operation: l.ctx.operation,
      selectors: l.selectors,
      query: {
        account: l.ctx.account,
        region: l.ctx.region,
        type: l.type,
        latestBuildsOnly: l.latestBuildsOnly,
        ...(l.nameKey !== undefined ? { nameKey: l.nameKey } : {}),
      },
      maxResults: l.maxResults,
      nextToken: l.nextToken,
      keep: l.keep,
      map: l.map,
    });
  }
  if (owner === 'Shared') {
    const shared = (
      await l.deps.store.listWithPolicies(
        { region: l.ctx.region, type: l.type },
        l.ctx.account,
        l.launchGrants?.grantees ?? [],
      )
    ).filter(
      (r) =>
        (!l.latestBuildsOnly || r.latestBuild) &&
        (l.nameKey === undefined || r.nameKey === l.nameKey) &&
        (policyAllows(r.policy, r.type, l.ctx.account, l.listAction) ||
          l.launchGrants?.granted(r) === true) &&
        l.keep(r),
    );
    const sorted = shared
      .map((r) => ({ sortKey: `${r.account}\u0001${sortKeyOf(r)}`, item: l.map(r) }))
      .sort((a, b) => (a.sortKey < b.sortKey ? -1 : a.sortKey > b.sortKey ? 1 : 0));
    return pageOfArray(l.deps.store, l.ctx.operation, l.selectors, sorted, l.maxResults, l.nextToken);
  }
  if (owner === 'Amazon' || owner === 'ThirdParty' || owner === 'AWSMarketplace') return { items: [] };
  throw new KilnError(
    'InvalidParameterValueException',
    `The value supplied for parameter 'owner' is not valid.`,
  );
}
