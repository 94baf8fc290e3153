/**
 * The security read operations over what builds stored (src/engine/scan.ts): ListImagePackages
 * from the inventory CollectImageMetadata recorded; ListImageScanFindings and
 * ListImageScanFindingAggregations from the findings CollectImageScanFindings stored per image.
 */
import { KilnError } from '../core/errors.js';
import { readStoredFindings, readStoredInventory, storedInventoryOf, storedScanOf } from '../engine/scan.js';
import type { InstalledPackage } from '../scanner/dpkg-status.js';
import type { CallContext, Handler, ServiceDeps } from './context.js';
import { decodeToken, encodeToken, pageSize } from './pagination.js';
import { resolveVersioned } from './resources.js';

const READ = 'imagebuilder:GetImage';

/** One page of `items` from `offset`; the next offset when more remain (pure). */
export function pageAt<T>(items: readonly T[], offset: number, size: number): { page: T[]; next?: number } {
  const page = items.slice(offset, offset + size);
  const next = offset + size;
  return next < items.length ? { page, next } : { page };
}

/** The service's package entry (ImagePackage): name and version as dpkg records them. */
export const imagePackageOf = (pkg: InstalledPackage) => ({
  packageName: pkg.name,
  packageVersion: pkg.version,
});

const listImagePackages: Handler = async (deps, ctx, input) => {
  const arn = input.imageBuildVersionArn as string;
  const record = await resolveVersioned(deps, ctx, arn, 'imageBuildVersionArn', {
    type: 'image',
    action: READ,
    levels: 'build',
  });
  const stored = storedInventoryOf(record.body);
  const packages = stored ? (await readStoredInventory(stored)).packages : [];
  const selectors = { arn: record.arn };
  const after = await decodeToken(deps.store, ctx.operation, selectors, input.nextToken);
  const offset = after === undefined ? 0 : Number(after);
  const { page, next } = pageAt(packages, offset, pageSize(input.maxResults));
  return {
    requestId: ctx.requestId,
    imagePackageList: page.map(imagePackageOf),
    ...(next === undefined
      ? {}
      : { nextToken: await encodeToken(deps.store, ctx.operation, selectors, String(next)) }),
  };
};

export type Row = Record<string, unknown>;
const FINDING_FILTERS = ['imageBuildVersionArn', 'imagePipelineArn', 'vulnerabilityId', 'severity'] as const;

/** The member of a finding row a filter name compares (pure). */
export function findingKey(row: Row, name: string): string | undefined {
  if (name === 'vulnerabilityId')
    return (row.packageVulnerabilityDetails as { vulnerabilityId?: string } | undefined)?.vulnerabilityId;
  const value = row[name];
  return typeof value === 'string' ? value : undefined;
}

/** Every stored finding row of the caller's images in this region, image by image. */
async function accountFindings(deps: ServiceDeps, ctx: CallContext): Promise<Row[]> {
  const rows: Row[] = [];
  let after: string | undefined;
  for (;;) {
    const batch = await deps.store.list({
      account: ctx.account,
      region: ctx.region,
      type: 'image',
      limit: 200,
      ...(after === undefined ? {} : { afterSortKey: after }),
    });
    for (const { record } of batch) {
      const stored = storedScanOf(record.body);
      if (stored) rows.push(...(await readStoredFindings(stored)));
    }
    if (batch.length < 200) return rows;
    after = batch.at(-1)?.sortKey;
  }
}

const badFilter = (member: string, detail: string, hint: string) =>
  new KilnError(
    'InvalidParameterValueException',
    `The value supplied for parameter '${member}' is not valid. ${detail}`,
    {
      hint,
    },
  );

const listImageScanFindings: Handler = async (deps, ctx, input) => {
  const filters = (input.filters ?? []) as { name?: string; values?: string[] }[];
  const filter = filters[0];
  if (filter && !FINDING_FILTERS.includes(filter.name as (typeof FINDING_FILTERS)[number]))
    throw badFilter(
      'filters[0].name',
      `'${filter.name}' is not a filter.`,
      `Use one of ${FINDING_FILTERS.join(', ')}.`,
    );
  const values = new Set(filter?.values ?? []);
  const rows = (await accountFindings(deps, ctx)).filter(
    (row) => !filter || values.has(findingKey(row, filter.name as string) ?? ''),
  );
  const selectors = { filters };
  const after = await decodeToken(deps.store, ctx.operation, selectors, input.nextToken);
  const { page, next } = pageAt(rows, after === undefined ? 0 : Number(after), pageSize(input.maxResults));
  return {
    requestId: ctx.requestId,
    findings: page,
    ...(next === undefined
      ? {}
      : { nextToken: await encodeToken(deps.store, ctx.operation, selectors, String(next)) }),
  };
};

/** SeverityCounts of finding rows: all, critical, high, medium (pure). */
export function severityCounts(rows: readonly Row[]) {
  const count = (s: string) => rows.filter((r) => r.severity === s).length;
  return { all: rows.length, critical: count('CRITICAL'), high: count('HIGH'), medium: count('MEDIUM') };
}

const AGGREGATIONS: Record<string, { member: string; key: string }> = {
  accountId: { member: 'accountAggregation', key: 'accountId' },
  imageBuildVersionArn: { member: 'imageAggregation', key: 'imageBuildVersionArn' },
  imagePipelineArn: { member: 'imagePipelineAggregation', key: 'imagePipelineArn' },
  vulnerabilityId: { member: 'vulnerabilityIdAggregation', key: 'vulnerabilityId' },
};

/**
 * The aggregations of finding rows (pure). No filter: one for the account. A filter names the
 * grouping; its values pick the groups (one aggregation per value, in the order given).
 */
export function aggregate(
  rows: readonly Row[],
  account: string,
  filter?: { name: string; values: string[] },
) {
  const name = filter?.name ?? 'accountId';
  const how = AGGREGATIONS[name];
  if (!how)
    throw badFilter(
      'filter.name',
      `'${name}' is not an aggregation.`,
      `Use one of ${Object.keys(AGGREGATIONS).join(', ')}.`,
    );
  const values = filter?.values ?? [account];
  return {
    aggregationType: name,
    responses: values.map((value) => {
      const group =
        name === 'accountId'
          ? rows.filter((r) => r.awsAccountId === value)
          : rows.filter((r) => findingKey(r, name) === value);
      return { [how.member]: { [how.key]: value, severityCounts: severityCounts(group) } };
    }),
  };
}

const listImageScanFindingAggregations: Handler = async (deps, ctx, input) => {
  const rows = await accountFindings(deps, ctx);
  return { requestId: ctx.requestId, ...aggregate(rows, ctx.account, input.filter) };
};

export const SCAN_HANDLERS: Record<string, Handler> = {
  ListImagePackages: listImagePackages,
  ListImageScanFindings: listImageScanFindings,
  ListImageScanFindingAggregations: listImageScanFindingAggregations,
};
