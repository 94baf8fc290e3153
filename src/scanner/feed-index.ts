import { deepFreeze } from '../core/freeze.js';
import { type AdvisorySummary, type AffectedEntry, badRecord, parseOsvRecord } from './osv.js';

export const FEED_INDEX_FORMAT = 'kiln-osv-index/1';

/** Counts and speed of one ingest, kept in the index so `feed status` can show them. */
export interface FeedStats {
  /** Feed entries read (files, zip entries, array items). */
  readonly entries: number;
  /** Records indexed (withdrawn ones excluded). */
  readonly records: number;
  readonly withdrawn: number;
  readonly affectedEntries: number;
  readonly bytes: number;
  readonly ingestMs: number;
  readonly recordsPerSecond: number;
}

/**
 * An ingested advisory feed, compact and ready for matching: advisories once, and their
 * affected entries filed by ecosystem then package name. Plain JSON, stored as one file.
 */
export interface FeedIndex {
  readonly format: typeof FEED_INDEX_FORMAT;
  /** Where the feed came from (path or URL), for reports. */
  readonly source: string;
  readonly ingestedAt: string;
  readonly stats: FeedStats;
  readonly advisories: readonly AdvisorySummary[];
  readonly affected: Readonly<Record<string, Readonly<Record<string, readonly AffectedEntry[]>>>>;
}

/** One raw entry of a feed: its name (file, zip entry) and its JSON text. */
export interface FeedEntry {
  readonly name: string;
  readonly text: string;
}

export interface BuildFeedOptions {
  readonly source: string;
  readonly ingestedAt: string;
  /** Elapsed time of the whole ingest so far, read when the index is complete (ms). */
  readonly elapsedMs: () => number;
}

function parseEntryJson(entry: FeedEntry): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(entry.text);
  } catch (err) {
    throw badRecord(
      entry.name,
      '',
      `is not valid JSON (${(err as Error).message}); the file may be truncated`,
    );
  }
  return Array.isArray(value) ? value : [value];
}

/**
 * Validates every record and builds the index; throws on the first bad record, naming it,
 * so a corrupt feed never replaces a good one. Withdrawn records are counted and left out.
 */
export function buildFeedIndex(entries: Iterable<FeedEntry>, options: BuildFeedOptions): FeedIndex {
  const advisories: AdvisorySummary[] = [];
  const affected = new Map<string, Map<string, AffectedEntry[]>>();
  const seen = new Map<string, string>();
  let count = 0;
  let withdrawn = 0;
  let affectedEntries = 0;
  let bytes = 0;
  for (const entry of entries) {
    bytes += Buffer.byteLength(entry.text);
    const records = parseEntryJson(entry);
    records.forEach((raw, i) => {
      count++;
      const name = records.length > 1 ? `${entry.name}[${i}]` : entry.name;
      const record = parseOsvRecord(raw, name);
      const earlier = seen.get(record.summary.id);
      if (earlier) throw badRecord(name, 'id', `'${record.summary.id}' also appears in ${earlier}`);
      seen.set(record.summary.id, name);
      if (record.withdrawn) {
        withdrawn++;
        return;
      }
      const advisory = advisories.push(record.summary) - 1;
      for (const { ecosystem, name: pkg, entry: e } of record.affected) {
        let byName = affected.get(ecosystem);
        if (!byName) {
          byName = new Map();
          affected.set(ecosystem, byName);
        }
        const list = byName.get(pkg);
        if (list) list.push({ advisory, ...e });
        else byName.set(pkg, [{ advisory, ...e }]);
        affectedEntries++;
      }
    });
  }
  if (count === 0) throw badRecord(options.source, '', 'holds no OSV records');
  const ingestMs = Math.max(1, Math.round(options.elapsedMs()));
  return deepFreeze({
    format: FEED_INDEX_FORMAT,
    source: options.source,
    ingestedAt: options.ingestedAt,
    stats: {
      entries: count,
      records: advisories.length,
      withdrawn,
      affectedEntries,
      bytes,
      ingestMs,
      recordsPerSecond: Math.round((count * 1000) / ingestMs),
    },
    advisories,
    // fromEntries defines own properties, so even a package named __proto__ stays data.
    affected: Object.fromEntries([...affected].map(([eco, byName]) => [eco, Object.fromEntries(byName)])),
  });
}
