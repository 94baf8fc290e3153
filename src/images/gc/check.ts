/**
 * `kiln store check`: verifies every blob file of the data directory (sha256 of its content;
 * of the decrypted content for encrypted stores) and that every reference resolves, and with
 * `repair` does what is safe: finishes a collection's journal, removes temp files and
 * unreferenced blobs, and puts back a missing or corrupt blob from another store or layout
 * holding a verified copy of the same digest. It never deletes anything referenced.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { copyFile, link, mkdir, readFile, readdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { removeTree } from '../../host/fs.js';
import type { Digest } from '../blob-store.js';
import {
  type CollectGarbageOptions,
  completeJournal,
  deleteEntries,
  exportFiles,
  startStamp,
  withGcLock,
} from './collect.js';
import { type JournalEntry, readJournal, removeJournal, writeJournal } from './journal.js';
import {
  collectReferences,
  type Decrypt,
  liveByStore,
  type Reference,
  type ReferenceSet,
} from './references.js';
import {
  blobPath,
  blobStores,
  type GcPaths,
  listStoreFiles,
  regionRoots,
  type StoreFile,
  type StoreLocation,
} from './stores.js';

export type StoreProblemKind = 'missing' | 'corrupt' | 'dangling' | 'temp' | 'journal' | 'unreadable';

export interface StoreProblem {
  readonly kind: StoreProblemKind;
  /** Store id (`main`, `region:<r>`, `encrypted:<r>/<key>`, `layout:<dir>`, `exports:<r>`), or `gc`. */
  readonly store: string;
  readonly path: string;
  readonly digest?: string;
  /** Who references the blob (missing and corrupt blobs). */
  readonly referencedBy?: readonly string[];
  readonly detail: string;
  /** True when `repair` fixed it. */
  repaired: boolean;
}

export interface StoreCheckReport {
  /** Blob files whose digest was verified. */
  readonly verified: number;
  /** Encrypted blob files not verified for want of a decrypt function. */
  readonly unverified: number;
  readonly problems: readonly StoreProblem[];
  /** No problem is left (none found, or all repaired). */
  readonly clean: boolean;
}

export interface CheckStoreOptions extends GcPaths {
  readonly repair?: boolean;
  readonly decrypt?: Decrypt;
  readonly signal?: AbortSignal;
  readonly log?: (line: string) => void;
}

interface Checked extends StoreFile {
  readonly store: StoreLocation;
  /** undefined: not verifiable (encrypted, no decrypt function). */
  readonly ok: boolean | undefined;
  readonly detail?: string;
}

async function sha256File(path: string): Promise<Digest> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return `sha256:${hash.digest('hex')}`;
}

/** Verifies files, each inode once (stores and layouts share files through hard links). */
class Verifier {
  readonly byInode = new Map<string, { ok: boolean | undefined; detail?: string }>();
  constructor(readonly decrypt?: Decrypt) {}

  async verify(store: StoreLocation, f: StoreFile) {
    const key = `${f.dev}:${f.ino}:${store.keyId ?? ''}`;
    const known = this.byInode.get(key);
    if (known) return known;
    let result: { ok: boolean | undefined; detail?: string };
    if (store.kind !== 'encrypted') {
      const actual = await sha256File(f.path);
      result = actual === f.digest ? { ok: true } : { ok: false, detail: `content hashes to ${actual}` };
    } else if (!this.decrypt) {
      result = { ok: undefined };
    } else {
      try {
        const plain = this.decrypt(store.keyId as string, f.digest, await readFile(f.path));
        const actual = `sha256:${createHash('sha256').update(plain).digest('hex')}`;
        result = actual === f.digest ? { ok: true } : { ok: false, detail: `decrypts to ${actual}` };
      } catch (err) {
        result = { ok: false, detail: `does not decrypt with key ${store.keyId}: ${(err as Error).message}` };
      }
    }
    this.byInode.set(key, result);
    return result;
  }
}

/** Puts a verified copy in place: a hard link when possible, else a copy; never a torn file. */
async function restore(source: string, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const tmp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await link(source, tmp).catch(() => copyFile(source, tmp));
    await rename(tmp, target);
  } finally {
    await rm(tmp, { force: true });
  }
}

function referrers(refs: ReferenceSet): Map<string, Reference[]> {
  const out = new Map<string, Reference[]>();
  for (const r of refs.references) {
    const key = `${r.store}\n${r.digest}`;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}

const unique = (refs: readonly Reference[] | undefined) => [...new Set((refs ?? []).map((r) => r.by))];

async function stagingDirs(dataDir: string): Promise<string[]> {
  const dir = join(dataDir, 'images');
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).filter((n) => n.startsWith('.staging-')).map((n) => join(dir, n));
}

/** Runs the check (and repairs) holding the collectors' lock. */
export async function checkStore(options: CheckStoreOptions): Promise<StoreCheckReport> {
  return withGcLock(options.dataDir, options.signal, () => checkLocked(options));
}

async function checkLocked(options: CheckStoreOptions): Promise<StoreCheckReport> {
  const problems: StoreProblem[] = [];
  const repair = options.repair === true;
  const gcOptions: CollectGarbageOptions = options;
  const journal = await readJournal(options.dataDir);
  if (journal) {
    const p: StoreProblem = {
      kind: 'journal',
      store: 'gc',
      path: join(options.dataDir, 'gc', 'journal.json'),
      detail: `a garbage collection started ${journal.startedAt} did not finish (${journal.entries.length} files to delete)`,
      repaired: false,
    };
    problems.push(p);
    if (repair) {
      await completeJournal(gcOptions);
      p.repaired = true;
    }
  }
  const startedMs = await startStamp(options.dataDir);
  const refs = await collectReferences(options, options);
  const byRef = referrers(refs);
  const live = liveByStore(refs);
  const frozen = new Set(refs.unresolved.flatMap((u) => u.stores));
  for (const u of refs.unresolved)
    problems.push({
      kind: 'unreadable',
      store: u.stores[0] ?? '',
      path: '',
      detail: `${u.by}: ${u.detail}`,
      repaired: false,
    });

  const verifier = new Verifier(options.decrypt);
  const stores = [...(await blobStores(options)), ...refs.layouts];
  const checked = new Map<string, Map<Digest, Checked>>();
  const good = new Map<Digest, string>();
  let verified = 0;
  let unverified = 0;
  for (const store of stores) {
    options.signal?.throwIfAborted();
    const { files, strays } = await listStoreFiles(store);
    const here = new Map<Digest, Checked>();
    checked.set(store.id, here);
    for (const f of files) {
      const v = await verifier.verify(store, f);
      here.set(f.digest, { ...f, store, ...v });
      if (v.ok === undefined) unverified++;
      else verified++;
      if (v.ok && store.kind !== 'encrypted') good.set(f.digest, f.path);
    }
    for (const path of strays)
      problems.push({
        kind: 'temp',
        store: store.id,
        path,
        detail: 'a temp file a killed writer left',
        repaired: false,
      });
  }
  for (const path of await stagingDirs(options.dataDir))
    problems.push({
      kind: 'temp',
      store: 'main',
      path,
      detail: 'an image directory never published',
      repaired: false,
    });

  // Corrupt files, and strict references with no file.
  const storeById = new Map(stores.map((s) => [s.id, s]));
  for (const [storeId, files] of checked) {
    for (const f of files.values()) {
      if (f.ok !== false) continue;
      const by = unique(byRef.get(`${storeId}\n${f.digest}`));
      problems.push({
        kind: 'corrupt',
        store: storeId,
        path: f.path,
        digest: f.digest,
        referencedBy: by,
        detail: f.detail ?? '',
        repaired: false,
      });
    }
  }
  const seen = new Set<string>();
  for (const r of refs.references) {
    const key = `${r.store}\n${r.digest}`;
    if (!r.strict || seen.has(key) || checked.get(r.store)?.has(r.digest)) continue;
    seen.add(key);
    const store = storeById.get(r.store);
    const path = store ? blobPath(store, r.digest) : r.store;
    problems.push({
      kind: 'missing',
      store: r.store,
      path,
      digest: r.digest,
      referencedBy: unique(byRef.get(key)),
      detail: 'referenced but absent',
      repaired: false,
    });
  }

  // Unreferenced blobs and exports.
  const dangling: JournalEntry[] = [];
  for (const store of stores) {
    if (!store.collectable || frozen.has(store.id)) continue;
    for (const f of checked.get(store.id)?.values() ?? []) {
      if (live.get(store.id)?.has(f.digest)) continue;
      problems.push({
        kind: 'dangling',
        store: store.id,
        path: f.path,
        digest: f.digest,
        detail: 'nothing references it',
        repaired: false,
      });
      if (f.mtimeMs < startedMs) dangling.push({ store: store.id, path: f.path, digest: f.digest });
    }
  }
  for (const [region, root] of await regionRoots(options)) {
    for (const f of await exportFiles(join(root, 'exports'))) {
      if (refs.exportFiles.has(f.path)) continue;
      problems.push({
        kind: 'dangling',
        store: `exports:${region}`,
        path: f.path,
        detail: 'no AMI record lists this export',
        repaired: false,
      });
      if (f.mtimeMs < startedMs) dangling.push({ store: `exports:${region}`, path: f.path });
    }
  }
  for (const path of refs.exportFiles)
    if (!existsSync(path))
      problems.push({
        kind: 'missing',
        store: 'exports',
        path,
        detail: 'an AMI record lists this export',
        repaired: false,
      });

  if (!repair) return { verified, unverified, problems, clean: problems.length === 0 };
  await repairProblems(options, problems, good, dangling);
  // What is left is what a fresh look finds (a restored manifest also settles an unreadable reference).
  const after = await checkLocked({ ...options, repair: false });
  return {
    verified,
    unverified,
    problems: [...problems.filter((p) => p.repaired), ...after.problems],
    clean: after.clean,
  };
}

async function repairProblems(
  options: CheckStoreOptions,
  problems: StoreProblem[],
  good: ReadonlyMap<Digest, string>,
  dangling: readonly JournalEntry[],
): Promise<void> {
  for (const p of problems) {
    if (p.kind === 'temp') {
      await removeTree(p.path);
      p.repaired = true;
    }
    if ((p.kind === 'missing' || p.kind === 'corrupt') && p.digest && !p.store.startsWith('encrypted:')) {
      const source = good.get(p.digest as Digest);
      if (source === undefined || !p.path) continue;
      await restore(source, p.path);
      p.repaired = true;
      options.log?.(`restored ${p.path} from ${source}`);
    }
  }
  // A corrupt blob nothing references is simply removed with the other unreferenced ones.
  const removable = new Set(dangling.map((e) => e.path));
  if (dangling.length > 0) {
    await writeJournal(options.dataDir, {
      version: 1,
      startedAt: new Date().toISOString(),
      entries: dangling,
    });
    await deleteEntries(options, dangling);
    await removeJournal(options.dataDir);
  }
  for (const p of problems)
    if ((p.kind === 'dangling' || p.kind === 'corrupt') && removable.has(p.path)) p.repaired = true;
}
