import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Instance } from '../../instances/backend.js';
import { RootedFs } from './fs-rooted.js';
import type { Mount } from './fs-resolve.js';

export type FileType = 'file' | 'directory' | 'symlink' | 'other';

/** What the instance would see of one file (numeric ids are the instance's, as it runs as real root). */
export interface FileInfo {
  readonly type: FileType;
  /** Permission bits with setuid, setgid and sticky (`mode & 0o7777`). */
  readonly mode: number;
  readonly size: number;
  readonly uid: number;
  readonly gid: number;
}

export { type FsErrorCode, InstanceFsError } from './fs-errors.js';

export interface WriteOptions {
  /** Mode after the write. Without it a new file gets 0644 (0666 minus umask 022), an existing one keeps its mode. */
  readonly mode?: number;
}

/** Who should own a file: names (or numeric ids) as the instance's account files know them. */
export interface OwnerSpec {
  /** Without `group`, the group becomes the user's primary group (like `chown user:`). */
  readonly user?: string;
  /** Alone, only the group changes. */
  readonly group?: string;
}

/**
 * File access inside a running instance, by instance paths. Action modules (CreateFile,
 * WebDownload, ...) use it instead of touching the host.
 *
 * Contract:
 * - Every path is an instance path; a relative one is taken relative to the instance's working
 *   directory (`/` by default). Symlinks are followed exactly as a process inside the instance
 *   would follow them: absolute targets start again at the instance root, `..` stops at that
 *   root, so no path, link or `..` can reach a file outside the instance. A method with "l" in
 *   its name (lstat, readlink) or one acting on a name (rm, rename, symlink) does not follow a
 *   link in the last component; everything else does.
 * - Paths on the instance's private mounts (`/tmp`, `/run`) work like any other path. Paths
 *   inside `/proc`, `/dev` and `/sys` fail with `EUNREACHABLE` (use a command for those).
 * - User and group names are looked up in the instance's own `/etc/passwd` and `/etc/group`.
 * - Expected failures (missing file, existing file, not a folder, unknown user, ...) reject
 *   with `InstanceFsError`. Calls are not atomic across files: a failed recursive operation
 *   leaves what it already did.
 * - Must not be used while a command of the instance runs (the engine runs one step at a time,
 *   and an instance's processes never outlive their exec), so paths cannot change under it.
 */
export interface InstanceFs {
  /** The canonical instance path of `path`, symlinks resolved; missing trailing parts are kept. */
  realpath(path: string): Promise<string>;
  /** Follows symlinks; undefined when nothing is there (or a link dangles). */
  stat(path: string): Promise<FileInfo | undefined>;
  lstat(path: string): Promise<FileInfo | undefined>;
  exists(path: string): Promise<boolean>;
  readFile(path: string): Promise<Buffer>;
  /** Creates or truncates a file; the parent folder must exist. Streams are written as they arrive. */
  writeFile(
    path: string,
    data: string | Uint8Array | AsyncIterable<Uint8Array>,
    options?: WriteOptions,
  ): Promise<void>;
  /** Appends to an existing file (ENOENT when missing). */
  appendFile(path: string, data: string | Uint8Array): Promise<void>;
  /** `mkdir -p`: `mode` (default 0755) applies to the folders it creates; ENOTDIR if a file is in the way. */
  mkdir(path: string, options?: { readonly mode?: number }): Promise<void>;
  /** Entry names, sorted. */
  readdir(path: string): Promise<string[]>;
  /**
   * Entries of one folder whose names match the last component of `pattern` (`*` is any run of
   * characters, `?` one character), as `dirname(pattern)/name`, sorted. ENOENT if the folder is missing.
   */
  glob(pattern: string): Promise<string[]>;
  /**
   * Copies a file or a folder tree to exactly `destination` (whose parent must exist), keeping
   * modes; links inside a tree are copied as links. An existing file is overwritten; an existing
   * folder is merged into. The new files belong to root.
   */
  copy(source: string, destination: string): Promise<void>;
  /** rename(2) semantics (an existing file or empty folder is replaced); across mounts it copies then removes. */
  rename(source: string, destination: string): Promise<void>;
  /** Removes a file or link; a folder needs `recursive` (which never follows links). */
  rm(path: string, options?: { readonly recursive?: boolean }): Promise<void>;
  /** Removes an empty folder (ENOTEMPTY otherwise). */
  rmdir(path: string): Promise<void>;
  /** Creates a link at `path` holding `target` verbatim; EEXIST if anything is there. */
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  /** With `recursive`, every folder and file below too (links are left alone). */
  chmod(path: string, mode: number, options?: { readonly recursive?: boolean }): Promise<void>;
  /** With `recursive`, everything below too (links themselves, never their targets). */
  chown(path: string, owner: OwnerSpec, options?: { readonly recursive?: boolean }): Promise<void>;
}

export interface BwrapInstanceFsOptions {
  /** Where relative paths start; default `/`. */
  readonly cwd?: string;
  /** Host folders bound into the instance (its LaunchSpec `binds`), so paths below them reach them. */
  readonly binds?: readonly { readonly src: string; readonly dest: string }[];
}

/**
 * InstanceFs of a bwrap instance, working host-side on `instance.rootDir` (the overlay's merged
 * tree) with safe path resolution. The instance's private `/tmp` and `/run` are not in rootDir:
 * the bwrap backend keeps them as `tmp/` and `run/` beside `upperDir` in the instance's scratch
 * folder, and binds them there, so this maps `/tmp/...` and `/run/...` to those folders. File
 * modules on `/tmp` paths thus see what commands of the instance see.
 */
export function bwrapInstanceFs(instance: Instance, options: BwrapInstanceFsOptions = {}): InstanceFs {
  const scratch = dirname(instance.upperDir);
  const mounts: Mount[] = [{ path: '/', hostDir: instance.rootDir }];
  for (const name of ['tmp', 'run']) {
    const hostDir = join(scratch, name);
    // A layout change in the backend must fail loudly here, not write into the overlay's /tmp.
    if (!existsSync(hostDir)) {
      throw new Error(`bwrap instance ${instance.id} has no private /${name} at ${hostDir}`);
    }
    mounts.push({ path: `/${name}`, hostDir });
  }
  for (const bind of options.binds ?? []) mounts.push({ path: bind.dest, hostDir: bind.src });
  for (const path of ['/proc', '/dev', '/sys']) mounts.push({ path, hostDir: undefined });
  return new RootedFs(mounts, options.cwd ?? '/');
}
