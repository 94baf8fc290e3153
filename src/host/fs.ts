import { randomBytes } from 'node:crypto';
import { mkdirSync, statfsSync } from 'node:fs';
import { mkdtemp, open, rename, rm } from 'node:fs/promises';
import { freemem, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { mountsUnder } from './mount.js';

const TMPFS_MAGIC = 0x01021994;
/** Memory that must stay free before scratch goes to tmpfs (a build with all intermediates used ~0.8 GB). */
export const DEFAULT_MIN_FREE_MEMORY = 2 * 1024 ** 3;

export interface TempDirOptions {
  /** Put the directory on tmpfs (/dev/shm) when enough memory is free: the root disk is slow to create files on. */
  memory?: boolean;
  minFreeBytes?: number;
  /** Create it under this directory instead (for trees that must later be renamed into place there). */
  parent?: string;
}

/**
 * The directory scratch trees go to: /dev/shm when it is a tmpfs with room and the machine has
 * the memory, otherwise the OS temp directory (feasibility.md: tmpfs is several times faster
 * for unpacking trees than an ext4 disk mounted with `discard`).
 */
export function scratchRoot(options: { memory?: boolean; minFreeBytes?: number } = {}): string {
  const min = options.minFreeBytes ?? DEFAULT_MIN_FREE_MEMORY;
  if (options.memory !== false) {
    try {
      const st = statfsSync('/dev/shm');
      if (st.type === TMPFS_MAGIC && st.bavail * st.bsize >= min && freemem() >= min) {
        const dir = `/dev/shm/kiln-${process.getuid?.() ?? 'user'}`;
        mkdirSync(dir, { recursive: true, mode: 0o700 });
        return dir;
      }
    } catch {
      // no usable /dev/shm: fall back to disk
    }
  }
  return tmpdir();
}

/** A fresh private directory `<root>/<prefix>XXXXXX`; the caller removes it (removeTree). */
export async function makeTempDir(prefix: string, options: TempDirOptions = {}): Promise<string> {
  const root = options.parent ?? scratchRoot(options);
  return mkdtemp(join(root, prefix));
}

/**
 * Removes a directory tree, refusing when something is still mounted inside it: deleting
 * through a live mount would delete the mounted files (e.g. a parent tree under an overlay).
 */
export async function removeTree(path: string): Promise<void> {
  const mounts = mountsUnder(path);
  if (mounts.length > 0) {
    throw new Error(`refusing to remove ${path}: still mounted at ${mounts.join(', ')}`);
  }
  await rm(path, { recursive: true, force: true });
}

/**
 * Renames a finished directory into place. Returns false, leaving `from` alone, when `to`
 * already exists and is not empty (another process published the same thing first).
 */
export async function publishDir(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false;
    throw err;
  }
}

/** Writes a file so that readers see either the old or the new content, never a torn one. */
export async function writeFileAtomic(path: string, data: string | Buffer): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(tmp, 'w', 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
