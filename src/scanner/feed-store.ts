import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { unzipSync } from 'fflate';
import { invalidValue, wrapError } from '../core/errors.js';
import { deepFreeze } from '../core/freeze.js';
import { writeFileAtomic } from '../host/fs.js';
import { badRecord } from './osv.js';
import { buildFeedIndex, FEED_INDEX_FORMAT, type FeedEntry, type FeedIndex } from './feed-index.js';

export interface IngestOptions {
  /** The ingest time recorded in the index (RFC 3339); callers pass their Clock's time. */
  readonly now: string;
  readonly signal?: AbortSignal;
}

const INDEX_FILE = 'index.json';
const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The `.json` entries of an osv.dev-style zip, in name order. */
export function zipEntries(bytes: Uint8Array, zipName: string): FeedEntry[] {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (file) => file.name.endsWith('.json') });
  } catch (err) {
    throw badRecord(
      zipName,
      '',
      `is not a readable zip archive (${(err as Error).message}); it may be truncated`,
    );
  }
  return Object.keys(files)
    .sort()
    .map((name) => ({ name: `${zipName}:${name}`, text: decodeEntry(files[name]!, `${zipName}:${name}`) }));
}

function decodeEntry(bytes: Uint8Array, name: string): string {
  try {
    return decoder.decode(bytes);
  } catch {
    throw badRecord(name, '', 'is not UTF-8 text');
  }
}

async function directoryEntries(dir: string): Promise<FeedEntry[]> {
  const names = (await readdir(dir, { recursive: true })).filter((n) => n.endsWith('.json')).sort();
  const entries: FeedEntry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    if (!(await stat(path)).isFile()) continue;
    entries.push({ name: relative(dir, path), text: decodeEntry(await readFile(path), path) });
  }
  return entries;
}

/** Bytes that are a zip become its entries; anything else is one JSON document (a record or an array). */
function entriesOfBytes(bytes: Uint8Array, name: string): FeedEntry[] {
  if (Buffer.from(bytes.subarray(0, 4)).equals(ZIP_MAGIC)) return zipEntries(bytes, name);
  return [{ name, text: decodeEntry(bytes, name) }];
}

async function urlEntries(url: string, signal: AbortSignal | undefined): Promise<FeedEntry[]> {
  let response: Response;
  try {
    response = await fetch(url, signal ? { signal } : {});
  } catch (err) {
    throw invalidValue('feed', `${url} could not be fetched: ${(err as Error).message}.`);
  }
  if (!response.ok) throw invalidValue('feed', `${url} answered HTTP ${response.status}.`);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw invalidValue('feed', `${url} broke off while downloading: ${(err as Error).message}.`);
  }
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared !== bytes.length) {
    throw invalidValue('feed', `${url} sent ${bytes.length} of ${declared} bytes; the download is partial.`);
  }
  return entriesOfBytes(bytes, url);
}

/** Reads a feed from a directory of OSV JSON files, a zip or JSON file, or an http(s) URL. */
export async function readFeedEntries(source: string, signal?: AbortSignal): Promise<FeedEntry[]> {
  if (/^https?:\/\//.test(source)) return urlEntries(source, signal);
  const info = await stat(source).catch(() => undefined);
  if (!info)
    throw invalidValue(
      'feed',
      `${source} does not exist.`,
      'Give a directory, a .zip, a .json file or an http(s) URL.',
    );
  if (info.isDirectory()) return directoryEntries(source);
  return entriesOfBytes(await readFile(source), source);
}

/**
 * Ingests a feed and installs it as `<feedDir>/index.json`. Everything is read and checked
 * before anything is written, and the index is renamed into place, so a corrupt or partial
 * feed throws (naming the bad file or entry) and the previous index stays in use.
 */
export async function ingestFeed(
  source: string,
  feedDir: string,
  options: IngestOptions,
): Promise<FeedIndex> {
  const started = performance.now();
  const entries = await readFeedEntries(source, options.signal);
  options.signal?.throwIfAborted();
  const index = buildFeedIndex(entries, {
    source,
    ingestedAt: options.now,
    elapsedMs: () => performance.now() - started,
  });
  try {
    await mkdir(feedDir, { recursive: true });
    await writeFileAtomic(join(feedDir, INDEX_FILE), JSON.stringify(index));
  } catch (err) {
    throw wrapError(`installing the advisory feed in ${feedDir}`, err);
  }
  return index;
}

/** The installed feed of `feedDir`, or undefined when none was ingested yet. */
export async function loadFeedIndex(feedDir: string): Promise<FeedIndex | undefined> {
  const path = join(feedDir, INDEX_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw wrapError(`reading the advisory feed ${path}`, err);
  }
  const index = JSON.parse(text) as FeedIndex;
  if (index.format !== FEED_INDEX_FORMAT) {
    throw wrapError(
      `reading the advisory feed ${path}`,
      new Error(`format '${index.format}' is not ${FEED_INDEX_FORMAT}; ingest the feed again`),
    );
  }
  return deepFreeze(index);
}
