/**
 * What the planner reads, loaded from the store and the AMI records: every image build version
 * of one account and region as a LifecycleImage, each with its distributed copies (AMI records
 * whose `imageArn` is the image) and whether a launch template's default version uses one.
 */
import { type AmiRecord, listAmiRecords } from '../distribution/ami-store.js';
import type { ResourceRecord, Store } from '../store/store.js';
import type { LifecycleAmi, LifecycleImage } from './types.js';

export interface ImageScope {
  readonly account: string;
  readonly region: string;
}

/** Every stored image build version of the scope (all builds, not only the newest). */
export async function listImageRecords(store: Store, scope: ImageScope): Promise<ResourceRecord[]> {
  const out: ResourceRecord[] = [];
  const batch = 5_000;
  let after: string | undefined;
  for (;;) {
    const rows = await store.list({
      account: scope.account,
      region: scope.region,
      type: 'image',
      limit: batch,
      ...(after !== undefined ? { afterSortKey: after } : {}),
    });
    for (const row of rows) out.push(row.record);
    if (rows.length < batch) return out;
    after = rows[rows.length - 1]?.sortKey;
  }
}

/** AMI records grouped by the image build version they were distributed from. */
export async function amisByImage(dataDir: string): Promise<Map<string, AmiRecord[]>> {
  const byImage = new Map<string, AmiRecord[]>();
  for (const record of await listAmiRecords(dataDir)) {
    const list = byImage.get(record.imageArn);
    if (list) list.push(record);
    else byImage.set(record.imageArn, [record]);
  }
  return byImage;
}

export function lifecycleAmiOf(record: AmiRecord): LifecycleAmi {
  const lastLaunched = record.lastLaunched ? Date.parse(record.lastLaunched) : Number.NaN;
  return {
    region: record.region,
    id: record.image,
    accountId: record.accountId,
    isPublic: record.launchPermission?.userGroups?.includes('all') === true,
    sharedAccounts: record.launchPermission?.userIds ?? [],
    tags: record.tags ?? {},
    ...(Number.isFinite(lastLaunched) ? { lastLaunched } : {}),
  };
}

const member = (body: Readonly<Record<string, unknown>>, key: string) =>
  body[key] as { name?: unknown; version?: unknown } | undefined;

const timeOf = (value: unknown, fallback: number): number => {
  if (typeof value === 'number') return value;
  const parsed = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : fallback;
};

/**
 * The planner's view of one image record. The recipe is the image's `imageRecipe` (or
 * `containerRecipe`) member; imported images have neither and fall back to the image's own
 * name and version, which are the recipe's for built images too.
 */
export function lifecycleImageOf(
  record: ResourceRecord,
  amis: readonly AmiRecord[],
  inUse: ReadonlySet<string>,
): LifecycleImage {
  const body = record.body;
  const recipe = member(body, 'imageRecipe') ?? member(body, 'containerRecipe');
  const type = body.type === 'DOCKER' ? 'DOCKER' : body.type === 'AMI' ? 'AMI' : undefined;
  return {
    arn: record.arn,
    recipeName: String(recipe?.name ?? body.name ?? record.nameKey),
    recipeVersion: String(recipe?.version ?? body.version ?? ''),
    status: String((body.state as { status?: string } | undefined)?.status ?? 'AVAILABLE'),
    dateCreated: timeOf(body.dateCreated, record.dateCreated),
    tags: record.tags,
    amis: amis.map(lifecycleAmiOf),
    ...(type ? { type } : {}),
    ...(amis.some((a) => inUse.has(`${a.region}/${a.image}`)) ? { inUseByLaunchTemplate: true } : {}),
  };
}

/** Images of the scope with their AMIs, ready for planLifecycle. */
export async function loadLifecycleImages(
  store: Store,
  dataDir: string,
  scope: ImageScope,
  inUse: ReadonlySet<string>,
): Promise<{
  images: LifecycleImage[];
  records: Map<string, ResourceRecord>;
  amis: Map<string, AmiRecord[]>;
}> {
  const [records, amis] = await Promise.all([listImageRecords(store, scope), amisByImage(dataDir)]);
  const images = records.map((r) => lifecycleImageOf(r, amis.get(r.arn) ?? [], inUse));
  return { images, records: new Map(records.map((r) => [r.arn, r])), amis };
}
