import { constants, type Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import { posix } from 'node:path';
import { parseGroup, parsePasswd, resolveOwner } from './fs-accounts.js';
import { fsErrors, InstanceFsError } from './fs-errors.js';
import { matchesWildcard } from './fs-wildcard.js';
import { type Mount, PathResolver, type Resolved } from './fs-resolve.js';
import { copyTree, fileInfo, walkTree } from './fs-tree.js';
import type { FileInfo, InstanceFs, OwnerSpec, WriteOptions } from './instance-fs.js';

const { O_WRONLY, O_CREAT, O_TRUNC, O_APPEND, O_NOFOLLOW } = constants;

/** FileHandle.write may write less than asked; loop until the chunk is down. */
async function writeAll(handle: fs.FileHandle, chunk: Uint8Array): Promise<void> {
  for (let done = 0; done < chunk.length; ) {
    done += (await handle.write(chunk, done, chunk.length - done)).bytesWritten;
  }
}

type Present = Resolved & { readonly stats: Stats };

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * InstanceFs over host folders holding an instance's tree (see PathResolver for why every
 * host call here stays inside it). Opens use O_NOFOLLOW as a second guard.
 */
export class RootedFs implements InstanceFs {
  private readonly r: PathResolver;

  constructor(mounts: readonly Mount[], cwd: string) {
    this.r = new PathResolver(mounts, cwd);
  }

  async realpath(path: string): Promise<string> {
    return (await this.r.resolve(path, true)).path;
  }

  async stat(path: string): Promise<FileInfo | undefined> {
    const { stats } = await this.r.resolve(path, true);
    return stats && fileInfo(stats);
  }

  async lstat(path: string): Promise<FileInfo | undefined> {
    const { stats } = await this.r.resolve(path, false);
    return stats && fileInfo(stats);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async readFile(path: string): Promise<Buffer> {
    return fs.readFile((await this.regularFile(path)).host);
  }

  async writeFile(
    path: string,
    data: string | Uint8Array | AsyncIterable<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<void> {
    const target = await this.r.resolve(path, true);
    if (target.stats) this.requireRegular(target);
    else await this.requireParent(target);
    const handle = await fs.open(target.host, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0o600);
    try {
      if (typeof data === 'string' || data instanceof Uint8Array) await handle.writeFile(data);
      else for await (const chunk of data) await writeAll(handle, chunk);
      const mode = options.mode ?? (target.stats ? undefined : 0o644);
      // chmod rather than open's mode: the result must not depend on the host's umask.
      if (mode !== undefined) await handle.chmod(mode);
    } finally {
      await handle.close();
    }
  }

  async appendFile(path: string, data: string | Uint8Array): Promise<void> {
    const target = await this.regularFile(path);
    const handle = await fs.open(target.host, O_WRONLY | O_APPEND | O_NOFOLLOW);
    try {
      await handle.writeFile(data);
    } finally {
      await handle.close();
    }
  }

  async mkdir(path: string, options: { readonly mode?: number } = {}): Promise<void> {
    const target = await this.r.resolve(path, true);
    if (target.stats) {
      if (target.stats.isDirectory()) return;
      throw fsErrors.notDir(target.path);
    }
    await this.mkdir(posix.dirname(target.path), options);
    await fs.mkdir(target.host);
    await fs.chmod(target.host, options.mode ?? 0o755);
  }

  async readdir(path: string): Promise<string[]> {
    return (await fs.readdir((await this.folder(path)).host)).sort();
  }

  async glob(pattern: string): Promise<string[]> {
    const abs = this.r.absolute(pattern);
    const dir = posix.dirname(abs);
    const names = await this.readdir(dir);
    return names.filter((n) => matchesWildcard(posix.basename(abs), n)).map((n) => posix.join(dir, n));
  }

  async copy(source: string, destination: string): Promise<void> {
    const src = await this.existing(source, true);
    const dst = await this.r.resolve(destination, true);
    if (src.stats.isDirectory()) this.requireOutside(src, dst);
    if (!dst.stats) await this.requireParent(dst);
    await copyTree(src, dst, (p) => this.r.resolve(p, false));
  }

  async rename(source: string, destination: string): Promise<void> {
    const src = await this.existing(source, false);
    this.requireNotMountPoint(src);
    const dst = await this.r.resolve(destination, false);
    this.requireNotMountPoint(dst);
    if (src.stats.isDirectory()) this.requireOutside(src, dst);
    if (!dst.stats) await this.requireParent(dst);
    try {
      await fs.rename(src.host, dst.host);
    } catch (err) {
      const code = errno(err);
      if (code === 'EXDEV') {
        await copyTree(src, dst, (p) => this.r.resolve(p, false));
        await fs.rm(src.host, { recursive: true });
      } else if (code === 'ENOTEMPTY' || code === 'EEXIST') throw fsErrors.notEmpty(dst.path);
      else if (code === 'EISDIR') throw fsErrors.isDir(dst.path);
      else if (code === 'ENOTDIR') throw fsErrors.notDir(dst.path);
      else throw err;
    }
  }

  async rm(path: string, options: { readonly recursive?: boolean } = {}): Promise<void> {
    const target = await this.existing(path, false);
    this.requireNotMountPoint(target);
    if (target.stats.isDirectory() && !options.recursive) throw fsErrors.isDir(target.path);
    await fs.rm(target.host, { recursive: target.stats.isDirectory() });
  }

  async rmdir(path: string): Promise<void> {
    const target = await this.existing(path, false);
    this.requireNotMountPoint(target);
    if (!target.stats.isDirectory()) throw fsErrors.notDir(target.path);
    try {
      await fs.rmdir(target.host);
    } catch (err) {
      if (errno(err) === 'ENOTEMPTY' || errno(err) === 'EEXIST') throw fsErrors.notEmpty(target.path);
      throw err;
    }
  }

  async symlink(target: string, path: string): Promise<void> {
    const link = await this.r.resolve(path, false);
    if (link.stats) throw fsErrors.exists(link.path);
    await this.requireParent(link);
    await fs.symlink(target, link.host);
  }

  async readlink(path: string): Promise<string> {
    const link = await this.existing(path, false);
    if (!link.stats.isSymbolicLink()) {
      throw new InstanceFsError('EINVAL', link.path, `${link.path} is not a symbolic link`);
    }
    return fs.readlink(link.host);
  }

  async chmod(path: string, mode: number, options: { readonly recursive?: boolean } = {}): Promise<void> {
    const target = await this.existing(path, true);
    if (!options.recursive) return fs.chmod(target.host, mode);
    await walkTree(target.host, target.stats, async (host, stats) => {
      if (!stats.isSymbolicLink()) await fs.chmod(host, mode);
    });
  }

  async chown(path: string, owner: OwnerSpec, options: { readonly recursive?: boolean } = {}): Promise<void> {
    const users = parsePasswd((await this.readFile('/etc/passwd')).toString('utf8'));
    const groups = parseGroup((await this.readFile('/etc/group')).toString('utf8'));
    const { uid, gid } = resolveOwner(owner, users, groups);
    const target = await this.existing(path, true);
    if (!options.recursive) return fs.chown(target.host, uid, gid);
    await walkTree(target.host, target.stats, (host) => fs.lchown(host, uid, gid));
  }

  private async existing(path: string, followLast: boolean): Promise<Present> {
    const target = await this.r.resolve(path, followLast);
    if (!target.stats) throw fsErrors.missing(target.path);
    return target as Present;
  }

  private async regularFile(path: string): Promise<Resolved> {
    const target = await this.existing(path, true);
    this.requireRegular(target);
    return target;
  }

  private async folder(path: string): Promise<Resolved> {
    const target = await this.existing(path, true);
    if (!target.stats?.isDirectory()) throw fsErrors.notDir(target.path);
    return target;
  }

  private requireRegular(target: Resolved): void {
    if (target.stats?.isDirectory()) throw fsErrors.isDir(target.path);
    if (!target.stats?.isFile()) {
      throw new InstanceFsError('EINVAL', target.path, `${target.path} is not a regular file`);
    }
  }

  private async requireParent(target: Resolved): Promise<void> {
    const parent = await this.r.resolve(posix.dirname(target.path), true);
    if (!parent.stats) throw fsErrors.missing(parent.path);
    if (!parent.stats.isDirectory()) throw fsErrors.notDir(parent.path);
  }

  private requireOutside(src: Resolved, dst: Resolved): void {
    if (dst.path === src.path || dst.path.startsWith(`${src.path === '/' ? '' : src.path}/`)) {
      throw new InstanceFsError(
        'EINVAL',
        dst.path,
        `cannot put folder ${src.path} inside itself (${dst.path})`,
      );
    }
  }

  private requireNotMountPoint(target: Resolved): void {
    if (this.r.isMountPoint(target.path)) {
      throw new InstanceFsError('EINVAL', target.path, `${target.path} is a mount point of the instance`);
    }
  }
}
