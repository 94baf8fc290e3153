/**
 * An OCI layout or archive → a root tree: the image's manifest is found through `index.json`
 * (a nested index is followed, preferring this machine's architecture) and its layers are
 * applied bottom first with OCI whiteout semantics (flatten.ts). gzip and uncompressed tar
 * layers are accepted; zstd layers are refused by name.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createGzip } from 'node:zlib';
import { invalidValue } from '../../core/errors.js';
import { runChecked } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import { type Digest, DirectoryBlobStore, parseDigest } from '../blob-store.js';
import { applyLayers } from '../flatten.js';

interface Descriptor {
  readonly mediaType?: string;
  readonly digest: string;
  readonly platform?: { architecture?: string; os?: string };
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };
const INDEX_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/** The descriptor to follow in an index (pure): this machine's linux/arch, else the first. */
export function pickManifest(manifests: readonly Descriptor[], arch = ARCH[process.arch] ?? process.arch) {
  const linux = manifests.filter(
    (m) => !m.platform || m.platform.os === undefined || m.platform.os === 'linux',
  );
  return linux.find((m) => m.platform?.architecture === arch) ?? linux[0] ?? manifests[0];
}

/** How a layer's bytes are stored, from its media type (pure). */
export function layerCompression(mediaType: string): 'gzip' | 'none' | 'unsupported' {
  if (mediaType.endsWith('+gzip') || mediaType.endsWith('.tar.gzip')) return 'gzip';
  if (mediaType.endsWith('.tar') || mediaType.endsWith('.diff.tar')) return 'none';
  return 'unsupported';
}

async function readJson(store: DirectoryBlobStore, digest: Digest): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(store.localPath(digest), 'utf8')) as Record<string, unknown>;
}

/** The manifest's layers (bottom first) of the image an OCI layout directory holds. */
async function layersOf(layout: string): Promise<Descriptor[]> {
  const store = new DirectoryBlobStore(layout);
  let doc = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests?: Descriptor[] };
  for (let depth = 0; depth < 4; depth++) {
    const chosen = pickManifest(doc.manifests ?? []);
    if (!chosen) throw invalidValue('vmImportTaskId', `the OCI index of ${layout} lists no image.`);
    const next = await readJson(store, parseDigest(chosen.digest));
    if (INDEX_TYPES.has(String(next.mediaType ?? chosen.mediaType ?? ''))) {
      doc = next as { manifests?: Descriptor[] };
      continue;
    }
    return (next.layers as Descriptor[] | undefined) ?? [];
  }
  throw invalidValue('vmImportTaskId', `the OCI indexes of ${layout} nest too deeply.`);
}

/** Applies the image in an OCI layout directory onto `target`; `scratch` holds recompressed layers. */
export async function ociLayoutToTree(layout: string, target: string, scratch: string, signal?: AbortSignal) {
  const source = new DirectoryBlobStore(layout);
  const recompressed = new DirectoryBlobStore(join(scratch, 'gz'));
  for (const layer of await layersOf(layout)) {
    const digest = parseDigest(layer.digest);
    const kind = layerCompression(layer.mediaType ?? '');
    if (kind === 'unsupported') {
      throw invalidValue(
        'vmImportTaskId',
        `layer ${digest} is ${layer.mediaType}; Kiln imports gzip and uncompressed tar layers.`,
        'Convert it first, e.g. skopeo copy --dest-compress-format gzip.',
      );
    }
    if (kind === 'gzip') {
      await applyLayers(target, [{ digest }], source, signal ? { signal } : {});
      continue;
    }
    const gz = createGzip({ level: 1 });
    (await source.open(digest, signal ? { signal } : {})).pipe(gz);
    const put = await recompressed.put(gz, signal ? { signal } : {});
    await applyLayers(target, [{ digest: put.digest }], recompressed, signal ? { signal } : {});
  }
}

/** Unpacks an `oci-archive` (a tar of a layout) into `scratch/layout` and applies it. */
export async function ociArchiveToTree(
  archive: string,
  target: string,
  scratch: string,
  signal?: AbortSignal,
) {
  const layout = join(scratch, 'layout');
  await mkdir(layout, { recursive: true });
  await runChecked([requireTool('tar', 'tar'), '--extract', `--file=${archive}`, `--directory=${layout}`], {
    ...(signal ? { signal } : {}),
  });
  await ociLayoutToTree(layout, target, scratch, signal);
}

/** Unpacks a root tar (any compression GNU tar reads) onto `target`, keeping owners and xattrs. */
export async function rootTarToTree(tar: string, target: string, signal?: AbortSignal) {
  await runChecked(
    [
      requireTool('tar', 'tar'),
      '--extract',
      `--file=${tar}`,
      `--directory=${target}`,
      '--numeric-owner',
      '--same-owner',
      '--same-permissions',
      '--xattrs',
      '--xattrs-include=*',
    ],
    signal ? { signal } : {},
  );
}
