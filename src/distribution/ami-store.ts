/**
 * AMI records: one JSON file per distributed copy of an image, `<dataDir>/regions/<region>/
 * images/<ami-id>.json`, written by distribution (and imports), extended by
 * ModifyImageAttributes, launches and lifecycle actions, and read by `ami-…` parents, sharing
 * rules, launches, the lifecycle planner and garbage collection. The bytes of the copy live in
 * the region's artifact store; `blobs` lists every digest the copy needs, which is what the
 * reference-counted garbage collector counts.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../host/fs.js';

export interface LaunchPermission {
  readonly userIds?: readonly string[];
  readonly userGroups?: readonly string[];
  readonly organizationArns?: readonly string[];
  readonly organizationalUnitArns?: readonly string[];
}

/** AWS's AMI states that matter here: a deprecated AMI still launches, a disabled one does not. */
export type AmiState = 'available' | 'deprecated' | 'disabled';

export interface AmiRecord {
  readonly region: string;
  /** The copy's id, `ami-…`. */
  readonly image: string;
  readonly name: string;
  readonly description?: string;
  /** The account owning this copy (the image's account, or a `targetAccountIds` entry). */
  readonly accountId: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly manifestDigest: string;
  /** Every blob the copy needs in the region's store (manifest, config, layers). */
  readonly blobs?: readonly string[];
  /** The Image Builder image build version ARN it was distributed from. */
  readonly imageArn: string;
  readonly creationDate: string;
  readonly launchPermission?: LaunchPermission;
  /** Encrypted at rest with this key (ARN of a key from the config's `kmsKeys`). */
  readonly kmsKeyArn?: string;
  /** Absent means available. */
  readonly state?: AmiState;
  readonly deprecationTime?: string;
  /** ISO time of the last instance launched from this copy. */
  readonly lastLaunched?: string;
  /** Disk exports of this copy (s3ExportConfiguration), paths inside the region's store. */
  readonly exports?: readonly { readonly format: string; readonly path: string }[];
  readonly [member: string]: unknown;
}

export const regionImagesDir = (dataDir: string, region: string): string =>
  join(dataDir, 'regions', region, 'images');

export const amiRecordFile = (dataDir: string, region: string, amiId: string): string =>
  join(regionImagesDir(dataDir, region), `${amiId}.json`);

const AMI_FILE = /^ami-[0-9a-f]{8,17}\.json$/;

export async function readAmiRecord(
  dataDir: string,
  region: string,
  amiId: string,
): Promise<AmiRecord | undefined> {
  const file = amiRecordFile(dataDir, region, amiId);
  if (!existsSync(file)) return undefined;
  return JSON.parse(await readFile(file, 'utf8')) as AmiRecord;
}

/** Writes (creates or replaces) a record atomically. */
export async function writeAmiRecord(dataDir: string, record: AmiRecord): Promise<void> {
  await mkdir(regionImagesDir(dataDir, record.region), { recursive: true });
  await writeFileAtomic(amiRecordFile(dataDir, record.region, record.image), JSON.stringify(record, null, 2));
}

/** Merges `members` into an existing record; fails when the AMI is not registered there. */
export async function updateAmiRecord(
  dataDir: string,
  region: string,
  amiId: string,
  members: Readonly<Record<string, unknown>>,
): Promise<AmiRecord> {
  const current = await readAmiRecord(dataDir, region, amiId);
  if (!current) throw new Error(`${amiId} is not registered in ${region}`);
  const next = { ...current, ...members } as AmiRecord;
  await writeAmiRecord(dataDir, next);
  return next;
}

/** Removes a record (deregistration); its blobs are left to garbage collection. */
export async function removeAmiRecord(dataDir: string, region: string, amiId: string): Promise<void> {
  await rm(amiRecordFile(dataDir, region, amiId), { force: true });
}

/** Every AMI record of one region, or of all regions that have a store directory. */
export async function listAmiRecords(dataDir: string, region?: string): Promise<AmiRecord[]> {
  const regionsRoot = join(dataDir, 'regions');
  const regions = region !== undefined ? [region] : existsSync(regionsRoot) ? await readdir(regionsRoot) : [];
  const out: AmiRecord[] = [];
  for (const r of regions) {
    const dir = regionImagesDir(dataDir, r);
    if (!existsSync(dir)) continue;
    for (const file of (await readdir(dir)).filter((f) => AMI_FILE.test(f)).sort()) {
      try {
        out.push(JSON.parse(await readFile(join(dir, file), 'utf8')) as AmiRecord);
      } catch (err) {
        // A record removed between readdir and readFile is simply gone.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
  }
  return out;
}
