import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { KilnError } from '../core/errors.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { type BlobStore, type Digest, HashingCounter } from './blob-store.js';
import { ParallelGzip } from './gzip.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, TarParser, type TarEntry } from './tar-format.js';

export const LAYER_MEDIA_TYPE = 'application/vnd.oci.image.layer.v1.tar+gzip';

export interface CaptureOptions {
  /**
   * Reproducibility: every mtime later than this (seconds since the epoch) is set to it, older
   * ones are kept (`tar --clamp-mtime`). With the same changes and the same value, a capture
   * gives the same digests. Pass a time that predates the build but follows everything the
   * parent shipped, e.g. the mirror state's date: files from packages keep their dates
   * (Python's .pyc checks depend on them) and files the build made all get this one.
   */
  sourceDateEpoch: number;
  /** gzip level, 1 (default: fastest, ~7 % larger than 6) to 9. */
  gzipLevel?: number;
  signal?: AbortSignal;
}

/** A captured layer: what an OCI manifest and config need, plus the capture's cost. */
export interface Layer {
  mediaType: typeof LAYER_MEDIA_TYPE;
  /** sha256 of the compressed blob, as stored. */
  digest: Digest;
  size: number;
  /** sha256 of the uncompressed tar (the config's `rootfs.diff_ids`). */
  diffId: Digest;
  uncompressedSize: number;
  entries: number;
  whiteouts: number;
  /** Wall time of the capture, milliseconds. */
  wallMs: number;
  /** Bytes this capture added to the store (0 when the blob was already there). */
  bytesWritten: number;
}

const OVERLAY_XATTR = 'trusted.overlay.';
const WHITEOUT_PREFIX = '.wh.';
export const OPAQUE_MARKER = '.wh..wh..opq';

const whiteoutPath = (path: string, name: string): string => {
  const slash = path.lastIndexOf('/');
  return slash === -1 ? name : `${path.slice(0, slash + 1)}${name}`;
};

/**
 * How one entry of an overlayfs upper directory becomes OCI layer entries (pure). Whiteouts
 * (character devices 0/0, or files with `trusted.overlay.whiteout`) become `.wh.<name>`; opaque
 * directories get a `.wh..wh..opq` entry; overlayfs's own xattrs are dropped. Upper entries
 * whose data lives elsewhere (metacopy, redirected directories) cannot be captured from the
 * upper directory alone and are refused.
 */
export function convertUpperEntry(entry: TarEntry): TarEntry[] {
  const { xattrs } = entry;
  for (const key of ['metacopy', 'redirect']) {
    if (xattrs.has(OVERLAY_XATTR + key)) {
      throw new KilnError(
        'ServiceException',
        `cannot capture '${entry.path}': overlayfs ${key} keeps part of it outside the upper directory.`,
        { hint: 'Mount instance overlays without metacopy=on and redirect_dir=on.' },
      );
    }
  }
  const kept = new Map([...xattrs].filter(([k]) => !k.startsWith(OVERLAY_XATTR)));
  const base = entry.path.split('/').pop()!;
  const isWhiteout =
    (entry.type === 'char' && entry.devmajor === 0 && entry.devminor === 0) ||
    (entry.type === 'file' && xattrs.has(`${OVERLAY_XATTR}whiteout`));
  const marker = (path: string): TarEntry => ({
    path,
    type: 'file',
    mode: 0o600,
    uid: 0,
    gid: 0,
    size: 0,
    mtime: entry.mtime,
    linkname: '',
    devmajor: 0,
    devminor: 0,
    xattrs: new Map(),
  });
  if (isWhiteout) return [marker(whiteoutPath(entry.path, WHITEOUT_PREFIX + base))];
  const converted = { ...entry, xattrs: kept };
  if (entry.type === 'dir' && xattrs.get(`${OVERLAY_XATTR}opaque`)?.toString() === 'y') {
    return [converted, marker(`${entry.path}/${OPAQUE_MARKER}`)];
  }
  return [converted];
}

/**
 * Re-encodes GNU tar's archive entry by entry: drops the root entry, applies `convert` to each
 * header, passes contents through untouched (padded to whole blocks) and ends the archive.
 */
class LayerRewriter extends Transform {
  entries = 0;
  whiteouts = 0;
  private readonly parser: TarParser;
  private failure: unknown;
  /** Content bytes of the last emitted file entry, to pad it before the next header. */
  private contentBytes = 0;

  constructor(convert: (e: TarEntry) => TarEntry[]) {
    super();
    this.parser = new TarParser({
      entry: (entry) => {
        if (entry.path === '' || this.failure) return;
        try {
          const out = convert(entry);
          this.padContent();
          for (const e of out) {
            this.entries++;
            if (e.path.split('/').pop()!.startsWith(WHITEOUT_PREFIX)) this.whiteouts++;
            this.push(encodeHeader(e));
          }
        } catch (err) {
          this.failure = err;
        }
      },
      data: (chunk) => {
        this.contentBytes += chunk.length;
        this.push(chunk);
      },
    });
  }

  private padContent(): void {
    const rest = this.contentBytes % BLOCK;
    if (rest !== 0) this.push(Buffer.alloc(BLOCK - rest));
    this.contentBytes = 0;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.parser.push(chunk);
    done(this.failure as Error | undefined);
  }

  override _flush(done: TransformCallback): void {
    if (this.failure || !this.parser.ended) {
      done((this.failure as Error | undefined) ?? new Error('tar archive ended early'));
      return;
    }
    this.padContent();
    this.push(END_OF_ARCHIVE);
    done();
  }
}

async function capture(
  dir: string,
  store: BlobStore,
  options: CaptureOptions,
  convert: (e: TarEntry) => TarEntry[],
): Promise<Layer> {
  const started = performance.now();
  const tar = requireTool('tar', 'tar');
  if (!Number.isInteger(options.sourceDateEpoch) || options.sourceDateEpoch < 0) {
    throw new Error(`sourceDateEpoch must be a whole number of seconds, not ${options.sourceDateEpoch}`);
  }
  const scratch = await makeTempDir('layer-', { memory: true });
  try {
    const raw = join(scratch, 'raw.tar');
    // GNU tar reads the tree (xattrs, hard links, device nodes, sorted names) into a file;
    // src/host has no streaming stdout, and tmpfs makes the round trip ~0.1 s for 120 MB.
    await runChecked(
      [
        tar,
        '--create',
        `--file=${raw}`,
        `--directory=${dir}`,
        '--sort=name',
        '--numeric-owner',
        '--one-file-system',
        '--format=posix',
        '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
        '--xattrs',
        '--xattrs-include=*',
        `--mtime=@${options.sourceDateEpoch}`,
        '--clamp-mtime',
        '.',
      ],
      { signal: options.signal },
    );
    const rewriter = new LayerRewriter(convert);
    const uncompressed = new HashingCounter();
    const gzip = new ParallelGzip(options.gzipLevel ?? 1);
    const [stored] = await Promise.all([
      store.put(gzip, { signal: options.signal }),
      pipeline(createReadStream(raw), rewriter, uncompressed, gzip, { signal: options.signal }),
    ]);
    return {
      mediaType: LAYER_MEDIA_TYPE,
      digest: stored.digest,
      size: stored.size,
      diffId: uncompressed.digest(),
      uncompressedSize: uncompressed.bytes,
      entries: rewriter.entries,
      whiteouts: rewriter.whiteouts,
      wallMs: Math.round(performance.now() - started),
      bytesWritten: stored.created ? stored.size : 0,
    };
  } finally {
    await removeTree(scratch);
  }
}

/**
 * Captures an instance's changes: `upperDir` of an overlayfs (overlay whiteouts and opaque
 * directories) becomes one gzip OCI layer in `store`.
 */
export function captureLayer(upperDir: string, store: BlobStore, options: CaptureOptions): Promise<Layer> {
  return capture(upperDir, store, options, convertUpperEntry);
}

/** Captures a whole root tree (a parent image) as the first layer; nothing is converted. */
export function captureBaseLayer(rootDir: string, store: BlobStore, options: CaptureOptions): Promise<Layer> {
  return capture(rootDir, store, options, (entry) => [entry]);
}
