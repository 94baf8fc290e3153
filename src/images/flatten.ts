import { lstat, readdir, realpath, rm } from 'node:fs/promises';
import { dirname, join, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import type { BlobStore, Digest } from './blob-store.js';
import { OPAQUE_MARKER } from './layers.js';
import { type EntryType, TarParser } from './tar-format.js';

/** What must go from the tree before a layer is extracted onto it (pure). */
export interface LayerPrep {
  /** Remove these paths entirely (whiteouts). */
  remove: string[];
  /** Empty these directories (opaque markers): their lower contents disappear. */
  empty: string[];
  /** The layer's own entries with their types, to clear type conflicts (dir ↔ non-dir). */
  entries: { path: string; type: EntryType }[];
}

const WH = '.wh.';

/** Refuses entry paths that could leave the tree. */
function checkPath(path: string): void {
  if (path.split('/').some((part) => part === '..'))
    throw new Error(`layer entry escapes the tree: '${path}'`);
}

/**
 * Sorts a layer's entries into whiteouts, opaque markers and ordinary entries (pure). OCI
 * semantics: a whiteout hides what lower layers have at that path; the layer's own entries
 * are extracted after the whiteouts are applied.
 */
export function planLayerPrep(entries: readonly { path: string; type: EntryType }[]): LayerPrep {
  const prep: LayerPrep = { remove: [], empty: [], entries: [] };
  for (const entry of entries) {
    checkPath(entry.path);
    const slash = entry.path.lastIndexOf('/');
    const dir = slash === -1 ? '' : entry.path.slice(0, slash);
    const base = entry.path.slice(slash + 1);
    if (base === OPAQUE_MARKER) prep.empty.push(dir);
    else if (base.startsWith(WH))
      prep.remove.push(dir ? `${dir}/${base.slice(WH.length)}` : base.slice(WH.length));
    else prep.entries.push(entry);
  }
  return prep;
}

async function kindOf(path: string): Promise<'dir' | 'other' | 'none'> {
  try {
    return (await lstat(path)).isDirectory() ? 'dir' : 'other';
  } catch {
    return 'none';
  }
}

/**
 * `root/path`, or undefined when the path does not exist or its parent directory resolves
 * (through symlinks in the tree, e.g. `dev/fd -> /proc/self/fd`) outside the tree.
 */
async function inside(root: string, path: string): Promise<string | undefined> {
  const full = join(root, path);
  try {
    const parent = await realpath(dirname(full));
    const top = await realpath(root);
    return parent === top || parent.startsWith(top + sep)
      ? join(parent, full.slice(dirname(full).length + 1))
      : undefined;
  } catch {
    return undefined;
  }
}

/** Applies a prep to the tree: whiteouts, opaque directories, then type conflicts. */
async function applyPrep(target: string, prep: LayerPrep): Promise<void> {
  for (const path of prep.remove) {
    const full = await inside(target, path);
    if (full) await rm(full, { recursive: true, force: true });
  }
  for (const dir of prep.empty) {
    const full = dir === '' ? target : await inside(target, dir);
    if (!full) continue;
    if ((await kindOf(full)) !== 'dir') continue;
    for (const name of await readdir(full)) await rm(join(full, name), { recursive: true, force: true });
  }
  for (const entry of prep.entries) {
    const full = await inside(target, entry.path);
    if (!full) continue;
    const kind = await kindOf(full);
    if ((entry.type === 'dir' && kind === 'other') || (entry.type !== 'dir' && kind === 'dir')) {
      await rm(full, { recursive: true, force: true });
    }
  }
}

async function listEntries(store: BlobStore, digest: Digest, signal?: AbortSignal) {
  const entries: { path: string; type: EntryType }[] = [];
  const parser = new TarParser({
    entry: (e) => entries.push({ path: e.path, type: e.type }),
    data: () => {},
  });
  await pipeline(
    await store.open(digest, { signal }),
    createGunzip(),
    async (source: AsyncIterable<Buffer>) => {
      for await (const chunk of source) parser.push(chunk);
    },
    { signal },
  );
  return entries;
}

export interface ApplyResult {
  wallMs: number;
  layers: number;
}

/**
 * Applies gzip OCI layers, lowest first, onto a directory (a copy of the parent tree, or an
 * empty one for a base layer) with OCI whiteout semantics. Each layer is read twice: once for
 * its whiteouts, then streamed into GNU tar, which restores owners, modes, xattrs (file
 * capabilities), hard links and device nodes.
 */
export async function applyLayers(
  target: string,
  layers: readonly { digest: Digest }[],
  store: BlobStore,
  options: { signal?: AbortSignal } = {},
): Promise<ApplyResult> {
  const started = performance.now();
  const tar = requireTool('tar', 'tar');
  for (const layer of layers) {
    const prep = planLayerPrep(await listEntries(store, layer.digest, options.signal));
    await applyPrep(target, prep);
    const source = (await store.open(layer.digest, { signal: options.signal })).pipe(createGunzip());
    await runChecked(
      [
        tar,
        '--extract',
        '--file=-',
        `--directory=${target}`,
        '--numeric-owner',
        '--same-owner',
        '--same-permissions',
        '--xattrs',
        '--xattrs-include=*',
        `--exclude=${WH}*`,
      ],
      { input: source, signal: options.signal },
    );
  }
  return { wallMs: Math.round(performance.now() - started), layers: layers.length };
}

/** Copies a parent tree for applyLayers (reflinks where the file system has them). */
export async function copyTree(from: string, to: string, signal?: AbortSignal): Promise<void> {
  const cp = requireTool('cp', 'coreutils');
  await runChecked([cp, '-a', '--reflink=auto', '--no-target-directory', from, to], { signal });
}
