/**
 * Exports by image identity (content addressed): the OCI archive and layout of a manifest
 * digest, the disks of a manifest digest and size, are written once into a cache and hard-linked
 * into every image directory that has them. A rebuild that produces the same layers (a no-op
 * rebuild) writes nothing again: its image directory is a set of links.
 */
import { existsSync } from 'node:fs';
import { link, lstat, mkdir, readdir, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, publishDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';

/** Export sets are large (disks): keep the newest few per cache; a reused set counts as new. */
const KEPT_SETS = 4;

async function prune(root: string, keep: string): Promise<void> {
  const sets = (await readdir(root)).filter((n) => !n.startsWith('.')).map((n) => join(root, n));
  const dated = await Promise.all(
    sets.map(async (d) => ({ d, t: (await stat(d).catch(() => undefined))?.mtimeMs ?? 0 })),
  );
  dated.sort((a, b) => b.t - a.t);
  for (const { d } of dated.slice(KEPT_SETS)) if (d !== keep) await removeTree(d);
}

/**
 * The export set `key` under `root`: reused when it exists (a set is published whole, by
 * rename), else made by `make` in a private directory and published.
 */
export async function cachedExport(
  root: string,
  key: string,
  make: (dir: string) => Promise<void>,
): Promise<{ dir: string; cached: boolean }> {
  const dir = join(root, key);
  if (existsSync(dir)) {
    const now = new Date();
    await utimes(dir, now, now).catch(() => undefined);
    return { dir, cached: true };
  }
  await mkdir(root, { recursive: true });
  const tmp = await makeTempDir(`.${key.slice(0, 12)}-`, { parent: root });
  try {
    await make(tmp);
    // Another build may have published the same set first: its content is the same.
    if (!(await publishDir(tmp, dir))) await removeTree(tmp);
    await prune(root, dir);
    return { dir, cached: false };
  } finally {
    await removeTree(tmp);
  }
}

/** Links `from` (a file, or a directory tree) to `to`; copies files, keeping holes, across file systems. */
export async function linkTree(from: string, to: string, signal: AbortSignal): Promise<void> {
  if ((await lstat(from)).isDirectory()) {
    await mkdir(to);
    for (const name of await readdir(from)) await linkTree(join(from, name), join(to, name), signal);
    return;
  }
  try {
    await link(from, to);
  } catch {
    await runChecked(['cp', '--sparse=always', '--reflink=auto', from, to], { signal });
  }
}
