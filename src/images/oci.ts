import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { makeTempDir, publishDir, removeTree } from '../host/fs.js';
import { type BlobStore, DirectoryBlobStore, type Digest } from './blob-store.js';
import { LAYER_MEDIA_TYPE } from './layers.js';
import { encodeHeader, END_OF_ARCHIVE, padded, type TarEntry } from './tar-format.js';

export const MANIFEST_MEDIA_TYPE = 'application/vnd.oci.image.manifest.v1+json';
export const CONFIG_MEDIA_TYPE = 'application/vnd.oci.image.config.v1+json';
export const INDEX_MEDIA_TYPE = 'application/vnd.oci.image.index.v1+json';

/** One layer of an image, with what its history entry says about it. */
export interface ImageLayer {
  digest: Digest;
  size: number;
  diffId: Digest;
  /** e.g. the component ARN and phase that made it. */
  createdBy?: string;
  comment?: string;
}

/** The runtime defaults of a container image (OCI image config `config`). */
export interface ImageConfigOptions {
  /** Seconds since the epoch; the config's `created` and every history entry's. */
  created: number;
  env?: string[];
  cmd?: string[];
  entrypoint?: string[];
  workingDir?: string;
  user?: string;
  labels?: Record<string, string>;
  /** OCI architecture; default the host's (x64 → amd64). */
  architecture?: string;
}

export interface OciImage {
  manifestDigest: Digest;
  manifestSize: number;
  configDigest: Digest;
  configSize: number;
  layers: readonly ImageLayer[];
  wallMs: number;
  bytesWritten: number;
}

const ARCH: Record<string, string> = {
  x64: 'amd64',
  arm64: 'arm64',
  arm: 'arm',
  ia32: '386',
  ppc64: 'ppc64le',
};

/** The config and manifest documents (pure): same inputs, same bytes, same digests. */
export function imageDocuments(layers: readonly ImageLayer[], options: ImageConfigOptions) {
  const created = new Date(options.created * 1000).toISOString().replace('.000Z', 'Z');
  const runtime: Record<string, unknown> = {};
  if (options.user) runtime.User = options.user;
  runtime.Env = options.env ?? ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
  if (options.entrypoint) runtime.Entrypoint = options.entrypoint;
  if (options.cmd) runtime.Cmd = options.cmd;
  if (options.workingDir) runtime.WorkingDir = options.workingDir;
  if (options.labels && Object.keys(options.labels).length > 0) {
    runtime.Labels = Object.fromEntries(Object.entries(options.labels).sort(([a], [b]) => (a < b ? -1 : 1)));
  }
  const config = {
    created,
    architecture: options.architecture ?? ARCH[process.arch] ?? process.arch,
    os: 'linux',
    config: runtime,
    rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
    history: layers.map((l) => ({
      created,
      ...(l.createdBy ? { created_by: l.createdBy } : {}),
      ...(l.comment ? { comment: l.comment } : {}),
    })),
  };
  const configBytes = Buffer.from(JSON.stringify(config));
  return {
    configBytes,
    manifest: (configDigest: Digest) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST_MEDIA_TYPE,
          config: { mediaType: CONFIG_MEDIA_TYPE, digest: configDigest, size: configBytes.length },
          layers: layers.map((l) => ({ mediaType: LAYER_MEDIA_TYPE, digest: l.digest, size: l.size })),
        }),
      ),
  };
}

/** Writes an image's config and manifest into the store (the layers must already be there). */
export async function writeOciImage(
  store: BlobStore,
  layers: readonly ImageLayer[],
  options: ImageConfigOptions,
): Promise<OciImage> {
  const started = performance.now();
  for (const layer of layers) {
    if (!(await store.has(layer.digest)))
      throw new Error(`layer ${layer.digest} is not in the artifact store`);
  }
  const docs = imageDocuments(layers, options);
  const config = await store.put(docs.configBytes);
  const manifest = await store.put(docs.manifest(config.digest));
  return {
    manifestDigest: manifest.digest,
    manifestSize: manifest.size,
    configDigest: config.digest,
    configSize: config.size,
    layers,
    wallMs: Math.round(performance.now() - started),
    bytesWritten: (config.created ? config.size : 0) + (manifest.created ? manifest.size : 0),
  };
}

/** `index.json` of a layout or archive holding one image, named by `tag` (pure). */
export function indexDocument(image: OciImage, tag: string): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: INDEX_MEDIA_TYPE,
      manifests: [
        {
          mediaType: MANIFEST_MEDIA_TYPE,
          digest: image.manifestDigest,
          size: image.manifestSize,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    }),
  );
}

const OCI_LAYOUT = Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' }));

const blobsOf = (image: OciImage): { digest: Digest; size: number }[] => [
  { digest: image.manifestDigest, size: image.manifestSize },
  { digest: image.configDigest, size: image.configSize },
  ...image.layers,
];

export interface ExportResult {
  path: string;
  wallMs: number;
  bytesWritten: number;
}

/**
 * Writes an OCI image layout directory (`oci:DIR:TAG` for skopeo). Blobs are hard-linked from a
 * local store when possible. Built beside `dir` and renamed into place: a reader sees the whole
 * layout or none; an existing `dir` is replaced.
 */
export async function exportOciLayout(
  store: BlobStore,
  image: OciImage,
  dir: string,
  tag = 'latest',
): Promise<ExportResult> {
  const started = performance.now();
  await mkdir(dirname(dir), { recursive: true });
  const tmp = await makeTempDir(`.${basename(dir)}-`, { parent: dirname(dir) });
  let bytes = 0;
  try {
    await mkdir(join(tmp, 'blobs', 'sha256'), { recursive: true });
    await writeFile(join(tmp, 'oci-layout'), OCI_LAYOUT);
    await writeFile(join(tmp, 'index.json'), indexDocument(image, tag));
    for (const blob of blobsOf(image)) {
      const target = join(tmp, 'blobs', 'sha256', blob.digest.slice('sha256:'.length));
      if (store instanceof DirectoryBlobStore) await store.exportTo(blob.digest, target);
      else await pipeline(await store.open(blob.digest), createWriteStream(target, { flags: 'wx' }));
      bytes += blob.size;
    }
    // Replace an older export: move it aside first, so `dir` is never half-written.
    const old = `${tmp}.old`;
    if (existsSync(dir)) await rename(dir, old);
    if (!(await publishDir(tmp, dir))) throw new Error(`${dir} appeared while exporting to it`);
    await removeTree(old);
    return { path: dir, wallMs: Math.round(performance.now() - started), bytesWritten: bytes };
  } finally {
    await removeTree(tmp);
  }
}

/** The members of an `oci-archive` tar in order: a layout, streamed from the store. */
async function* archiveChunks(store: BlobStore, image: OciImage, tag: string, mtime: number) {
  const entry = (path: string, type: 'dir' | 'file', size: number): TarEntry => ({
    path,
    type,
    mode: type === 'dir' ? 0o755 : 0o644,
    uid: 0,
    gid: 0,
    size,
    mtime,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
  });
  const small = (path: string, data: Buffer) => [
    encodeHeader(entry(path, 'file', data.length)),
    data,
    Buffer.alloc(padded(data.length) - data.length),
  ];
  yield* small('oci-layout', OCI_LAYOUT);
  yield* small('index.json', indexDocument(image, tag));
  yield encodeHeader(entry('blobs', 'dir', 0));
  yield encodeHeader(entry('blobs/sha256', 'dir', 0));
  for (const blob of blobsOf(image)) {
    yield encodeHeader(entry(`blobs/sha256/${blob.digest.slice('sha256:'.length)}`, 'file', blob.size));
    let seen = 0;
    for await (const chunk of await store.open(blob.digest)) {
      seen += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    if (seen !== blob.size) throw new Error(`blob ${blob.digest} has ${seen} bytes, expected ${blob.size}`);
    yield Buffer.alloc(padded(blob.size) - blob.size);
  }
  yield END_OF_ARCHIVE;
}

/**
 * Writes an `oci-archive` (a tar of an OCI layout: `skopeo copy oci-archive:FILE:TAG …`).
 * Written to a temp file beside `file` and renamed: never a torn archive.
 */
export async function exportOciArchive(
  store: BlobStore,
  image: OciImage,
  file: string,
  options: { tag?: string; created?: number; signal?: AbortSignal } = {},
): Promise<ExportResult> {
  const started = performance.now();
  await mkdir(dirname(file), { recursive: true });
  const tmp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const out = createWriteStream(tmp, { flags: 'wx', mode: 0o644 });
    await pipeline(
      Readable.from(archiveChunks(store, image, options.tag ?? 'latest', options.created ?? 0)),
      out,
      { signal: options.signal },
    );
    await rename(tmp, file);
    return { path: file, wallMs: Math.round(performance.now() - started), bytesWritten: out.bytesWritten };
  } finally {
    await rm(tmp, { force: true });
  }
}
