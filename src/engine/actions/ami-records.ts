/**
 * AMI records of a region's artifact store (`<regionsDir>/<region>/images/<ami-id>.json`, the
 * files DistributeImage writes) as the AMI-level workflow actions read and extend them, and
 * the `distributedImages` list those actions take as input.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isoTime } from '../../core/clock.js';
import { writeFileAtomic } from '../../host/fs.js';
import { DirectoryBlobStore } from '../../images/blob-store.js';
import type { BuildContext } from '../context.js';

/** One entry of DistributeImage's `distributedImages` output (Kiln's shape or AWS's). */
export interface DistributedImageRef {
  readonly region: string;
  readonly amiId: string;
  readonly accountId?: string;
  readonly name?: string;
}

const AMI_ID = /^ami-[0-9a-f]{8,17}$/;

/**
 * Reads `distributedImages` (pure): a list of {region, image|amiId, …}; a failed distribution
 * (AWS's `status` other than Completed) is left out, as there is no AMI to act on.
 */
export function parseDistributedImages(value: unknown, action: string): DistributedImageRef[] {
  const field = `${action} input 'distributedImages'`;
  if (!Array.isArray(value))
    throw new Error(
      `${field} must be a list of distributed images, e.g. "distributedImages.$": "$.stepOutputs.Distribute.distributedImages"`,
    );
  const out: DistributedImageRef[] = [];
  for (const [i, item] of value.entries()) {
    const d = (typeof item === 'object' && item !== null ? item : {}) as Record<string, unknown>;
    if (d.status !== undefined && d.status !== 'Completed') continue;
    const amiId = d.amiId ?? d.image;
    if (typeof d.region !== 'string' || typeof amiId !== 'string' || !AMI_ID.test(amiId))
      throw new Error(`${field}[${i}] needs a region and an ami- id (image or amiId)`);
    out.push({
      region: d.region,
      amiId,
      ...(typeof d.accountId === 'string' ? { accountId: d.accountId } : {}),
      ...(typeof d.name === 'string' ? { name: d.name } : {}),
    });
  }
  return out;
}

export const amiRecordPath = (ctx: BuildContext, region: string, amiId: string): string =>
  join(ctx.paths.regionsDir, region, 'images', `${amiId}.json`);

/** Merges `members` into an existing AMI record; fails when the AMI is not registered there. */
export async function updateAmiRecord(
  ctx: BuildContext,
  region: string,
  amiId: string,
  members: Readonly<Record<string, unknown>>,
): Promise<void> {
  const path = amiRecordPath(ctx, region, amiId);
  if (!existsSync(path)) throw new Error(`${amiId} is not registered in ${region}`);
  const current = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(path, JSON.stringify({ ...current, ...members }, null, 2));
}

/**
 * Registers the build's captured image in `region`: its blobs copied into the region's store
 * (only the missing ones) and an AMI record with `members` merged over an existing one.
 */
export async function registerCapturedImage(
  ctx: BuildContext,
  region: string,
  members: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
): Promise<string> {
  const captured = ctx.captured;
  if (!captured) throw new Error('no image was captured to register (run CreateImage first)');
  const store = new DirectoryBlobStore(join(ctx.paths.regionsDir, region));
  await mkdir(join(store.root, 'blobs', 'sha256'), { recursive: true });
  const oci = captured.oci;
  for (const blob of [{ digest: oci.manifestDigest }, { digest: oci.configDigest }, ...oci.layers]) {
    signal.throwIfAborted();
    if (!(await store.has(blob.digest))) await ctx.blobs.exportTo(blob.digest, store.localPath(blob.digest));
  }
  const path = amiRecordPath(ctx, region, captured.imageId);
  await mkdir(join(store.root, 'images'), { recursive: true });
  const current = existsSync(path)
    ? (JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>)
    : {
        region,
        image: captured.imageId,
        name: `${String(ctx.image.name)}-${isoTime(ctx.clock.now()).replace(/:/g, '-')}`,
        accountId: ctx.request.account,
        tags: {},
        manifestDigest: oci.manifestDigest,
        imageArn: ctx.request.imageArn,
        creationDate: isoTime(ctx.clock.now()),
      };
  await writeFileAtomic(path, JSON.stringify({ ...current, ...members }, null, 2));
  return captured.imageId;
}
