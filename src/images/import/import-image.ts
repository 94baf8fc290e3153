/**
 * Imports a root tree from outside (root tar, OCI archive or layout, raw or qcow2 disk) as a
 * Kiln image: the tree is unpacked into scratch, captured as one base layer in the blob store,
 * written as an OCI image, and published as `dataDir/images/<ami-id>/` (an OCI layout and
 * `image.json`) by one rename. The service records it; `registerImportedImage` then makes
 * its id resolvable in the region (`dataDir/regions/<region>/images/<ami-id>.json`).
 */
import { readFile, rename, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hexId } from '../../core/ids.js';
import { makeTempDir, removeTree, writeFileAtomic } from '../../host/fs.js';
import { DirectoryBlobStore } from '../blob-store.js';
import { captureBaseLayer, type Layer } from '../layers.js';
import { exportOciLayout, writeOciImage } from '../oci.js';
import { detectFormat, type ImportFormat } from './detect.js';
import { diskToTree } from './disk-tree.js';
import { ociArchiveToTree, ociLayoutToTree, rootTarToTree } from './oci-tree.js';

export interface ImportRequest {
  /** An absolute path on this machine. */
  readonly source: string;
  /** Detected from the content when absent. */
  readonly format?: ImportFormat | undefined;
  /** The request member that named the source, for error messages. */
  readonly member: string;
  readonly dataDir: string;
  readonly name: string;
  readonly version: string;
  /** Seconds since the epoch: the image's creation time and the clamp for file mtimes. */
  readonly created: number;
  readonly signal?: AbortSignal | undefined;
}

export interface ImportedImage {
  readonly imageId: string;
  readonly format: ImportFormat;
  readonly manifestDigest: string;
  readonly layer: Layer;
  readonly dir: string;
  readonly ociLayout: string;
  readonly wallMs: number;
}

async function unpack(
  format: ImportFormat,
  source: string,
  tree: string,
  scratch: string,
  signal?: AbortSignal,
) {
  switch (format) {
    case 'tar':
      return rootTarToTree(source, tree, signal);
    case 'oci-archive':
      return ociArchiveToTree(source, tree, scratch, signal);
    case 'oci-layout':
      return ociLayoutToTree(source, tree, scratch, signal);
    case 'raw':
    case 'qcow2':
      return diskToTree(source, format, tree, scratch, signal);
  }
}

export async function importImage(req: ImportRequest): Promise<ImportedImage> {
  const started = performance.now();
  const format = req.format ?? (await detectFormat(req.source, req.member, req.signal));
  const scratch = await makeTempDir('kiln-import-', { memory: true });
  const imagesDir = join(req.dataDir, 'images');
  try {
    const tree = join(scratch, 'rootfs');
    await mkdir(tree, { mode: 0o755 });
    await unpack(format, req.source, tree, scratch, req.signal);
    const blobs = new DirectoryBlobStore(join(req.dataDir, 'blobs'));
    const layer = await captureBaseLayer(tree, blobs, { sourceDateEpoch: req.created, signal: req.signal });
    await removeTree(tree);
    const oci = await writeOciImage(blobs, [{ ...layer, createdBy: `kiln image import (${format})` }], {
      created: req.created,
      labels: { 'org.opencontainers.image.title': req.name, 'org.opencontainers.image.version': req.version },
    });
    const imageId = hexId('ami');
    await mkdir(imagesDir, { recursive: true });
    const staging = await makeTempDir(`.staging-${imageId}-`, { parent: imagesDir });
    try {
      await exportOciLayout(blobs, oci, join(staging, 'oci'));
      const dir = join(imagesDir, imageId);
      const record = {
        imageId,
        manifestDigest: oci.manifestDigest,
        ociLayout: join(dir, 'oci'),
        layers: [layer],
        lowerDirs: [],
        imported: { source: req.source, format },
      };
      await writeFileAtomic(join(staging, 'image.json'), JSON.stringify(record, null, 2));
      await rename(staging, dir);
      return {
        imageId,
        format,
        manifestDigest: oci.manifestDigest,
        layer,
        dir,
        ociLayout: record.ociLayout,
        wallMs: Math.round(performance.now() - started),
      };
    } finally {
      await removeTree(staging);
    }
  } finally {
    await removeTree(scratch);
  }
}

/** Makes an imported image's id resolvable in its region (`ami-…` parents) and names its ARN. */
export async function registerImportedImage(
  dataDir: string,
  entry: {
    imageId: string;
    imageArn: string;
    region: string;
    name: string;
    accountId: string;
    manifestDigest: string;
    creationDate: string;
  },
): Promise<void> {
  const imageJson = join(dataDir, 'images', entry.imageId, 'image.json');
  const record = JSON.parse(await readFile(imageJson, 'utf8')) as Record<string, unknown>;
  await writeFileAtomic(imageJson, JSON.stringify({ ...record, imageArn: entry.imageArn }, null, 2));
  const dir = join(dataDir, 'regions', entry.region, 'images');
  await mkdir(dir, { recursive: true });
  const { imageId, ...rest } = entry;
  await writeFileAtomic(join(dir, `${imageId}.json`), JSON.stringify({ image: imageId, ...rest }, null, 2));
}
