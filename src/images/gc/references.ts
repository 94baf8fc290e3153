/**
 * The live reference set: every blob something in the data directory or the caches still
 * points at, per store, with who points at it. Strict references must be present (a missing
 * one is damage `kiln store check` reports); soft ones (caches, layouts' own files, in-flight
 * staging) only keep a blob alive when it is there.
 */
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { listAmiRecords } from '../../distribution/ami-store.js';
import { type Digest, parseDigest, sha256Digest } from '../blob-store.js';
import {
  encryptedStoreId,
  type GcPaths,
  keyIdOf,
  layoutStore,
  listStoreFiles,
  mainStoreId,
  mainStoreRoot,
  regionRoots,
  regionStoreId,
  type StoreLocation,
} from './stores.js';

/**
 * Decrypts a blob of an encrypted store whose plaintext hashes to `digest` (src/distribution/
 * kms.ts decryptBlob with the key's material); throws when it does not authenticate.
 */
export type Decrypt = (keyId: string, digest: Digest, data: Buffer) => Buffer;

export interface Reference {
  /** A store id (see stores.ts). */
  readonly store: string;
  readonly digest: Digest;
  /** Who needs it, for messages: `image ami-…`, `AMI ami-… in us-east-1`, `layer cache …`. */
  readonly by: string;
  readonly strict: boolean;
}

export interface ReferenceSet {
  readonly references: readonly Reference[];
  /** OCI layouts found (image directories, container repositories, cached exports). */
  readonly layouts: readonly StoreLocation[];
  /** Export files (absolute paths) AMI records list: the rest of `regions/<r>/exports` is garbage. */
  readonly exportFiles: ReadonlySet<string>;
  /** References whose content could not be read: nothing is collected from these stores. */
  readonly unresolved: readonly {
    readonly stores: readonly string[];
    readonly by: string;
    readonly detail: string;
  }[];
}

/** A place a JSON blob may be read from: a `sha256` directory, encrypted with `keyId` when given. */
interface Source {
  readonly dir: string;
  readonly keyId?: string;
}

async function readJsonBlob(
  digest: Digest,
  sources: readonly Source[],
  decrypt?: Decrypt,
): Promise<Record<string, unknown> | undefined> {
  for (const s of sources) {
    const file = join(s.dir, digest.slice('sha256:'.length));
    if (!existsSync(file)) continue;
    try {
      let bytes = await readFile(file);
      if (s.keyId !== undefined) {
        if (!decrypt) continue;
        bytes = decrypt(s.keyId, digest, bytes);
      }
      // A corrupt copy must not decide what is live: try the next source.
      if (sha256Digest(bytes) !== digest) continue;
      return JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
    } catch {}
  }
  return undefined;
}

const digestsIn = (list: unknown): Digest[] =>
  Array.isArray(list)
    ? list.flatMap((d) => {
        try {
          return [parseDigest(String((d as { digest?: unknown }).digest))];
        } catch {
          return [];
        }
      })
    : [];

/**
 * Every digest a manifest or index needs (itself, nested manifests, configs, layers), read from
 * the first source holding a verified copy; undefined when some document cannot be read.
 */
export async function contentClosure(
  root: Digest,
  sources: readonly Source[],
  decrypt?: Decrypt,
): Promise<Digest[] | undefined> {
  const out = new Set<Digest>();
  const todo: Digest[] = [root];
  while (todo.length > 0) {
    const digest = todo.pop() as Digest;
    if (out.has(digest)) continue;
    out.add(digest);
    const doc = await readJsonBlob(digest, sources, decrypt);
    if (!doc) return undefined;
    todo.push(...digestsIn(doc.manifests));
    for (const d of digestsIn(doc.config ? [doc.config] : [])) out.add(d);
    for (const d of digestsIn(doc.layers)) out.add(d);
  }
  return [...out];
}

async function readJson(file: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

async function names(dir: string): Promise<string[]> {
  return existsSync(dir) ? (await readdir(dir)).sort() : [];
}

class Collector {
  readonly references: Reference[] = [];
  readonly layouts: StoreLocation[] = [];
  readonly exportFiles = new Set<string>();
  readonly unresolved: { stores: string[]; by: string; detail: string }[] = [];
  constructor(
    readonly mainDir: string,
    readonly decrypt?: Decrypt,
  ) {}

  add(store: string, digests: readonly Digest[], by: string, strict: boolean): void {
    for (const digest of digests) this.references.push({ store, digest, by, strict });
  }

  /** A layout: its files keep main blobs alive; its index must be complete within itself. */
  async layout(dir: string, by: string): Promise<void> {
    if (!existsSync(join(dir, 'blobs', 'sha256')) && !existsSync(join(dir, 'index.json'))) return;
    const store = layoutStore(dir);
    this.layouts.push(store);
    const { files } = await listStoreFiles(store);
    this.add(
      mainStoreId,
      files.map((f) => f.digest),
      by,
      false,
    );
    const index = await readJson(join(dir, 'index.json'));
    if (!index) return; // still being written (a staging directory), or damaged: check reports files only
    const sources = [{ dir: store.dir }, { dir: this.mainDir }];
    for (const m of digestsIn(index.manifests)) {
      const closure = await contentClosure(m, sources);
      this.add(store.id, closure ?? [m], by, true);
    }
  }
}

async function imageDirs(c: Collector, dataDir: string): Promise<void> {
  const root = join(dataDir, 'images');
  for (const name of await names(root)) {
    const dir = join(root, name);
    const published = !name.startsWith('.');
    const by = published ? `image ${name}` : `staging directory ${name}`;
    await c.layout(join(dir, 'oci'), by);
    const record = await readJson(join(dir, 'image.json'));
    if (!record || typeof record.manifestDigest !== 'string') continue;
    let manifest: Digest;
    try {
      manifest = parseDigest(record.manifestDigest);
    } catch {
      continue;
    }
    const layers = digestsIn(record.layers);
    const closure = await contentClosure(manifest, [
      { dir: c.mainDir },
      { dir: join(dir, 'oci', 'blobs', 'sha256') },
    ]);
    if (!closure && published)
      c.unresolved.push({ stores: [mainStoreId], by, detail: `manifest ${manifest} cannot be read` });
    c.add(mainStoreId, [...new Set([...(closure ?? [manifest]), ...layers])], by, published);
  }
}

async function amiRecords(c: Collector, paths: GcPaths, roots: Map<string, string>): Promise<void> {
  for (const record of await listAmiRecords(paths.dataDir)) {
    const by = `AMI ${record.image} in ${record.region}`;
    const root = roots.get(record.region) ?? join(paths.dataDir, 'regions', record.region);
    const plainDir = join(root, 'blobs', 'sha256');
    const keyId = record.kmsKeyArn ? keyIdOf(record.kmsKeyArn) : undefined;
    const target = keyId ? encryptedStoreId(record.region, keyId) : regionStoreId(record.region);
    for (const e of record.exports ?? [])
      c.exportFiles.add(e.path.startsWith('/') ? e.path : join(root, e.path));
    let manifest: Digest;
    try {
      manifest = parseDigest(record.manifestDigest);
    } catch {
      c.unresolved.push({
        stores: [target],
        by,
        detail: `manifestDigest '${record.manifestDigest}' is not a digest`,
      });
      continue;
    }
    if (record.blobs) {
      const blobs = digestsIn(record.blobs.map((digest) => ({ digest })));
      c.add(target, blobs, by, true);
      // `ami-…` parents read the main store; a plain region copy of an encrypted AMI is kept too.
      c.add(mainStoreId, blobs, by, false);
      if (keyId) c.add(regionStoreId(record.region), blobs, by, false);
      continue;
    }
    // Records without `blobs` (imports, older distributions): the manifest tells.
    const sources: Source[] = [
      { dir: plainDir },
      ...(keyId ? [{ dir: join(root, 'encrypted', keyId, 'sha256'), keyId }] : []),
      { dir: c.mainDir },
    ];
    const closure = await contentClosure(manifest, sources, c.decrypt);
    if (!closure) {
      c.unresolved.push({
        stores: [target, mainStoreId],
        by,
        detail: `manifest ${manifest} cannot be read from the region's store or the main store`,
      });
      c.add(target, [manifest], by, true);
      continue;
    }
    const inRegion = existsSync(
      join(keyId ? join(root, 'encrypted', keyId, 'sha256') : plainDir, manifest.slice(7)),
    );
    c.add(inRegion ? target : mainStoreId, closure, by, true);
    c.add(mainStoreId, closure, by, false);
    if (keyId) c.add(regionStoreId(record.region), closure, by, false);
  }
}

/** Container images distributed as OCI layouts: `<region store>/repositories/<name…>/<tag>`. */
async function repositories(c: Collector, dir: string, by: string): Promise<void> {
  if (existsSync(join(dir, 'oci-layout'))) return c.layout(dir, `${by} ${dir}`);
  for (const name of await names(dir)) {
    if (name === 'blobs') continue;
    const sub = join(dir, name);
    if ((await readdir(sub).catch(() => undefined)) !== undefined) await repositories(c, sub, by);
  }
}

/**
 * What the caches point at by digest: a layer cache entry's layer, a parent's base layer and the
 * cached OCI exports. Builds check the blob before reusing one (and capture it again from the
 * cached tree when it is gone), but between that check and the image's publication only these
 * references keep the blob alive — so they are roots.
 */
async function caches(c: Collector, cacheDir: string): Promise<void> {
  const layers = join(cacheDir, 'layers');
  for (const key of await names(layers)) {
    const entry = await readJson(join(layers, key, 'layer.json'));
    const layer = entry?.layer as { digest?: unknown } | undefined;
    c.add(mainStoreId, digestsIn([layer]), `layer cache ${key.slice(0, 12)}`, false);
  }
  const bases = join(cacheDir, 'base-layers');
  for (const file of await names(bases)) {
    if (!file.endsWith('.json')) continue;
    c.add(
      mainStoreId,
      digestsIn([await readJson(join(bases, file))]),
      `base layer ${file.slice(0, 12)}`,
      false,
    );
  }
  const exports = join(cacheDir, 'oci-exports');
  for (const set of await names(exports)) await c.layout(join(exports, set, 'oci'), `cached export ${set}`);
}

/** The live reference set of a data directory and its cache directory. */
export async function collectReferences(
  paths: GcPaths,
  options: { readonly decrypt?: Decrypt } = {},
): Promise<ReferenceSet> {
  const c = new Collector(join(mainStoreRoot(paths.dataDir), 'blobs', 'sha256'), options.decrypt);
  const roots = await regionRoots(paths);
  await imageDirs(c, paths.dataDir);
  await amiRecords(c, paths, roots);
  for (const [region, root] of roots)
    await repositories(c, join(root, 'repositories'), `container image in ${region}:`);
  await caches(c, paths.cacheDir);
  return {
    references: c.references,
    layouts: c.layouts,
    exportFiles: c.exportFiles,
    unresolved: c.unresolved,
  };
}

/** Store id → digests referenced there. */
export function liveByStore(set: ReferenceSet): Map<string, Set<Digest>> {
  const live = new Map<string, Set<Digest>>();
  for (const r of set.references) {
    const s = live.get(r.store) ?? new Set<Digest>();
    s.add(r.digest);
    live.set(r.store, s);
  }
  return live;
}
