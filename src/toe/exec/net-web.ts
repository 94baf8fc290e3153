import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Item, listModule } from './fs-items.js';
import type { ExecuteModule, ModuleContext } from './module.js';
import { DownloadError, httpGet } from './net-http.js';

const ALGORITHMS: Readonly<Record<string, string>> = {
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha512: 'sha512',
};

export interface WebDownloadOptions {
  /** Tries per item (AWSTOE: 5), on top of the step's own maxAttempts. */
  readonly tries?: number;
  /** Wait before the second try; doubled before each further one (default 1000 ms: 1, 2, 4, 8 s). */
  readonly backoffMs?: number;
}

interface Request {
  readonly source: string;
  readonly target: string;
  readonly checksum?: { readonly algorithm: string; readonly digest: string };
  readonly ignoreCertificateErrors: boolean;
}

/** The file a URL names: its last path segment, decoded. */
export function urlFileName(source: string): string {
  const segment = new URL(source).pathname.split('/').pop() ?? '';
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function readRequest(item: Item): Omit<Request, 'target'> & { destination: string } {
  const source = item.string('source');
  if (!/^https?:\/\/./i.test(source) || !URL.canParse(source)) {
    item.fail('source', `must be an http:// or https:// URL (got '${source}')`);
  }
  const digest = item.optionalString('checksum');
  const name = item.optionalString('algorithm');
  if ((digest === undefined) !== (name === undefined)) {
    const [given, missing] = digest === undefined ? ['algorithm', 'checksum'] : ['checksum', 'algorithm'];
    item.fail(given, `'${given}' needs '${missing}' too (give both or neither)`);
  }
  const algorithm = name === undefined ? undefined : ALGORITHMS[name.toLowerCase()];
  if (name !== undefined && algorithm === undefined)
    item.fail('algorithm', `must be MD5, SHA1, SHA256 or SHA512 (got '${name}')`);
  return {
    source,
    destination: item.string('destination'),
    checksum: algorithm && digest ? { algorithm, digest: digest.trim().toLowerCase() } : undefined,
    ignoreCertificateErrors: item.bool('ignoreCertificateErrors', false),
  };
}

/** One try: download to a temporary file beside the target, verify, then rename into place. */
async function downloadOnce(req: Request, ctx: ModuleContext, mode: number | undefined): Promise<void> {
  const res = await httpGet(req.source, {
    ignoreCertificateErrors: req.ignoreCertificateErrors,
    signal: ctx.signal,
  });
  if (res.status !== 200) {
    res.body.resume();
    throw new DownloadError(
      `${req.source} answered HTTP ${res.status}${res.url === req.source ? '' : ` (at ${res.url})`}`,
    );
  }
  const hash = req.checksum && createHash(req.checksum.algorithm);
  const tmp = posix.join(
    posix.dirname(req.target),
    `.${posix.basename(req.target)}.kiln-${randomBytes(4).toString('hex')}`,
  );
  async function* body() {
    try {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        hash?.update(chunk);
        yield chunk;
      }
    } catch (err) {
      // A connection lost mid-body is worth another try, like a bad status.
      throw new DownloadError(`${req.source}: download interrupted: ${(err as Error).message}`);
    }
  }
  try {
    await ctx.fs.writeFile(tmp, body(), { mode: mode ?? 0o644 });
    const got = hash?.digest('hex');
    if (req.checksum && got !== req.checksum.digest) {
      throw new DownloadError(
        `checksum mismatch: ${req.checksum.algorithm} of ${req.source} is ${got}, expected ${req.checksum.digest}`,
      );
    }
    await ctx.fs.rename(tmp, req.target);
  } finally {
    if (await ctx.fs.lstat(tmp).catch(() => undefined)) await ctx.fs.rm(tmp);
  }
}

/**
 * WebDownload, over the host's network (the instance's own network settings do not apply).
 * A destination ending in `/` is a folder keeping the URL's file name; missing folders are
 * created. Only HTTP 200 counts; each item gets `tries` tries with exponential backoff. With a
 * checksum, an existing file that already matches is kept (no download). Output `destination`:
 * the files written, one per line.
 */
export function webDownloadModule(options: WebDownloadOptions = {}): ExecuteModule {
  const tries = options.tries ?? 5;
  const backoffMs = options.backoffMs ?? 1000;
  return listModule(
    'WebDownload',
    async (item: Item, ctx) => {
      const { destination, ...rest } = readRequest(item);
      const overwrite = item.bool('overwrite', true);
      const folder = /[/\\]$/.test(destination);
      const name = folder ? urlFileName(rest.source) : '';
      if (folder && name === '')
        item.fail('destination', `${rest.source} names no file; give a file path as destination`);
      const req: Request = { ...rest, target: folder ? posix.join(destination, name) : destination };
      const existing = await item.at('destination', () => ctx.fs.stat(req.target));
      if (existing?.type === 'directory')
        item.fail('destination', `${req.target} is a folder; end it with '/' to download into it`);
      if (existing) {
        if (!overwrite) item.fail('destination', `${req.target} already exists and overwrite is false`);
        if (
          req.checksum &&
          (await digestOf(ctx, req.target, req.checksum.algorithm)) === req.checksum.digest
        ) {
          ctx.log.info(`WebDownload: ${req.target} already has the expected checksum; not downloading`);
          return req.target;
        }
      }
      await item.at('destination', () => ctx.fs.mkdir(posix.dirname(req.target)));
      for (let attempt = 1; ; attempt += 1) {
        try {
          await item.at('destination', () => downloadOnce(req, ctx, existing?.mode));
          break;
        } catch (err) {
          if (ctx.signal.aborted) item.fail('source', `download stopped: ${String(ctx.signal.reason)}`);
          if (!(err instanceof DownloadError)) throw err;
          if (attempt >= tries) item.fail('source', `${err.message} (gave up after ${tries} tries)`);
          ctx.log.info(`WebDownload: try ${attempt}/${tries} failed: ${err.message}`);
          await sleep(backoffMs * 2 ** (attempt - 1), undefined, { signal: ctx.signal });
        }
      }
      ctx.log.info(`WebDownload: ${rest.source} -> ${req.target}`);
      return req.target;
    },
    (targets) => ({ destination: targets.join('\n') }),
  );
}

async function digestOf(ctx: ModuleContext, path: string, algorithm: string): Promise<string> {
  return createHash(algorithm)
    .update(await ctx.fs.readFile(path))
    .digest('hex');
}
