import { createHash } from 'node:crypto';
import { lstat, readFile, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalidValue, wrapError } from '../core/errors.js';
import { deepFreeze } from '../core/freeze.js';
import { type InstalledPackage, parseDpkgStatus } from './dpkg-status.js';
import { type OsRelease, parseOsRelease } from './os-release.js';

/** What an image contains: its OS and its dpkg packages. Plain data, so it can be stored as JSON. */
export interface Inventory {
  readonly os: OsRelease;
  readonly packages: readonly InstalledPackage[];
  /** sha256 (hex) of `var/lib/dpkg/status`: the cache key, and proof of what was read. */
  readonly statusSha256: string;
}

/**
 * Remembers parsed package lists by the sha256 of the status file they came from; a Map
 * will do, a store may persist it. Implementations must return exactly what was set.
 */
export interface InventoryCache {
  get(statusSha256: string): readonly InstalledPackage[] | undefined;
  set(statusSha256: string, packages: readonly InstalledPackage[]): void;
}

export interface InventoryOptions {
  cache?: InventoryCache;
}

const STATUS = 'var/lib/dpkg/status';
// os-release(5): /etc/os-release wins, /usr/lib/os-release is the fallback.
const OS_RELEASE = ['etc/os-release', 'usr/lib/os-release'];
const MAX_LINKS = 40;

/**
 * Resolves `relPath` inside `rootDir` the way the image would see it: absolute symlink
 * targets restart at the image root and `..` never climbs above it, so a link such as
 * `/etc/os-release -> /usr/lib/os-release` reads the image's file, never the host's.
 */
export async function resolveInRoot(rootDir: string, relPath: string): Promise<string | undefined> {
  const pending = relPath.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let links = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === '..') {
      done.pop();
      continue;
    }
    const host = join(rootDir, ...done, part);
    const info = await lstat(host).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (!info) return undefined;
    if (!info.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++links > MAX_LINKS) throw new Error(`too many symbolic links resolving /${relPath} in ${rootDir}`);
    const target = await readlink(host);
    if (target.startsWith('/')) done.length = 0;
    pending.unshift(
      ...posix
        .normalize(target)
        .split('/')
        .filter((p) => p !== '' && p !== '.'),
    );
  }
  return join(rootDir, ...done);
}

async function readInRoot(rootDir: string, relPath: string): Promise<Buffer | undefined> {
  const path = await resolveInRoot(rootDir, relPath);
  return path ? readFile(path) : undefined;
}

/** Reads the inventory of a root file system tree (an image's rootfs before it is packed). */
export async function inventoryOf(rootDir: string, options: InventoryOptions = {}): Promise<Inventory> {
  try {
    const status = await readInRoot(rootDir, STATUS);
    if (!status) {
      throw invalidValue(
        'rootDir',
        `${rootDir} has no /${STATUS}.`,
        'Only dpkg-based images can be inventoried.',
      );
    }
    const statusSha256 = createHash('sha256').update(status).digest('hex');
    let packages = options.cache?.get(statusSha256);
    if (!packages) {
      packages = parseDpkgStatus(status.toString('utf8'), `/${STATUS}`);
      options.cache?.set(statusSha256, packages);
    }
    let osText = '';
    for (const candidate of OS_RELEASE) {
      const found = await readInRoot(rootDir, candidate);
      if (found) {
        osText = found.toString('utf8');
        break;
      }
    }
    return deepFreeze({ os: parseOsRelease(osText), packages, statusSha256 });
  } catch (err) {
    throw wrapError(`reading the package inventory of ${rootDir}`, err);
  }
}
