/**
 * Reference-counted garbage collection of the artifact stores (design: docs/architecture.md,
 * "Garbage collection"). A blob goes when no image directory, AMI record, container layout or
 * cache references it in its store; deletion goes through a journal so a kill -9 midway is
 * finished later, never left half-known.
 *
 * Concurrency: collections serialise on an flock (`DATA_DIR/gc/lock`; collections may run in
 * the server and in `kiln store check --repair`). Builds do not take that lock: the server runs
 * a collection only when none of its builds is in flight (src/app/engine.ts), and every
 * collection keeps blobs written after it started (file mtime at or after its start), so a
 * writer outside the server (an import) that publishes new blobs while a collection scans
 * loses nothing.
 */
import { existsSync } from 'node:fs';
import { lstat, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { acquireLock } from '../../host/lock.js';
import type { Digest } from '../blob-store.js';
import {
  gcDir,
  type JournalEntry,
  lockFile,
  readJournal,
  removeCounted,
  removeJournal,
  writeJournal,
} from './journal.js';
import { collectReferences, type Decrypt, liveByStore, type ReferenceSet } from './references.js';
import { blobStores, type GcPaths, listStoreFiles, regionRoots } from './stores.js';

export interface CollectGarbageOptions extends GcPaths {
  readonly signal?: AbortSignal;
  /** More roots: a digest for which this answers true is kept in every store. */
  readonly isProtected?: (digest: Digest) => boolean;
  /** Reads encrypted stores where an AMI record without `blobs` needs it. */
  readonly decrypt?: Decrypt;
  readonly log?: (line: string) => void;
  /** Called after each deletion (progress; the crash test stops the process here). */
  readonly onRemoved?: (entry: JournalEntry, done: number, total: number) => void | Promise<void>;
}

export interface GarbageCollection {
  /** Blob files deleted (a digest present in two stores counts twice). */
  readonly removedBlobs: number;
  /** Other files deleted: unreferenced region exports. */
  readonly removedFiles: number;
  /** Bytes freed on disk: a file counts when its last hard link went. */
  readonly freedBytes: number;
  /** Blob files kept (referenced, protected, newer than the collection, or in a store left alone). */
  readonly kept: number;
  /** Entries of an unfinished journal this run completed first. */
  readonly journalCompleted?: number;
}

/**
 * The collection's start on the file system's clock: a stamp's mtime once the clock has moved
 * past it, so every file written before the call is older and every file written during the
 * scan is not (mtimes are coarse: a few milliseconds).
 */
export async function startStamp(dataDir: string): Promise<number> {
  const file = join(gcDir(dataDir), 'stamp');
  await writeFile(file, '');
  const first = (await stat(file)).mtimeMs;
  for (;;) {
    await sleep(1);
    await writeFile(file, '');
    const now = (await stat(file)).mtimeMs;
    if (now > first) return now;
  }
}

function isLive(
  entry: JournalEntry,
  live: Map<string, Set<Digest>>,
  refs: ReferenceSet,
  frozen: ReadonlySet<string>,
  isProtected?: (digest: Digest) => boolean,
): boolean {
  if (entry.digest === undefined) return refs.exportFiles.has(entry.path);
  return (
    frozen.has(entry.store) ||
    live.get(entry.store)?.has(entry.digest) === true ||
    isProtected?.(entry.digest) === true
  );
}

const frozenStores = (refs: ReferenceSet) => new Set(refs.unresolved.flatMap((u) => u.stores));

/** Deletes journal entries in order (the caller wrote the journal and holds the lock). */
export async function deleteEntries(
  options: CollectGarbageOptions,
  entries: readonly JournalEntry[],
): Promise<{ blobs: number; files: number; bytes: number }> {
  let blobs = 0;
  let files = 0;
  let bytes = 0;
  for (const [i, entry] of entries.entries()) {
    // Stopping midway is safe: the journal stays and the next collection finishes it.
    options.signal?.throwIfAborted();
    if (!existsSync(entry.path)) continue;
    bytes += await removeCounted(entry.path);
    if (entry.digest === undefined) files++;
    else blobs++;
    await options.onRemoved?.(entry, i + 1, entries.length);
  }
  return { blobs, files, bytes };
}

/** Completes an unfinished journal; the caller holds the lock (withGcLock). */
export async function completeJournal(options: CollectGarbageOptions) {
  const journal = await readJournal(options.dataDir);
  if (!journal) return undefined;
  const refs = await collectReferences(options, options);
  const live = liveByStore(refs);
  const frozen = frozenStores(refs);
  // Re-checked: something may have come to reference an entry since the journal was written.
  const still = journal.entries.filter((e) => !isLive(e, live, refs, frozen, options.isProtected));
  const done = await deleteEntries(options, still);
  await removeJournal(options.dataDir);
  options.log?.(
    `garbage collection: finished the journal of ${journal.startedAt}: ${done.blobs + done.files} of ${journal.entries.length} files removed`,
  );
  return done;
}

export async function exportFiles(dir: string): Promise<{ path: string; mtimeMs: number }[]> {
  if (!existsSync(dir)) return [];
  const out: { path: string; mtimeMs: number }[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const st = await lstat(path);
    if (st.isDirectory()) out.push(...(await exportFiles(path)));
    else out.push({ path, mtimeMs: st.mtimeMs });
  }
  return out;
}

/** What is unreferenced now and older than `startedMs`: the journal to be. */
async function plan(options: CollectGarbageOptions, refs: ReferenceSet, startedMs: number) {
  const live = liveByStore(refs);
  const frozen = frozenStores(refs);
  for (const u of refs.unresolved)
    options.log?.(`garbage collection: leaving ${u.stores.join(', ')} alone: ${u.by}: ${u.detail}`);
  const entries: JournalEntry[] = [];
  let kept = 0;
  for (const store of await blobStores(options)) {
    for (const f of (await listStoreFiles(store)).files) {
      const entry = { store: store.id, path: f.path, digest: f.digest };
      if (f.mtimeMs >= startedMs || isLive(entry, live, refs, frozen, options.isProtected)) kept++;
      else entries.push(entry);
    }
  }
  for (const [region, root] of await regionRoots(options)) {
    for (const f of await exportFiles(join(root, 'exports'))) {
      const entry = { store: `exports:${region}`, path: f.path };
      if (f.mtimeMs < startedMs && !isLive(entry, live, refs, frozen)) entries.push(entry);
    }
  }
  return { entries, kept };
}

/** Runs `work` holding the collectors' lock of `dataDir`. */
export async function withGcLock<T>(
  dataDir: string,
  signal: AbortSignal | undefined,
  work: () => Promise<T>,
): Promise<T> {
  await mkdir(gcDir(dataDir), { recursive: true });
  const lock = await acquireLock(lockFile(dataDir), signal ? { signal } : {});
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

/** Removes every blob (and region export) nothing references; see the module comment. */
export async function collectGarbage(options: CollectGarbageOptions): Promise<GarbageCollection> {
  return withGcLock(options.dataDir, options.signal, async () => {
    const finished = await completeJournal(options);
    const startedMs = await startStamp(options.dataDir);
    options.signal?.throwIfAborted();
    const refs = await collectReferences(options, options);
    const { entries, kept } = await plan(options, refs, startedMs);
    options.signal?.throwIfAborted();
    let done = { blobs: 0, files: 0, bytes: 0 };
    if (entries.length > 0) {
      await writeJournal(options.dataDir, {
        version: 1,
        startedAt: new Date(startedMs).toISOString(),
        entries,
      });
      done = await deleteEntries(options, entries);
      await removeJournal(options.dataDir);
    }
    const result: GarbageCollection = {
      removedBlobs: done.blobs + (finished?.blobs ?? 0),
      removedFiles: done.files + (finished?.files ?? 0),
      freedBytes: done.bytes + (finished?.bytes ?? 0),
      kept,
      ...(finished ? { journalCompleted: finished.blobs + finished.files } : {}),
    };
    options.log?.(
      `garbage collection: ${result.removedBlobs} blobs and ${result.removedFiles} other files removed, ${result.freedBytes} bytes freed, ${kept} blobs kept`,
    );
    return result;
  });
}

/** Server start: completes a journal a killed collection left; returns how many files it removed. */
export async function finishGcJournal(options: CollectGarbageOptions): Promise<number> {
  if (!(await readJournal(options.dataDir))) return 0;
  return withGcLock(options.dataDir, options.signal, async () => {
    const done = await completeJournal(options);
    return done ? done.blobs + done.files : 0;
  });
}
