/**
 * Capture (design.md §2 step 3): the instance's last changes (the cleanup) become the top
 * layer; the OCI image is the parent's base layer + component layers + that layer; exports
 * (oci-archive, OCI layout, raw ext4 and qcow2 disks) are written into a staging directory
 * and published by one rename, so no half-written image is ever visible.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { link, mkdir, readdir, readFile, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { hexId } from '../core/ids.js';
import { makeTempDir, publishDir, removeTree, writeFileAtomic } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { convertToQcow2, volumeSizeGiB, writeRawExt4 } from '../images/disk.js';
import { captureBaseLayer, captureLayer, type Layer } from '../images/layers.js';
import { exportOciArchive, exportOciLayout, type ImageConfigOptions, writeOciImage } from '../images/oci.js';
import { type BuildContext, type BuildInstance, type CapturedImage, logLine } from './context.js';
import { chainKey } from './plan.js';

async function timed<T>(ctx: BuildContext, stage: string, work: () => Promise<T>, bytes?: (r: T) => number) {
  const started = performance.now();
  const result = await work();
  const ms = Math.round(performance.now() - started);
  const b = bytes?.(result);
  ctx.timings[stage] = b === undefined ? { ms } : { ms, bytes: b };
  await ctx.emit({ kind: 'timing', stage, ms, ...(b === undefined ? {} : { bytes: b }) });
  return result;
}

/** The parent tree as one layer, captured once per parent tree. */
async function baseLayer(ctx: BuildContext, signal: AbortSignal): Promise<Layer> {
  const parent = ctx.parent as NonNullable<BuildContext['parent']>;
  const record = join(ctx.paths.baseLayersDir, `${parent.treeKey}.json`);
  if (existsSync(record)) {
    const layer = JSON.parse(await readFile(record, 'utf8')) as Layer;
    if (await ctx.blobs.has(layer.digest)) return layer;
  }
  const layer = await captureBaseLayer(parent.lowerDirs[0] as string, ctx.blobs, {
    sourceDateEpoch: parent.sourceDateEpoch,
    signal,
  });
  await mkdir(ctx.paths.baseLayersDir, { recursive: true });
  await writeFileAtomic(record, JSON.stringify(layer));
  return layer;
}

/** Links `from` to `to`, or copies it keeping holes (disks are sparse). */
async function linkOrCopy(from: string, to: string, signal: AbortSignal): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await runChecked(['cp', '--sparse=always', '--reflink=auto', from, to], { signal });
  }
}

const KEPT_DISK_SETS = 4;

/** Disk sets are large: keep the newest few (a rebuild of the same tree reuses the newest). */
async function pruneDisks(root: string, keep: string): Promise<void> {
  const sets = (await readdir(root)).filter((n) => !n.startsWith('.')).map((n) => join(root, n));
  const dated = await Promise.all(sets.map(async (d) => ({ d, t: (await stat(d)).mtimeMs })));
  dated.sort((a, b) => b.t - a.t);
  for (const { d } of dated.slice(KEPT_DISK_SETS)) if (d !== keep) await removeTree(d);
}

/** Disks of one tree (identified by its manifest digest and size) are made once and reused. */
async function disks(ctx: BuildContext, rootDir: string, key: string, sizeGiB: number, signal: AbortSignal) {
  const dir = join(ctx.paths.diskCacheDir, key);
  if (existsSync(join(dir, 'disk.qcow2'))) return { dir, cached: true };
  await mkdir(ctx.paths.diskCacheDir, { recursive: true });
  const tmp = await makeTempDir(`.${key.slice(0, 12)}-`, { parent: ctx.paths.diskCacheDir });
  try {
    const raw = await writeRawExt4(rootDir, join(tmp, 'disk.raw'), { sizeGiB, signal });
    const qcow = await convertToQcow2(raw.path, join(tmp, 'disk.qcow2'), { signal });
    await ctx.emit({ kind: 'timing', stage: 'disk-raw', ms: raw.wallMs, bytes: raw.bytesWritten });
    await ctx.emit({ kind: 'timing', stage: 'disk-qcow2', ms: qcow.wallMs, bytes: qcow.bytesWritten });
    if (!(await publishDir(tmp, dir))) await removeTree(tmp);
    await pruneDisks(ctx.paths.diskCacheDir, dir);
    return { dir, cached: false };
  } finally {
    await removeTree(tmp);
  }
}

export interface CaptureImageOptions {
  /** Disk exports (AMIs); container images have only the OCI forms. Default true. */
  readonly disks?: boolean;
  /** Runtime config of a container image (Dockerfile ENV, CMD, …). */
  readonly config?: Omit<ImageConfigOptions, 'created'>;
}

export async function captureImage(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
  options: CaptureImageOptions = {},
): Promise<CapturedImage> {
  const parent = ctx.parent as NonNullable<BuildContext['parent']>;
  const lastKey = ctx.plan?.components.at(-1)?.cacheKey ?? parent.digest;
  const epoch = parent.sourceDateEpoch;
  const base = await timed(
    ctx,
    'capture-base-layer',
    () => baseLayer(ctx, signal),
    (l) => l.bytesWritten,
  );
  const top = await timed(
    ctx,
    'capture-cleanup-layer',
    () => captureLayer(entry.instance.upperDir, ctx.blobs, { sourceDateEpoch: epoch, signal }),
    (l) => l.bytesWritten,
  );
  // The cleanup's tree is kept like a component's, so the test instance can stack it.
  const topKey = chainKey({
    previousKey: lastKey,
    documentDigest: 'kiln:sanitize',
    parametersDigest: '',
    externalState: top.diffId,
  });
  const topTree = await ctx.layers.put(
    {
      key: topKey,
      layer: top,
      componentArn: 'kiln:sanitize',
      keyInputs: {
        previousKey: lastKey,
        documentDigest: 'kiln:sanitize',
        parametersDigest: '',
        externalState: top.diffId,
      },
      createdAt: ctx.clock.now(),
    },
    entry.instance.upperDir,
    signal,
  );
  const layers = [base, ...ctx.componentLayers, top];
  const oci = await writeOciImage(ctx.blobs, layers, {
    ...options.config,
    created: epoch,
    labels: {
      'org.opencontainers.image.title': String(ctx.image.name ?? ''),
      'org.opencontainers.image.version': String(ctx.image.version ?? ''),
      ...options.config?.labels,
    },
  });
  const imageId = hexId('ami');
  await mkdir(ctx.paths.imagesDir, { recursive: true });
  const staging = await makeTempDir(`.staging-${imageId}-`, { parent: ctx.paths.imagesDir });
  try {
    await timed(
      ctx,
      'export-oci',
      async () => {
        const archive = await exportOciArchive(ctx.blobs, oci, join(staging, 'image.oci.tar'), {
          created: epoch,
          signal,
        });
        await exportOciLayout(ctx.blobs, oci, join(staging, 'oci'));
        return archive;
      },
      (a) => a.bytesWritten,
    );
    const sizeGiB = volumeSizeGiB(ctx.recipe.blockDeviceMappings as never);
    if (options.disks !== false) {
      const diskKey = createHash('sha256')
        .update(`${oci.manifestDigest}\n${sizeGiB}`)
        .digest('hex')
        .slice(0, 32);
      const d = await timed(ctx, 'export-disks', () =>
        disks(ctx, entry.instance.rootDir, diskKey, sizeGiB, signal),
      );
      if (d.cached) await logLine(ctx, 'CreateImage', `cached: disks of ${oci.manifestDigest} reused`);
      for (const name of ['disk.raw', 'disk.qcow2'])
        await linkOrCopy(join(d.dir, name), join(staging, name), signal);
    }
    const lowerDirs = [topTree.treeDir, ...ctx.buildLowers];
    const outputs = {
      imageId,
      manifestDigest: oci.manifestDigest,
      ociArchive: join(ctx.paths.imagesDir, imageId, 'image.oci.tar'),
      ociLayout: join(ctx.paths.imagesDir, imageId, 'oci'),
      ...(options.disks === false
        ? {}
        : {
            rawDisk: join(ctx.paths.imagesDir, imageId, 'disk.raw'),
            qcow2Disk: join(ctx.paths.imagesDir, imageId, 'disk.qcow2'),
            volumeSizeGiB: sizeGiB,
          }),
    };
    await writeFileAtomic(
      join(staging, 'image.json'),
      JSON.stringify({ ...outputs, imageArn: ctx.request.imageArn, layers, lowerDirs }, null, 2),
    );
    await rename(staging, join(ctx.paths.imagesDir, imageId));
    ctx.captured = { imageId, dir: join(ctx.paths.imagesDir, imageId), oci, lowerDirs, outputs };
    await ctx.emit({ kind: 'image', members: { kilnArtifacts: outputs } });
    return ctx.captured;
  } finally {
    await removeTree(staging);
  }
}
