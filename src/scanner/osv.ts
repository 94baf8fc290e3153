import { invalidValue } from '../core/errors.js';
import { compareDebianVersions, parseDebianVersion } from './dpkg-version.js';
import { type CvssScore, scoreCvss } from './severity.js';

/** One event of an OSV range, pre-sorted by version at ingest. */
export type RangeEvent =
  | { readonly introduced: string }
  | { readonly fixed: string }
  | { readonly last_affected: string }
  | { readonly limit: string };

/** One advisory as the index keeps it: only what matching and reports need. */
export interface AdvisorySummary {
  readonly id: string;
  /** CVE ids this advisory is about (its own id, aliases, upstream), `DEBIAN-` prefixes stripped. */
  readonly cves: readonly string[];
  readonly title?: string;
  /** Every scorable CVSS v3/v4 vector of the record. */
  readonly cvss: readonly CvssScore[];
}

/** One `affected[]` entry, filed under its ecosystem and package name. */
export interface AffectedEntry {
  /** Index into FeedIndex.advisories. */
  readonly advisory: number;
  /** ECOSYSTEM ranges, each with its events sorted by version. */
  readonly ranges: readonly (readonly RangeEvent[])[];
  /** Explicitly listed affected versions. */
  readonly versions: readonly string[];
  readonly urgency?: string;
}

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;
const CVE = /^(?:DEBIAN-?)?(CVE-\d{4}-\d{4,})$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reports a bad record naming the feed entry and the field path inside it. */
export function badRecord(entry: string, path: string, detail: string) {
  return invalidValue(
    path ? `${entry}: ${path}` : entry,
    detail,
    'The feed was not installed; the previous one stays in use.',
  );
}

function stringAt(
  record: Json,
  key: string,
  entry: string,
  path: string,
  required: boolean,
): string | undefined {
  const value = record[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || value === '')
    throw badRecord(entry, `${path}${key}`, 'expected a non-empty string');
  return value;
}

function arrayAt(record: Json, key: string, entry: string, path: string): unknown[] {
  const value = record[key];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRecord(entry, `${path}${key}`, 'expected an array');
  return value;
}

function cveIds(id: string, record: Json, entry: string): string[] {
  const ids = new Set<string>();
  for (const candidate of [
    id,
    ...arrayAt(record, 'aliases', entry, ''),
    ...arrayAt(record, 'upstream', entry, ''),
  ]) {
    const match = typeof candidate === 'string' ? CVE.exec(candidate) : null;
    if (match) ids.add(match[1]!);
  }
  return [...ids].sort();
}

function urgencyOf(...bags: unknown[]): string | undefined {
  for (const bag of bags) {
    if (isObject(bag) && typeof bag.urgency === 'string' && bag.urgency !== '') return bag.urgency;
  }
  return undefined;
}

function cvssOf(list: unknown[]): CvssScore[] {
  const scores: CvssScore[] = [];
  for (const item of list) {
    if (!isObject(item) || typeof item.score !== 'string') continue;
    if (item.type !== 'CVSS_V3' && item.type !== 'CVSS_V4') continue;
    const scored = scoreCvss(item.score);
    if (scored) scores.push(scored);
  }
  return scores;
}

/** Is the ecosystem one whose versions compare in dpkg order (`Debian`, `Debian:12`)? */
const isDebian = (ecosystem: string): boolean => ecosystem === 'Debian' || ecosystem.startsWith('Debian:');

function checkVersion(version: string, debian: boolean, entry: string, path: string): void {
  if (!debian || version === '0' || version === '*') return;
  const parsed = parseDebianVersion(version);
  if (typeof parsed === 'string')
    throw badRecord(entry, path, `'${version}' is not a Debian version: ${parsed}`);
}

/** Sort key for events: `0` before everything, `*` after everything, else dpkg order. */
function eventVersion(event: RangeEvent): string {
  return Object.values(event)[0] as string;
}

function compareEvents(a: RangeEvent, b: RangeEvent, debian: boolean): number {
  const va = eventVersion(a);
  const vb = eventVersion(b);
  if (va === vb) return 0;
  if (va === '0' || vb === '*') return -1;
  if (vb === '0' || va === '*') return 1;
  return debian ? compareDebianVersions(va, vb) : va < vb ? -1 : 1;
}

function parseRange(raw: unknown, debian: boolean, entry: string, path: string): RangeEvent[] | undefined {
  if (!isObject(raw)) throw badRecord(entry, path, 'expected an object');
  const type = stringAt(raw, 'type', entry, `${path}.`, true);
  // GIT ranges name commits and SEMVER ones do not apply to dpkg packages: nothing to match.
  if (type !== 'ECOSYSTEM') return undefined;
  const events = arrayAt(raw, 'events', entry, `${path}.`).map((e, i) => {
    const where = `${path}.events[${i}]`;
    if (!isObject(e) || Object.keys(e).length !== 1)
      throw badRecord(entry, where, 'expected one of introduced, fixed, last_affected, limit');
    const [kind, version] = Object.entries(e)[0]!;
    if (!(EVENT_KINDS as readonly string[]).includes(kind))
      throw badRecord(entry, where, `unknown event '${kind}'`);
    if (typeof version !== 'string' || version === '')
      throw badRecord(entry, `${where}.${kind}`, 'expected a version');
    checkVersion(version, debian, entry, `${where}.${kind}`);
    return { [kind]: version } as RangeEvent;
  });
  if (!events.some((e) => 'introduced' in e))
    throw badRecord(entry, `${path}.events`, "a range needs an 'introduced' event");
  return events.sort((a, b) => compareEvents(a, b, debian));
}

/** What one valid OSV record contributes to an index. */
export interface ParsedRecord {
  readonly summary: AdvisorySummary;
  readonly affected: readonly { ecosystem: string; name: string; entry: Omit<AffectedEntry, 'advisory'> }[];
  readonly withdrawn: boolean;
}

/**
 * Validates one OSV record (schema 1.x) and extracts what matching needs. `entry` names the
 * file or zip entry, so an error says where the bad record is.
 */
export function parseOsvRecord(raw: unknown, entry: string): ParsedRecord {
  if (!isObject(raw)) throw badRecord(entry, '', 'an OSV record must be a JSON object');
  const id = stringAt(raw, 'id', entry, '', true)!;
  stringAt(raw, 'modified', entry, '', true);
  const withdrawn = stringAt(raw, 'withdrawn', entry, '', false) !== undefined;
  const title = stringAt(raw, 'summary', entry, '', false);
  const topCvss = cvssOf(arrayAt(raw, 'severity', entry, ''));
  const affected: { ecosystem: string; name: string; entry: Omit<AffectedEntry, 'advisory'> }[] = [];
  const cvss = [...topCvss];
  arrayAt(raw, 'affected', entry, '').forEach((item, i) => {
    const path = `affected[${i}]`;
    if (!isObject(item) || !isObject(item.package))
      throw badRecord(entry, `${path}.package`, 'expected an object');
    const ecosystem = stringAt(item.package, 'ecosystem', entry, `${path}.package.`, true)!;
    const name = stringAt(item.package, 'name', entry, `${path}.package.`, true)!;
    const debian = isDebian(ecosystem);
    const ranges = arrayAt(item, 'ranges', entry, `${path}.`)
      .map((r, j) => parseRange(r, debian, entry, `${path}.ranges[${j}]`))
      .filter((r): r is RangeEvent[] => r !== undefined);
    const versions = arrayAt(item, 'versions', entry, `${path}.`).map((v, j) => {
      if (typeof v !== 'string' || v === '')
        throw badRecord(entry, `${path}.versions[${j}]`, 'expected a version');
      checkVersion(v, debian, entry, `${path}.versions[${j}]`);
      return v;
    });
    cvss.push(...cvssOf(arrayAt(item, 'severity', entry, `${path}.`)));
    const urgency = urgencyOf(item.ecosystem_specific, item.database_specific, raw.database_specific);
    if (ranges.length === 0 && versions.length === 0) return;
    affected.push({ ecosystem, name, entry: { ranges, versions, ...(urgency ? { urgency } : {}) } });
  });
  return {
    summary: { id, cves: cveIds(id, raw, entry), ...(title ? { title } : {}), cvss },
    affected,
    withdrawn,
  };
}
