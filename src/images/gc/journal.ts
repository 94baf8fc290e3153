/**
 * The garbage collector's journal: the exact list of files one collection is about to delete,
 * written atomically before the first deletion and removed after the last. A collection killed
 * in between leaves it; the next collection, server start or `kiln store check --repair`
 * finishes it — deleting only the entries that are still unreferenced then.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../../host/fs.js';
import type { Digest } from '../blob-store.js';

export interface JournalEntry {
  /** Store id (stores.ts), or `exports:<region>` for an export file. */
  readonly store: string;
  readonly path: string;
  /** Absent for export files. */
  readonly digest?: Digest;
}

export interface Journal {
  readonly version: 1;
  readonly startedAt: string;
  readonly entries: readonly JournalEntry[];
}

export const gcDir = (dataDir: string): string => join(dataDir, 'gc');
export const journalFile = (dataDir: string): string => join(gcDir(dataDir), 'journal.json');
export const lockFile = (dataDir: string): string => join(gcDir(dataDir), 'lock');

export async function writeJournal(dataDir: string, journal: Journal): Promise<void> {
  await mkdir(gcDir(dataDir), { recursive: true });
  await writeFileAtomic(journalFile(dataDir), JSON.stringify(journal));
}

/** The unfinished journal, if any; a torn one cannot exist (atomic write), an unparsable one throws. */
export async function readJournal(dataDir: string): Promise<Journal | undefined> {
  const file = journalFile(dataDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Journal;
  } catch (err) {
    throw new Error(`reading the garbage collection journal ${file}`, { cause: err });
  }
}

export async function removeJournal(dataDir: string): Promise<void> {
  await rm(journalFile(dataDir), { force: true });
}

/**
 * Deletes one file; returns the bytes this freed on disk: its size when this was its last
 * link, 0 when another hard link (another store, a layout, a cache) still holds the content
 * or it was already gone.
 */
export async function removeCounted(path: string): Promise<number> {
  try {
    const st = await lstat(path);
    await unlink(path);
    return st.nlink === 1 ? st.size : 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw err;
  }
}
