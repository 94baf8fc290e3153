/**
 * Where blobs live in a data directory, as garbage collection and `kiln store check` see them:
 * blob stores (files named by the sha256 of their content — for encrypted stores, of the
 * plaintext), which garbage collection may empty, and OCI layouts (image directories, container
 * repositories, cached exports), which only their owners remove: their blob files are roots.
 */
import { existsSync } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Digest } from '../blob-store.js';

export interface GcPaths {
  readonly dataDir: string;
  readonly cacheDir: string;
  /**
   * Region → root of its directory artifact store (config `regionStores` of type directory).
   * Regions not listed, and every directory under `DATA_DIR/regions`, use `DATA_DIR/regions/<region>`.
   */
  readonly regionDirs?: Readonly<Record<string, string>>;
}

/** A directory of blobs named by digest. */
export interface StoreLocation {
  /** `main`, `region:<region>`, `encrypted:<region>/<keyId>` or `layout:<dir>`. */
  readonly id: string;
  readonly kind: 'plain' | 'encrypted' | 'layout';
  /** The `sha256` directory holding the blob files. */
  readonly dir: string;
  /** Where the store's writers leave temp files (reported by `kiln store check`). */
  readonly tempDirs: readonly string[];
  /** Blob stores: garbage collection removes what nothing references. Layouts: never. */
  readonly collectable: boolean;
  readonly region?: string;
  readonly keyId?: string;
}

export interface StoreFile {
  readonly digest: Digest;
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly ino: number;
  readonly dev: number;
}

const HEX = /^[0-9a-f]{64}$/;

export const mainStoreId = 'main';
/** The main store is `new DirectoryBlobStore(DATA_DIR/blobs)`: its files are `DATA_DIR/blobs/blobs/sha256/<hex>`. */
export const mainStoreRoot = (dataDir: string): string => join(dataDir, 'blobs');
export const regionStoreId = (region: string): string => `region:${region}`;
export const encryptedStoreId = (region: string, keyId: string): string => `encrypted:${region}/${keyId}`;
export const layoutStoreId = (dir: string): string => `layout:${dir}`;

/** The key id of a KMS key ARN (`arn:aws:kms:<region>:<account>:key/<id>`), or the id itself. */
export const keyIdOf = (kmsKeyArn: string): string =>
  kmsKeyArn.replace(/^arn:[^:]+:kms:[^:]*:[^:]*:key\//, '');

async function dirNames(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  return (await readdir(dir)).sort();
}

/** Every region with a directory store: the configured ones and those found under `DATA_DIR/regions`. */
export async function regionRoots(paths: GcPaths): Promise<Map<string, string>> {
  const roots = new Map<string, string>();
  for (const r of await dirNames(join(paths.dataDir, 'regions')))
    if (!r.startsWith('.')) roots.set(r, join(paths.dataDir, 'regions', r));
  for (const [r, dir] of Object.entries(paths.regionDirs ?? {})) roots.set(r, dir);
  return roots;
}

/** The blob stores garbage collection manages: main, each region's plain and encrypted stores. */
export async function blobStores(paths: GcPaths): Promise<StoreLocation[]> {
  const stores: StoreLocation[] = [
    {
      id: mainStoreId,
      kind: 'plain',
      dir: join(mainStoreRoot(paths.dataDir), 'blobs', 'sha256'),
      tempDirs: [join(mainStoreRoot(paths.dataDir), 'blobs', '.tmp')],
      collectable: true,
    },
  ];
  for (const [region, root] of await regionRoots(paths)) {
    stores.push({
      id: regionStoreId(region),
      kind: 'plain',
      dir: join(root, 'blobs', 'sha256'),
      tempDirs: [join(root, 'blobs', '.tmp')],
      collectable: true,
      region,
    });
    for (const keyId of await dirNames(join(root, 'encrypted'))) {
      if (keyId.startsWith('.')) continue;
      stores.push({
        id: encryptedStoreId(region, keyId),
        kind: 'encrypted',
        dir: join(root, 'encrypted', keyId, 'sha256'),
        tempDirs: [],
        collectable: true,
        region,
        keyId,
      });
    }
  }
  return stores;
}

export function layoutStore(layoutDir: string): StoreLocation {
  return {
    id: layoutStoreId(layoutDir),
    kind: 'layout',
    dir: join(layoutDir, 'blobs', 'sha256'),
    tempDirs: [],
    collectable: false,
  };
}

/** Blob files of a store, and the other names in its directory (temp files of writers). */
export async function listStoreFiles(
  store: StoreLocation,
): Promise<{ files: StoreFile[]; strays: string[] }> {
  const files: StoreFile[] = [];
  const strays: string[] = [];
  for (const name of await dirNames(store.dir)) {
    const path = join(store.dir, name);
    if (!HEX.test(name)) {
      strays.push(path);
      continue;
    }
    try {
      const st = await lstat(path);
      if (!st.isFile()) {
        strays.push(path);
        continue;
      }
      files.push({
        digest: `sha256:${name}`,
        path,
        size: st.size,
        mtimeMs: st.mtimeMs,
        ino: st.ino,
        dev: st.dev,
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
  for (const dir of store.tempDirs) for (const n of await dirNames(dir)) strays.push(join(dir, n));
  return { files, strays };
}

/** Where a digest's file is (or would be) in a store. */
export const blobPath = (store: StoreLocation, digest: string): string =>
  join(store.dir, digest.replace(/^sha256:/, ''));
