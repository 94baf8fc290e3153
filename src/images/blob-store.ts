import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { link, mkdir, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** `sha256:<64 hex>`, as OCI descriptors write it. */
export type Digest = `sha256:${string}`;

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** Where a blob landed and whether it was new (a put of existing content writes nothing). */
export interface PutResult extends BlobInfo {
  /** False when a blob with this digest was already stored (the new bytes were dropped). */
  created: boolean;
}

export interface PutOptions {
  signal?: AbortSignal;
  /** When given, the put fails (and stores nothing) if the content hashes to something else. */
  expectedDigest?: Digest;
}

/**
 * A content-addressed store of immutable blobs (layers, configs, manifests), one per region.
 *
 * Contract:
 * - `put` stores a stream under the sha256 of its bytes, hashing while writing. A blob becomes
 *   visible only once complete: a put that fails, is aborted, or whose process is killed
 *   leaves no blob under any digest (at most a hidden temp file that `sweep` removes).
 * - Putting bytes that are already stored is cheap and returns `created: false`.
 * - `open` and `stat` of a digest that is not stored reject with an error whose `code` is
 *   'ENOENT'; `has` answers false.
 * - Blobs are never modified; `delete` removes one (lifecycle decides when).
 * - `localPath` returns a file path when the store keeps blobs on this machine (so exports may
 *   hard-link instead of copy), undefined for remote stores.
 */
export interface BlobStore {
  put(source: Readable | Buffer, options?: PutOptions): Promise<PutResult>;
  has(digest: Digest): Promise<boolean>;
  stat(digest: Digest): Promise<BlobInfo>;
  open(digest: Digest, options?: { signal?: AbortSignal }): Promise<Readable>;
  delete(digest: Digest): Promise<void>;
  list(): Promise<Digest[]>;
  localPath(digest: Digest): string | undefined;
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parses a digest string at a boundary; throws naming the bad value. */
export function parseDigest(value: string): Digest {
  if (!DIGEST.test(value)) throw new Error(`not a sha256 digest: '${value}'`);
  return value as Digest;
}

export const sha256Digest = (data: Buffer | string): Digest =>
  `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** A Transform that passes bytes through while counting and hashing them. */
export class HashingCounter extends Transform {
  private readonly hash = createHash('sha256');
  bytes = 0;

  override _transform(
    chunk: Buffer,
    _enc: BufferEncoding,
    done: (e?: Error | null, d?: Buffer) => void,
  ): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }

  digest(): Digest {
    return `sha256:${this.hash.digest('hex')}`;
  }
}

/**
 * Blobs in a directory laid out like an OCI image layout (`blobs/sha256/<hex>`), so an export
 * can hard-link them. Temp files are `blobs/.tmp/<random>` on the same file system, renamed
 * into place when complete.
 */
export class DirectoryBlobStore implements BlobStore {
  private readonly blobs: string;
  private readonly tmp: string;

  constructor(readonly root: string) {
    this.blobs = join(root, 'blobs', 'sha256');
    this.tmp = join(root, 'blobs', '.tmp');
  }

  localPath(digest: Digest): string {
    return join(this.blobs, parseDigest(digest).slice('sha256:'.length));
  }

  async put(source: Readable | Buffer, options: PutOptions = {}): Promise<PutResult> {
    await mkdir(this.blobs, { recursive: true });
    await mkdir(this.tmp, { recursive: true });
    const temp = join(this.tmp, randomBytes(12).toString('hex'));
    const counter = new HashingCounter();
    try {
      const input = Buffer.isBuffer(source) ? [source] : source;
      await pipeline(input, counter, createWriteStream(temp, { flags: 'wx', mode: 0o644 }), {
        signal: options.signal,
      });
      const digest = counter.digest();
      if (options.expectedDigest && options.expectedDigest !== digest) {
        throw new Error(`blob content hashes to ${digest}, not the expected ${options.expectedDigest}`);
      }
      const path = this.localPath(digest);
      if (existsSync(path)) {
        // A writer that stores an existing blob again is about to reference it: a fresh mtime
        // tells a garbage collection running in another process (which keeps blobs newer than
        // its start) not to take it.
        const now = new Date();
        await utimes(path, now, now).catch(() => undefined);
        return { digest, size: counter.bytes, created: false };
      }
      await rename(temp, path);
      return { digest, size: counter.bytes, created: true };
    } finally {
      await rm(temp, { force: true });
    }
  }

  async has(digest: Digest): Promise<boolean> {
    return existsSync(this.localPath(digest));
  }

  async stat(digest: Digest): Promise<BlobInfo> {
    const st = await stat(this.localPath(digest));
    return { digest, size: st.size };
  }

  async open(digest: Digest, options: { signal?: AbortSignal } = {}): Promise<Readable> {
    const path = this.localPath(digest);
    await stat(path); // ENOENT now rather than on the first read
    return createReadStream(path, { signal: options.signal });
  }

  async delete(digest: Digest): Promise<void> {
    await rm(this.localPath(digest), { force: true });
  }

  async list(): Promise<Digest[]> {
    if (!existsSync(this.blobs)) return [];
    return (await readdir(this.blobs))
      .filter((n) => /^[0-9a-f]{64}$/.test(n))
      .sort()
      .map((n) => `sha256:${n}` as Digest);
  }

  /** Removes temp files left by killed writers; call at startup, when no put runs. */
  async sweep(): Promise<number> {
    if (!existsSync(this.tmp)) return 0;
    const names = await readdir(this.tmp);
    await Promise.all(names.map((n) => rm(join(this.tmp, n), { force: true })));
    return names.length;
  }

  /** Hard-links a blob to `target` (same file system) or copies it; never a partial file. */
  async exportTo(digest: Digest, target: string): Promise<void> {
    const from = this.localPath(digest);
    try {
      await link(from, target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return;
      if (code !== 'EXDEV' && code !== 'EPERM') throw err;
      const temp = `${target}.${randomBytes(6).toString('hex')}.tmp`;
      try {
        await pipeline(createReadStream(from), createWriteStream(temp, { flags: 'wx' }));
        await rename(temp, target);
      } finally {
        await rm(temp, { force: true });
      }
    }
  }
}
