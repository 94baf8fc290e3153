/**
 * AMI records (src/distribution/ami-store.ts) as the AMI-level workflow actions read and extend
 * them, and the `distributedImages` list those actions take as input.
 */
import { join } from 'node:path';
import { isoTime } from '../../core/clock.js';
import { copyAmi } from '../../distribution/ami-copy.js';
import {
  type AmiRecord,
  readAmiRecord,
  updateAmiRecord as updateStoredAmiRecord,
} from '../../distribution/ami-store.js';
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

/** Merges `members` into an existing AMI record; fails when the AMI is not registered there. */
export async function updateAmiRecord(
  ctx: BuildContext,
  region: string,
  amiId: string,
  members: Readonly<Record<string, unknown>>,
): Promise<void> {
  await updateStoredAmiRecord(ctx.paths.dataDir, region, amiId, members);
}

/**
 * Registers the build's captured image in `region`: its blobs copied into the region's store
 * (only the missing ones) and an AMI record with `members` merged over an existing one.
 * `storeRoot`: the region's directory store (default `DATA_DIR/regions/<region>`).
 */
export async function registerCapturedImage(
  ctx: BuildContext,
  region: string,
  members: Readonly<Record<string, unknown>>,
  signal: AbortSignal,
  storeRoot: string = join(ctx.paths.regionsDir, region),
): Promise<string> {
  const captured = ctx.captured;
  if (!captured) throw new Error('no image was captured to register (run CreateImage first)');
  const oci = captured.oci;
  const blobs = [oci.manifestDigest, oci.configDigest, ...oci.layers.map((l) => l.digest)];
  const current = (await readAmiRecord(ctx.paths.dataDir, region, captured.imageId)) ?? {
    region,
    image: captured.imageId,
    name: `${String(ctx.image.name)}-${isoTime(ctx.clock.now()).replace(/:/g, '-')}`,
    accountId: ctx.request.account,
    tags: {},
    manifestDigest: oci.manifestDigest,
    imageArn: ctx.request.imageArn,
    creationDate: isoTime(ctx.clock.now()),
  };
  await copyAmi({
    dataDir: ctx.paths.dataDir,
    storeRoot,
    source: ctx.blobs,
    record: { ...current, blobs, ...members } as AmiRecord & { blobs: string[] },
    signal,
  });
  return captured.imageId;
}
