/**
 * Capture (design.md §2 step 3): the instance's last changes (the cleanup) become the top
 * layer; the OCI image is the parent's base layer + component layers + that layer; exports
 * (oci-archive, OCI layout, raw ext4 and qcow2 disks) are made once per manifest
 * (export-cache.ts), linked into a staging directory and published by one rename, so no
 * half-written image is ever visible.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { hexId } from '../core/ids.js';
import { makeTempDir, removeTree, writeFileAtomic } from '../host/fs.js';
import { convertToQcow2, volumeSizeGiB, writeRawExt4 } from '../images/disk.js';
import { captureBaseLayer, captureLayer, type Layer } from '../images/layers.js';
import {
  exportOciArchive,
  exportOciLayout,
  type ImageConfigOptions,
  type ImageLayer,
  type OciImage,
  writeOciImage,
} from '../images/oci.js';
import { signCapturedImage } from './sign-image.js';
import { type BuildContext, type BuildInstance, type CapturedImage, logLine } from './context.js';
import { cachedExport, linkTree } from './export-cache.js';
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

/** Disks of one tree (identified by its manifest digest and size) are made once and reused. */
function disks(ctx: BuildContext, rootDir: string, key: string, sizeGiB: number, signal: AbortSignal) {
  return cachedExport(ctx.paths.diskCacheDir, key, async (dir) => {
    const raw = await writeRawExt4(rootDir, join(dir, 'disk.raw'), { sizeGiB, signal });
    const qcow = await convertToQcow2(raw.path, join(dir, 'disk.qcow2'), { signal });
    await ctx.emit({ kind: 'timing', stage: 'disk-raw', ms: raw.wallMs, bytes: raw.bytesWritten });
    await ctx.emit({ kind: 'timing', stage: 'disk-qcow2', ms: qcow.wallMs, bytes: qcow.bytesWritten });
  });
}

/** Bump when the export writers change what they write for the same manifest. */
const OCI_EXPORT_FORMAT = 1;

/** The oci-archive and OCI layout of one manifest, written once (a no-op rebuild links them). */
async function ociExports(ctx: BuildContext, oci: OciImage, epoch: number, signal: AbortSignal) {
  let bytes = 0;
  const key = `v${OCI_EXPORT_FORMAT}-${oci.manifestDigest.replace(/^sha256:/, '')}`;
  const set = await cachedExport(join(ctx.paths.cacheDir, 'oci-exports'), key, async (dir) => {
    const archive = await exportOciArchive(ctx.blobs, oci, join(dir, 'image.oci.tar'), {
      created: epoch,
      signal,
    });
    await exportOciLayout(ctx.blobs, oci, join(dir, 'oci'));
    bytes = archive.bytesWritten;
  });
  return { ...set, bytes };
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
  // An image parent brings its own layers (shared blobs); a Debian tree becomes one base layer.
  const base: readonly ImageLayer[] = parent.layers ?? [
    await timed(
      ctx,
      'capture-base-layer',
      () => baseLayer(ctx, signal),
      (l) => l.bytesWritten,
    ),
  ];
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
  const layers: ImageLayer[] = [...base, ...ctx.componentLayers, top];
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
    const exported = await timed(
      ctx,
      'export-oci',
      () => ociExports(ctx, oci, epoch, signal),
      (e) => e.bytes,
    );
    if (exported.cached) await logLine(ctx, 'CreateImage', `cached: exports of ${oci.manifestDigest} reused`);
    for (const name of ['image.oci.tar', 'oci'])
      await linkTree(join(exported.dir, name), join(staging, name), signal);
    await timed(ctx, 'sign', () => signCapturedImage(ctx, join(staging, 'oci'), oci.manifestDigest));
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
        await linkTree(join(d.dir, name), join(staging, name), signal);
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
