import type { Stats } from 'node:fs';
import { lstat, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { InstanceFsError } from './fs-errors.js';

/** A folder of the instance and the host folder holding it; `hostDir` undefined = unreachable (/proc). */
export interface Mount {
  readonly path: string;
  readonly hostDir: string | undefined;
}

/** A path resolved inside the instance: canonical instance path, host path, and what is there. */
export interface Resolved {
  readonly path: string;
  readonly host: string;
  /** lstat of `host`; undefined when nothing is there yet. */
  readonly stats: Stats | undefined;
}

/** Linux's limit on links followed in one lookup. */
const MAX_LINKS = 40;

function parts(path: string): string[] {
  return path.split('/').filter((p) => p !== '' && p !== '.');
}

function errno(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException).code;
}

/**
 * Resolves instance paths to host paths the way the instance's kernel would, one component at a
 * time within the instance's root (like securejoin or openat2's RESOLVE_IN_ROOT): an absolute
 * link target starts again at the instance root, `..` never climbs above it, and a mount table
 * maps instance folders (/, /tmp, binds) to the host folders holding them. The host path it
 * returns has no symlink in any component but possibly the last (when not following it), so a
 * host call on it cannot leave the instance.
 */
export class PathResolver {
  private readonly mounts: { parts: string[]; hostDir: string | undefined; path: string }[];

  constructor(
    mounts: readonly Mount[],
    private readonly cwd: string,
  ) {
    if (!mounts.some((m) => m.path === '/')) throw new Error('the mount table needs a root (/)');
    this.mounts = mounts
      .map((m) => ({ parts: parts(m.path), hostDir: m.hostDir, path: `/${parts(m.path).join('/')}` }))
      .sort((a, b) => b.parts.length - a.parts.length);
  }

  /** True for `/` and the instance folders the table maps (/tmp, binds): they cannot be moved or removed. */
  isMountPoint(canonical: string): boolean {
    return this.mounts.some((m) => m.path === canonical);
  }

  /**
   * `path` made absolute against the working directory, not normalised: `..` must be applied
   * after the links before it are resolved, as the kernel does.
   */
  absolute(path: string): string {
    return path.startsWith('/') ? path : `${this.cwd.replace(/\/+$/, '')}/${path}`;
  }

  /** Host path of canonical components, through the deepest mount holding them. */
  private host(components: readonly string[]): string {
    for (const m of this.mounts) {
      if (m.parts.length > components.length) continue;
      if (!m.parts.every((p, i) => components[i] === p)) continue;
      const shown = `/${components.join('/')}`;
      if (m.hostDir === undefined) {
        throw new InstanceFsError(
          'EUNREACHABLE',
          shown,
          `${shown} is inside ${m.path}, which file modules cannot reach; use a command (ExecuteBash)`,
        );
      }
      return join(m.hostDir, ...components.slice(m.parts.length));
    }
    throw new Error('unreachable: the mount table has a root');
  }

  /**
   * Resolves `path`; with `followLast` a link in the last component is followed too. Missing
   * trailing components are allowed (for creating them); a file where a folder is needed is
   * ENOTDIR, and `..` after a missing component is ENOENT, as in the kernel.
   */
  async resolve(path: string, followLast: boolean): Promise<Resolved> {
    const shown = this.absolute(path);
    let done: string[] = [];
    let todo = parts(shown);
    let links = 0;
    let missing = false;
    while (todo.length > 0) {
      const part = todo.shift() as string;
      if (part === '..') {
        if (missing) throw new InstanceFsError('ENOENT', shown, `${shown} does not exist`);
        done.pop();
        continue;
      }
      const next = [...done, part];
      if (missing) {
        done = next;
        continue;
      }
      const isLast = todo.length === 0;
      const stats = await lstatOrUndefined(this.host(next), shown);
      if (stats === undefined) {
        missing = true;
      } else if (stats.isSymbolicLink() && (!isLast || followLast)) {
        links += 1;
        if (links > MAX_LINKS) {
          throw new InstanceFsError('ELOOP', shown, `${shown}: too many levels of symbolic links`);
        }
        const target = await readlink(this.host(next));
        if (target.startsWith('/')) done = [];
        todo = [...parts(target), ...todo];
        continue;
      } else if (!isLast && !stats.isDirectory()) {
        const at = `/${next.join('/')}`;
        throw new InstanceFsError('ENOTDIR', shown, `${shown}: ${at} is not a folder`);
      }
      done = next;
    }
    // Once more for the final component: `..` or the root may have ended the walk.
    const stats = missing ? undefined : await lstatOrUndefined(this.host(done), shown);
    return { path: `/${done.join('/')}`, host: this.host(done), stats };
  }
}

async function lstatOrUndefined(host: string, shown: string): Promise<Stats | undefined> {
  try {
    return await lstat(host);
  } catch (err) {
    if (errno(err) === 'ENOENT') return undefined;
    if (errno(err) === 'ENOTDIR')
      throw new InstanceFsError('ENOTDIR', shown, `${shown}: not a folder on the way`);
    throw err;
  }
}
