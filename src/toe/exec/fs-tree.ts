import type { Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readdir, readlink, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { fsErrors, InstanceFsError } from './fs-errors.js';
import type { Resolved } from './fs-resolve.js';
import type { FileInfo } from './instance-fs.js';

export function fileInfo(stats: Stats): FileInfo {
  const type = stats.isFile()
    ? 'file'
    : stats.isDirectory()
      ? 'directory'
      : stats.isSymbolicLink()
        ? 'symlink'
        : 'other';
  return { type, mode: stats.mode & 0o7777, size: stats.size, uid: stats.uid, gid: stats.gid };
}

/**
 * Visits `host` and, for a folder, everything below it, never following a link (entries come
 * from readdir and are lstat'ed, so a link inside the tree is visited as a link).
 */
export async function walkTree(
  host: string,
  stats: Stats,
  visit: (host: string, stats: Stats) => Promise<void>,
): Promise<void> {
  await visit(host, stats);
  if (!stats.isDirectory()) return;
  for (const name of await readdir(host)) {
    const child = join(host, name);
    await walkTree(child, await lstat(child), visit);
  }
}

/** Resolves an instance path below a folder already being copied into (links in the way are replaced, not followed). */
export type ResolveChild = (path: string) => Promise<Resolved>;

/**
 * Copies `src` (a file, a link, or a folder tree) to `dst`, keeping modes; `dst`'s parent
 * exists. Sources are read through real folders only (readdir + lstat), destinations below
 * `dst` are resolved by the caller's safe resolver, so nothing leaves the instance.
 */
export async function copyTree(src: Resolved, dst: Resolved, resolveChild: ResolveChild): Promise<void> {
  const s = src.stats;
  if (s === undefined) throw fsErrors.missing(src.path);
  const d = dst.stats;
  if (s.isSymbolicLink()) {
    if (d?.isDirectory()) throw fsErrors.isDir(dst.path);
    if (d) await rm(dst.host);
    await symlink(await readlink(src.host), dst.host);
    return;
  }
  if (s.isFile()) {
    if (d?.isDirectory()) throw fsErrors.isDir(dst.path);
    // A link in the way is replaced by the file (cp --remove-destination), never written through.
    if (d?.isSymbolicLink()) await rm(dst.host);
    await copyFile(src.host, dst.host);
    await chmod(dst.host, s.mode & 0o7777);
    return;
  }
  if (!s.isDirectory()) {
    throw new InstanceFsError('EINVAL', src.path, `${src.path} is a special file (device, socket or pipe)`);
  }
  if (d && !d.isDirectory()) {
    if (!d.isSymbolicLink()) throw fsErrors.notDir(dst.path);
    await rm(dst.host);
  }
  if (!d || d.isSymbolicLink()) await mkdir(dst.host);
  for (const name of (await readdir(src.host)).sort()) {
    const childHost = join(src.host, name);
    const child: Resolved = { path: join(src.path, name), host: childHost, stats: await lstat(childHost) };
    await copyTree(child, await resolveChild(join(dst.path, name)), resolveChild);
  }
  // Last, so that a read-only source folder does not block writing its children.
  await chmod(dst.host, s.mode & 0o7777);
}
