import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { posix } from 'node:path';
import { type Item, ItemFailure, listModule } from './fs-items.js';
import { hasWildcard, matchesWildcard } from './fs-wildcard.js';
import type { ExecuteModule, ModuleContext, S3Settings } from './module.js';

/** AWSTOE copies at most this many objects of a prefix. */
export const MAX_PREFIX_OBJECTS = 1000;

export interface S3Location {
  readonly bucket: string;
  readonly key: string;
}

/** `s3://bucket/key` → parts; undefined when not of that shape. */
export function parseS3Url(url: string): S3Location | undefined {
  const match = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
  return match ? { bucket: match[1] as string, key: match[2] as string } : undefined;
}

/** A client for Kiln's configured endpoint. Checksums only when required: S3-compatible servers vary. */
function s3Client(settings: S3Settings): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    forcePathStyle: settings.forcePathStyle,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

/** Runs an S3 call; the service's refusals (NoSuchKey, AccessDenied, ...) fail the item's `field`. */
async function s3Call<T>(field: string, what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    const e = err as Error & { $metadata?: unknown; code?: string };
    if (e.$metadata !== undefined || e.code === 'ECONNREFUSED') {
      throw new ItemFailure(field, `${what}: ${e.name}: ${e.message}`);
    }
    throw err;
  }
}

/** Wraps an S3 module: one client per step; without a configured endpoint the step fails. */
function s3Module<T>(
  name: string,
  run: (item: Item, ctx: ModuleContext, client: S3Client) => Promise<T>,
): ExecuteModule {
  return async (inputs, ctx) => {
    if (ctx.s3 === undefined) {
      return {
        status: 'failed',
        message: `${name} needs an S3 endpoint, and none is configured: set Kiln's S3 endpoint settings (endpoint, region, credentials) to run S3 modules`,
      };
    }
    const client = s3Client(ctx.s3);
    try {
      return await listModule(name, (item, c) => run(item, c, client))(inputs, ctx);
    } finally {
      client.destroy();
    }
  };
}

function location(item: Item, field: string): S3Location {
  const url = item.string(field);
  const loc = parseS3Url(url);
  if (!loc || loc.bucket === '') item.fail(field, `must be s3://bucket/key (got '${url}')`);
  return loc;
}

async function download(
  item: Item,
  ctx: ModuleContext,
  client: S3Client,
  object: S3Location & { owner?: string; overwrite: boolean; target: string },
): Promise<void> {
  const existing = await item.at('destination', () => ctx.fs.stat(object.target));
  if (existing?.type === 'directory')
    item.fail('destination', `${object.target} is a folder; end it with '/' to download into it`);
  if (existing && !object.overwrite)
    item.fail('destination', `${object.target} already exists and overwrite is false`);
  const url = `s3://${object.bucket}/${object.key}`;
  const res = await s3Call('source', url, () =>
    client.send(
      new GetObjectCommand({ Bucket: object.bucket, Key: object.key, ExpectedBucketOwner: object.owner }),
      { abortSignal: ctx.signal },
    ),
  );
  const body = res.Body as AsyncIterable<Uint8Array> | undefined;
  await item.at('destination', () => ctx.fs.writeFile(object.target, body ?? new Uint8Array()));
  ctx.log.info(`S3Download: ${url} -> ${object.target}`);
}

/**
 * S3Download: one object, or every object under `prefix/*` (recursively, at most 1000) into a
 * folder. The destination's folders must already exist (unlike WebDownload); below a prefix,
 * the objects' own sub-folders are created.
 */
export const s3Download = s3Module('S3Download', async (item, ctx, client) => {
  const source = location(item, 'source');
  const destination = item.string('destination');
  const overwrite = item.bool('overwrite', true);
  const owner = item.optionalString('expectedBucketOwner') || undefined;
  const prefixMode = source.key === '*' || source.key.endsWith('/*');
  const folder =
    prefixMode || /[/\\]$/.test(destination) ? destination.replace(/[/\\]+$/, '') || '/' : undefined;
  const mustExist = folder ?? posix.dirname(destination);
  if ((await item.at('destination', () => ctx.fs.stat(mustExist)))?.type !== 'directory') {
    item.fail('destination', `folder ${mustExist} does not exist (S3Download does not create it)`);
  }
  if (!prefixMode) {
    const target = folder === undefined ? destination : posix.join(folder, posix.basename(source.key));
    return download(item, ctx, client, { ...source, owner, overwrite, target });
  }
  const prefix = source.key.slice(0, -1);
  const listing = await s3Call('source', `s3://${source.bucket}/${prefix}`, () =>
    client.send(
      new ListObjectsV2Command({
        Bucket: source.bucket,
        Prefix: prefix,
        MaxKeys: MAX_PREFIX_OBJECTS,
        ExpectedBucketOwner: owner,
      }),
      { abortSignal: ctx.signal },
    ),
  );
  if (listing.IsTruncated)
    ctx.log.info(
      `S3Download: more than ${MAX_PREFIX_OBJECTS} objects under ${prefix}; copying the first ${MAX_PREFIX_OBJECTS}`,
    );
  for (const { Key: key } of listing.Contents ?? []) {
    if (key === undefined || key.endsWith('/')) continue;
    const relative = key.slice(prefix.length);
    if (relative.split('/').some((p) => p === '..' || p === '.')) {
      item.fail('source', `object key ${key} has '.' or '..' segments; refusing to write outside ${folder}`);
    }
    const target = posix.join(folder as string, relative);
    await item.at('destination', () => ctx.fs.mkdir(posix.dirname(target)));
    await download(item, ctx, client, { bucket: source.bucket, key, owner, overwrite, target });
  }
});

/** The files a source names, with their key suffixes: one file, `dir/pattern*` matches, or trees with recurse. */
async function uploads(
  item: Item,
  ctx: ModuleContext,
  recurse: boolean,
): Promise<{ path: string; key: string }[]> {
  const source = item.string('source');
  const out: { path: string; key: string }[] = [];
  const add = async (path: string, key: string): Promise<void> => {
    const info = await ctx.fs.stat(path);
    if (info?.type === 'file') out.push({ path, key });
    else if (info?.type === 'directory' && recurse) {
      for (const name of await ctx.fs.readdir(path)) await add(posix.join(path, name), `${key}/${name}`);
    }
  };
  if (hasWildcard(source)) {
    const pattern = posix.basename(source);
    const names = await item.at('source', () => ctx.fs.readdir(posix.dirname(source)));
    for (const name of names.filter((n) => matchesWildcard(pattern, n)))
      await add(posix.join(posix.dirname(source), name), name);
    return out;
  }
  const info = await item.at('source', () => ctx.fs.stat(source));
  if (!info) item.fail('source', `${source} does not exist`);
  if (info.type === 'directory' && !recurse)
    item.fail('source', `${source} is a folder; end it with '/*' or set recurse: true`);
  if (info.type === 'directory') {
    for (const name of await ctx.fs.readdir(source)) await add(posix.join(source, name), name);
  } else out.push({ path: source, key: posix.basename(source) });
  return out;
}

/**
 * S3Upload: a file to a key (or into a prefix ending in `/`); a wildcard or folder source goes
 * under the destination as a prefix, sub-folders too with `recurse`. Objects already uploaded
 * stay when a later one fails.
 */
export const s3Upload = s3Module('S3Upload', async (item, ctx, client) => {
  const destination = location(item, 'destination');
  const recurse = item.bool('recurse', false);
  const owner = item.optionalString('expectedBucketOwner') || undefined;
  const source = item.string('source');
  const single = !hasWildcard(source) && (await ctx.fs.stat(source))?.type === 'file';
  const prefix =
    destination.key === '' || destination.key.endsWith('/') ? destination.key : `${destination.key}/`;
  for (const file of await uploads(item, ctx, recurse)) {
    const key =
      single && !destination.key.endsWith('/') && destination.key !== ''
        ? destination.key
        : prefix + file.key;
    const body = await item.at('source', () => ctx.fs.readFile(file.path));
    const url = `s3://${destination.bucket}/${key}`;
    await s3Call('destination', url, () =>
      client.send(
        new PutObjectCommand({
          Bucket: destination.bucket,
          Key: key,
          Body: body,
          ExpectedBucketOwner: owner,
        }),
        {
          abortSignal: ctx.signal,
        },
      ),
    );
    ctx.log.info(`S3Upload: ${file.path} -> ${url}`);
  }
});
