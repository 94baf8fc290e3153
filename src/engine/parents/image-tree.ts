/**
 * A Kiln image (built or imported) as a parent tree. Its identity is its manifest digest, read
 * with its layers from the blob store (the source of truth). Instances need the layers as
 * overlay lower dirs: the trees the image was built from when this machine still has them
 * (`images/<id>/image.json` lists them), else the layers applied once into
 * `cacheDir/image-trees/<key>/rootfs` (built aside, published by rename, under a lock).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidValue, KilnError, wrapError } from '../../core/errors.js';
import { makeTempDir, publishDir, removeTree, writeFileAtomic } from '../../host/fs.js';
import { acquireLock } from '../../host/lock.js';
import { type BlobStore, type Digest, DirectoryBlobStore, parseDigest } from '../../images/blob-store.js';
import { applyLayers } from '../../images/flatten.js';
import type { ImageLayer } from '../../images/oci.js';
import {
  type AptSource,
  parseDeb822Sources,
  parseOneLineSources,
  type SuiteSource,
} from '../../images/parents/apt-sources.js';
import { mirrorState } from '../../images/parents/mirror-state.js';
import type { ResourceRecord } from '../../store/store.js';
import type { ParentTree } from '../resolve.js';

export interface ImageTreeOptions {
  readonly dataDir: string;
  readonly cacheDir: string;
  readonly signal?: AbortSignal | undefined;
  readonly log?: ((line: string) => void) | undefined;
}

/** What an image's OCI manifest and config say: its layers (bottom first) and creation time. */
export interface ImageContent {
  readonly manifestDigest: Digest;
  readonly configDigest: Digest;
  readonly layers: readonly ImageLayer[];
  /** The config's `created`, in seconds. */
  readonly created: number;
}

async function readJsonBlob(blobs: BlobStore, digest: Digest): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of await blobs.open(digest)) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
}

/** Reads an image's manifest and config from the store; every layer blob must be there. */
export async function readImageContent(blobs: BlobStore, manifestDigest: string): Promise<ImageContent> {
  const digest = parseDigest(manifestDigest);
  const manifest = (await readJsonBlob(blobs, digest)) as {
    config: { digest: string };
    layers: { digest: string; size: number }[];
  };
  const config = (await readJsonBlob(blobs, parseDigest(manifest.config.digest))) as {
    created?: string;
    rootfs: { diff_ids: string[] };
  };
  const layers = manifest.layers.map((l, i) => ({
    digest: parseDigest(l.digest),
    size: l.size,
    diffId: parseDigest(config.rootfs.diff_ids[i] ?? ''),
  }));
  for (const l of layers) {
    if (!(await blobs.has(l.digest)))
      throw new Error(`layer ${l.digest} of ${digest} is not in the blob store`);
  }
  const created = Math.floor(Date.parse(config.created ?? '1970-01-01T00:00:00Z') / 1000);
  return {
    manifestDigest: digest,
    configDigest: parseDigest(manifest.config.digest),
    layers,
    created: Number.isFinite(created) ? created : 0,
  };
}

/** The lower dirs the image was built from, when all of them are still on this machine. */
export async function recordedLowers(
  dataDir: string,
  imageId: string | undefined,
): Promise<string[] | undefined> {
  if (!imageId || !/^ami-[0-9a-f]+$/.test(imageId)) return undefined;
  const file = join(dataDir, 'images', imageId, 'image.json');
  if (!existsSync(file)) return undefined;
  const dirs = (JSON.parse(await readFile(file, 'utf8')) as { lowerDirs?: string[] }).lowerDirs ?? [];
  return dirs.length > 0 && dirs.every((d) => existsSync(d)) ? dirs : undefined;
}

/** The image's layers applied into one cached tree (extracted once per manifest). */
export async function ensureImageTree(
  blobs: BlobStore,
  content: ImageContent,
  options: ImageTreeOptions,
): Promise<string> {
  const key = content.manifestDigest.slice('sha256:'.length, 'sha256:'.length + 32);
  const parent = join(options.cacheDir, 'image-trees');
  const dir = join(parent, key);
  if (existsSync(join(dir, 'rootfs'))) return join(dir, 'rootfs');
  await mkdir(parent, { recursive: true });
  const lock = await acquireLock(
    join(parent, `${key}.lock`),
    options.signal ? { signal: options.signal } : {},
  );
  try {
    if (existsSync(join(dir, 'rootfs'))) return join(dir, 'rootfs');
    options.log?.(`extracting ${content.layers.length} layers of ${content.manifestDigest}`);
    const tmp = await makeTempDir(`.${key}-`, { parent });
    try {
      await mkdir(join(tmp, 'rootfs'), { mode: 0o755 });
      await applyLayers(
        join(tmp, 'rootfs'),
        content.layers,
        blobs,
        options.signal ? { signal: options.signal } : {},
      );
      if (!(await publishDir(tmp, dir))) await removeTree(tmp);
    } finally {
      if (existsSync(tmp)) await removeTree(tmp);
    }
    return join(dir, 'rootfs');
  } finally {
    await lock.release();
  }
}

const readText = (path: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return ''; // missing, or an overlay whiteout
  }
};

/** The apt sources of a stack of lower dirs (top first): each file from the topmost that has it. */
export function stackedAptSources(lowerDirs: readonly string[]): SuiteSource[] {
  const first = (rel: string) => lowerDirs.map((d) => join(d, rel)).find((p) => existsSync(p));
  const list = first('etc/apt/sources.list');
  const sources: AptSource[] = list ? parseOneLineSources(readText(list)) : [];
  const names = new Set<string>();
  for (const d of lowerDirs) {
    const dir = join(d, 'etc/apt/sources.list.d');
    if (existsSync(dir)) for (const n of readdirSync(dir)) names.add(n);
  }
  for (const name of [...names].sort()) {
    const path = first(`etc/apt/sources.list.d/${name}`);
    if (!path) continue;
    if (name.endsWith('.list')) sources.push(...parseOneLineSources(readText(path)));
    if (name.endsWith('.sources')) sources.push(...parseDeb822Sources(readText(path)));
  }
  const seen = new Set<string>();
  const out: SuiteSource[] = [];
  for (const s of sources.filter((x) => x.types.includes('deb'))) {
    for (const rawUri of s.uris) {
      for (const suite of s.suites) {
        const uri = rawUri.replace(/\/+$/, '');
        if (seen.has(`${uri} ${suite}`)) continue;
        seen.add(`${uri} ${suite}`);
        out.push({ uri, suite, components: s.components.length ? s.components : ['main'] });
      }
    }
  }
  return out;
}

/** The mirror state of the tree's apt sources; offline, the last state seen for this parent. */
async function treeMirrorState(lowerDirs: readonly string[], key: string, options: ImageTreeOptions) {
  const entries = stackedAptSources(lowerDirs);
  if (entries.length === 0) return '';
  const remembered = join(options.cacheDir, 'image-trees', `${key}.mirror-state`);
  try {
    const state = await mirrorState(entries, options.signal ? { signal: options.signal } : {});
    await mkdir(join(options.cacheDir, 'image-trees'), { recursive: true });
    await writeFileAtomic(remembered, state);
    return state;
  } catch (err) {
    options.signal?.throwIfAborted();
    if (!existsSync(remembered))
      throw wrapError('asking the parent image’s package mirrors for their state', err);
    options.log?.(`mirror unreachable (${(err as Error).message}); using the last state seen`);
    return (await readFile(remembered, 'utf8')).trim();
  }
}

/** An AVAILABLE image build record → a parent tree keyed by its manifest digest. */
export async function imageParentTree(
  record: ResourceRecord,
  reference: string,
  via: readonly string[],
  options: ImageTreeOptions,
): Promise<ParentTree> {
  const artifacts = record.body.kilnArtifacts as { imageId?: string; manifestDigest?: string } | undefined;
  if (!artifacts?.manifestDigest) {
    throw invalidValue(
      'parentImage',
      `the image '${record.arn}' has no Kiln artifacts to build on.`,
      'Use an image this server built or imported (kiln image import).',
    );
  }
  const blobs = new DirectoryBlobStore(join(options.dataDir, 'blobs'));
  let content: ImageContent;
  try {
    content = await readImageContent(blobs, artifacts.manifestDigest);
  } catch (err) {
    throw new KilnError(
      'ServiceException',
      `reading the parent image ${record.arn}: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  const key = content.manifestDigest.slice('sha256:'.length, 'sha256:'.length + 32);
  const lowerDirs = (await recordedLowers(options.dataDir, artifacts.imageId)) ?? [
    await ensureImageTree(blobs, content, options),
  ];
  return Object.freeze({
    reference,
    resolved: record.arn,
    digest: content.manifestDigest,
    lowerDirs,
    mirrorState: await treeMirrorState(lowerDirs, key, options),
    sourceDateEpoch: content.created,
    treeKey: key,
    layers: content.layers,
    via,
  });
}
