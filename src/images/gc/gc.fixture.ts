/**
 * Test fixtures for garbage collection and `kiln store check`: real data directories with
 * images, AMI records, layouts and caches laid out the way the engine and imports write them.
 */
import { mkdirSync, mkdtempSync } from 'node:fs';
import { lstat, mkdir, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeAmiRecord } from '../../distribution/ami-store.js';
import { DirectoryBlobStore, type Digest } from '../blob-store.js';
import { exportOciLayout, type OciImage, writeOciImage } from '../oci.js';

export function tempData(): { dataDir: string; cacheDir: string } {
  const root = mkdtempSync(join(tmpdir(), 'kiln-gc-'));
  mkdirSync(join(root, 'data'));
  mkdirSync(join(root, 'cache'));
  return { dataDir: join(root, 'data'), cacheDir: join(root, 'cache') };
}

export const mainStore = (dataDir: string) => new DirectoryBlobStore(join(dataDir, 'blobs'));

/** A "layer" blob of `size` bytes of `fill` (content stands in for a gzip tar). */
export async function layerBlob(dataDir: string, fill: string, size = 1000) {
  const put = await mainStore(dataDir).put(Buffer.alloc(size, fill));
  return { digest: put.digest, size: put.size, diffId: put.digest };
}

/** An image published like capture does: blobs in the main store, `images/<id>/{image.json,oci}`. */
export async function publishImage(
  dataDir: string,
  id: string,
  layers: { digest: Digest; size: number; diffId: Digest }[],
  title = id,
): Promise<OciImage> {
  const blobs = mainStore(dataDir);
  const oci = await writeOciImage(blobs, layers, {
    created: 0,
    labels: { 'org.opencontainers.image.title': title },
  });
  const dir = join(dataDir, 'images', id);
  await mkdir(dir, { recursive: true });
  await exportOciLayout(blobs, oci, join(dir, 'oci'));
  await writeFile(
    join(dir, 'image.json'),
    JSON.stringify({ imageId: id, manifestDigest: oci.manifestDigest, layers, lowerDirs: [] }),
  );
  return oci;
}

/** Distributes like registerCapturedImage: blobs linked into the region store, an AMI record. */
export async function distribute(
  dataDir: string,
  region: string,
  id: string,
  oci: OciImage,
  withBlobs = true,
) {
  const region_ = new DirectoryBlobStore(join(dataDir, 'regions', region));
  const all = [oci.manifestDigest, oci.configDigest, ...oci.layers.map((l) => l.digest)];
  await mkdir(join(region_.root, 'blobs', 'sha256'), { recursive: true });
  for (const d of all)
    if (!(await region_.has(d))) await mainStore(dataDir).exportTo(d, region_.localPath(d));
  await writeAmiRecord(dataDir, {
    region,
    image: id,
    name: id,
    accountId: '000000000000',
    tags: {},
    manifestDigest: oci.manifestDigest,
    ...(withBlobs ? { blobs: all } : {}),
    imageArn: `arn:aws:imagebuilder:${region}:000000000000:image/x/1.0.0/1`,
    creationDate: '2024-01-01T00:00:00Z',
  });
}

/** Disk usage of a tree: apparent sizes of regular files, each inode counted once. */
export async function diskUsage(dir: string, seen = new Set<string>()): Promise<number> {
  let total = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) total += await diskUsage(path, seen);
    else if (st.isFile() && !seen.has(`${st.dev}:${st.ino}`)) {
      seen.add(`${st.dev}:${st.ino}`);
      total += st.size;
    }
  }
  return total;
}
