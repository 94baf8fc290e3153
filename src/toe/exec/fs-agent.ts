import { posix } from 'node:path';
import type { Instance } from '../../instances/backend.js';
import { type AgentFsOp, agentFsProgram } from './fs-agent-script.js';
import { parseGroup, parsePasswd, resolveOwner } from './fs-accounts.js';
import { type FsErrorCode, fsErrors, InstanceFsError } from './fs-errors.js';
import { matchesWildcard } from './fs-wildcard.js';
import {
  bwrapInstanceFs,
  type FileInfo,
  type InstanceFs,
  type OwnerSpec,
  type WriteOptions,
} from './instance-fs.js';

/**
 * Bytes per exec when reading or writing a file. Reads come back hex-encoded and an exec keeps
 * at most 4 MiB of stdout; writes cross the guest agent's serial line in acknowledged pieces.
 */
const CHUNK = 1024 * 1024;
const EXPECTED_FAILURE = 3;

export interface AgentInstanceFsOptions {
  /** Where relative paths start; default `/`. */
  readonly cwd?: string;
}

const octal = (mode: number) => (mode & 0o7777).toString(8);
const unhex = (text: string) => Buffer.from(text.trim(), 'hex');

/** An expected failure as the guest reported it: `KILNFS <code> <hex path> [<hex message>]`. */
function expectedFailure(stderr: string): InstanceFsError | undefined {
  const line = stderr.split('\n').find((l) => l.startsWith('KILNFS '));
  if (!line) return undefined;
  const [, code, pathHex = '', messageHex] = line.trim().split(' ');
  const path = unhex(pathHex).toString('utf8');
  if (messageHex) return new InstanceFsError(code as FsErrorCode, path, unhex(messageHex).toString('utf8'));
  const standard: Partial<Record<string, (p: string) => InstanceFsError>> = {
    ENOENT: fsErrors.missing,
    EEXIST: fsErrors.exists,
    ENOTDIR: fsErrors.notDir,
    EISDIR: fsErrors.isDir,
    ENOTEMPTY: fsErrors.notEmpty,
  };
  return standard[code ?? '']?.(path) ?? new InstanceFsError(code as FsErrorCode, path, `${path}: ${code}`);
}

/**
 * InstanceFs over `instance.exec` alone: every call runs one small Perl program inside the
 * instance (fs-agent-script.ts), so it works where the instance's tree is not visible on the
 * host — a QEMU VM, whose root is on its virtual disk. Same contract, canonical paths and error
 * codes as the bwrap one; paths are the instance's own (its /tmp and /run are simply there).
 * Slower: one exec per call (a few per module step), and file data crosses the exec channel.
 */
export function agentInstanceFs(instance: Instance, options: AgentInstanceFsOptions = {}): InstanceFs {
  return new AgentFs(instance, options.cwd ?? '/');
}

/** Whether the host can see the instance's tree (bwrap) or only talk to it (a VM). */
export function treeVisibleOnHost(instance: Instance): boolean {
  try {
    return typeof instance.rootDir === 'string';
  } catch {
    return false;
  }
}

/** The InstanceFs that fits the instance: host-side over its tree when visible, else through exec. */
export function instanceFsFor(instance: Instance): InstanceFs {
  return treeVisibleOnHost(instance) ? bwrapInstanceFs(instance) : agentInstanceFs(instance);
}

class AgentFs implements InstanceFs {
  constructor(
    private readonly instance: Instance,
    private readonly cwd: string,
  ) {}

  /** Like PathResolver.absolute: not normalised, `..` is applied after the links before it. */
  private absolute(path: string): string {
    return path.startsWith('/') ? path : `${this.cwd.replace(/\/+$/, '')}/${path}`;
  }

  private async call(op: AgentFsOp, args: readonly string[], input?: Buffer | string): Promise<string> {
    const result = await this.instance.exec(['/usr/bin/perl', '-e', agentFsProgram(op), '--', ...args], {
      cwd: '/',
      env: { LC_ALL: 'C' },
      ...(input === undefined ? {} : { input }),
    });
    if (result.exitCode === 0) return result.stdout;
    const expected = result.exitCode === EXPECTED_FAILURE ? expectedFailure(result.stderr) : undefined;
    if (expected) throw expected;
    const why = result.stderr.trim() || `exit status ${result.exitCode ?? result.signal}`;
    throw new Error(`instance ${this.instance.id}: file operation ${op} ${args[0] ?? ''} failed: ${why}`);
  }

  async realpath(path: string): Promise<string> {
    return unhex(await this.call('realpath', [this.absolute(path)])).toString('utf8');
  }

  private async info(path: string, follow: boolean): Promise<FileInfo | undefined> {
    const out = (await this.call('stat', [this.absolute(path), follow ? '1' : '0'])).trim();
    if (out === '') return undefined;
    const [type, mode, size, uid, gid] = out.split(' ');
    return {
      type: type as FileInfo['type'],
      mode: Number(mode),
      size: Number(size),
      uid: Number(uid),
      gid: Number(gid),
    };
  }

  stat(path: string): Promise<FileInfo | undefined> {
    return this.info(path, true);
  }

  lstat(path: string): Promise<FileInfo | undefined> {
    return this.info(path, false);
  }

  async exists(path: string): Promise<boolean> {
    return (await this.stat(path)) !== undefined;
  }

  async readFile(path: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let offset = 0; ; offset += CHUNK) {
      const part = unhex(await this.call('read', [this.absolute(path), `${offset}`, `${CHUNK}`]));
      parts.push(part);
      if (part.length < CHUNK) return Buffer.concat(parts);
    }
  }

  async writeFile(
    path: string,
    data: string | Uint8Array | AsyncIterable<Uint8Array>,
    options: WriteOptions = {},
  ): Promise<void> {
    const abs = this.absolute(path);
    const mode = options.mode === undefined ? '-' : octal(options.mode);
    if (typeof data === 'string' || data instanceof Uint8Array) {
      const bytes = Buffer.from(data);
      await this.call('write', [abs, mode], bytes.subarray(0, CHUNK));
      for (let at = CHUNK; at < bytes.length; at += CHUNK)
        await this.call('append', [abs], bytes.subarray(at, at + CHUNK));
      return;
    }
    // A stream goes out in CHUNK-sized execs: the first creates (or truncates) the file.
    let pending: Buffer[] = [];
    let size = 0;
    let first = true;
    const flush = async () => {
      const bytes = Buffer.concat(pending);
      pending = [];
      size = 0;
      if (first) await this.call('write', [abs, mode], bytes);
      else await this.call('append', [abs], bytes);
      first = false;
    };
    for await (const chunk of data) {
      pending.push(Buffer.from(chunk));
      size += chunk.length;
      if (size >= CHUNK) await flush();
    }
    if (first || size > 0) await flush();
  }

  async appendFile(path: string, data: string | Uint8Array): Promise<void> {
    const bytes = Buffer.from(data);
    const abs = this.absolute(path);
    await this.call('append', [abs], bytes.subarray(0, CHUNK));
    for (let at = CHUNK; at < bytes.length; at += CHUNK)
      await this.call('append', [abs], bytes.subarray(at, at + CHUNK));
  }

  async mkdir(path: string, options: { readonly mode?: number } = {}): Promise<void> {
    await this.call('mkdir', [this.absolute(path), octal(options.mode ?? 0o755)]);
  }

  async readdir(path: string): Promise<string[]> {
    const out = await this.call('readdir', [this.absolute(path)]);
    return out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => unhex(l).toString('utf8'))
      .sort();
  }

  async glob(pattern: string): Promise<string[]> {
    const abs = this.absolute(pattern);
    const dir = posix.dirname(abs);
    const names = await this.readdir(dir);
    return names.filter((n) => matchesWildcard(posix.basename(abs), n)).map((n) => posix.join(dir, n));
  }

  async copy(source: string, destination: string): Promise<void> {
    await this.call('copy', [this.absolute(source), this.absolute(destination)]);
  }

  async rename(source: string, destination: string): Promise<void> {
    await this.call('rename', [this.absolute(source), this.absolute(destination)]);
  }

  async rm(path: string, options: { readonly recursive?: boolean } = {}): Promise<void> {
    await this.call('rm', [this.absolute(path), options.recursive ? '1' : '0']);
  }

  async rmdir(path: string): Promise<void> {
    await this.call('rmdir', [this.absolute(path)]);
  }

  async symlink(target: string, path: string): Promise<void> {
    await this.call('symlink', [target, this.absolute(path)]);
  }

  async readlink(path: string): Promise<string> {
    return unhex(await this.call('readlink', [this.absolute(path)])).toString('utf8');
  }

  async chmod(path: string, mode: number, options: { readonly recursive?: boolean } = {}): Promise<void> {
    await this.call('chmod', [this.absolute(path), octal(mode), options.recursive ? '1' : '0']);
  }

  async chown(path: string, owner: OwnerSpec, options: { readonly recursive?: boolean } = {}): Promise<void> {
    const users = parsePasswd((await this.readFile('/etc/passwd')).toString('utf8'));
    const groups = parseGroup((await this.readFile('/etc/group')).toString('utf8'));
    const { uid, gid } = resolveOwner(owner, users, groups);
    await this.call('chown', [this.absolute(path), `${uid}`, `${gid}`, options.recursive ? '1' : '0']);
  }
}
