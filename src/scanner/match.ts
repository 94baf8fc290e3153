import { deepFreeze } from '../core/freeze.js';
import type { InstalledPackage } from './dpkg-status.js';
import { compareDebianVersions } from './dpkg-version.js';
import type { FeedIndex } from './feed-index.js';
import type { Inventory } from './inventory.js';
import { osvEcosystem } from './os-release.js';
import type { AffectedEntry, RangeEvent } from './osv.js';
import { type Severity, type SeveritySource, resolveSeverity } from './severity.js';

/** One vulnerability in one installed binary package. */
export interface Finding {
  /** The CVE id, or the advisory id when the advisory names no CVE. */
  readonly vulnerabilityId: string;
  readonly severity: Severity;
  readonly severitySource: SeveritySource;
  readonly packageName: string;
  readonly packageVersion: string;
  readonly architecture: string;
  readonly sourceName: string;
  readonly sourceVersion: string;
  /** The source version that fixes every advisory behind this finding, when one is known. */
  readonly fixedInVersion?: string;
  readonly score?: number;
  readonly vector?: string;
  /** Every DSA / DLA / DEBIAN-CVE / … record that reported it, sorted. */
  readonly advisoryIds: readonly string[];
  readonly title?: string;
}

const eventValue = (e: RangeEvent): string => Object.values(e)[0] as string;

function atLeast(version: string, bound: string): boolean {
  return bound === '0' || compareDebianVersions(version, bound) >= 0;
}

/**
 * OSV's evaluation for one ECOSYSTEM range (schema.md §Evaluation): walking the sorted
 * events, `introduced` ≤ v sets vulnerable, `fixed` ≤ v clears it, `last_affected` < v clears
 * it; v must also lie below a `limit` when there is one. Returns the first fix above v.
 */
export function rangeAffects(
  version: string,
  events: readonly RangeEvent[],
): { affected: boolean; fixed?: string } {
  const limits = events.filter((e) => 'limit' in e).map(eventValue);
  if (limits.length > 0 && !limits.some((l) => l === '*' || compareDebianVersions(version, l) < 0)) {
    return { affected: false };
  }
  let affected = false;
  for (const event of events) {
    if ('introduced' in event) {
      if (atLeast(version, event.introduced)) affected = true;
    } else if ('fixed' in event) {
      if (compareDebianVersions(version, event.fixed) >= 0) affected = false;
    } else if ('last_affected' in event) {
      if (compareDebianVersions(version, event.last_affected) > 0) affected = false;
    }
  }
  if (!affected) return { affected };
  const fix = events.find((e) => 'fixed' in e && compareDebianVersions(version, e.fixed) < 0);
  return fix ? { affected, fixed: eventValue(fix) } : { affected };
}

/** Does this affected entry cover the version? Explicit versions or any range. */
export function entryAffects(version: string, entry: AffectedEntry): { affected: boolean; fixed?: string } {
  if (entry.versions.some((v) => compareDebianVersions(version, v) === 0)) return { affected: true };
  let result: { affected: boolean; fixed?: string } = { affected: false };
  for (const range of entry.ranges) {
    const r = rangeAffects(version, range);
    if (
      r.affected &&
      (!result.affected || (r.fixed && result.fixed && compareDebianVersions(r.fixed, result.fixed) > 0))
    ) {
      result = r;
    }
  }
  return result;
}

interface Pending {
  pkg: InstalledPackage;
  vulnerabilityId: string;
  advisories: Set<number>;
  fixes: string[];
  urgencies: string[];
}

function entriesFor(index: FeedIndex, ecosystem: string, name: string): readonly AffectedEntry[] {
  const byName = Object.hasOwn(index.affected, ecosystem) ? index.affected[ecosystem] : undefined;
  return byName && Object.hasOwn(byName, name) ? byName[name]! : [];
}

/**
 * Matches an inventory against a feed: each binary package is looked up by its SOURCE name
 * under `Debian:<VERSION_ID>` and compared by its source version; findings are merged per
 * (CVE, binary package) across DSA / DLA / DEBIAN-CVE records. Pure; sorted output.
 */
export function matchInventory(inventory: Inventory, index: FeedIndex): readonly Finding[] {
  const ecosystem = osvEcosystem(inventory.os);
  if (!ecosystem) return deepFreeze([]);
  const pending = new Map<string, Pending>();
  for (const pkg of inventory.packages) {
    for (const entry of entriesFor(index, ecosystem, pkg.sourceName)) {
      const hit = entryAffects(pkg.sourceVersion, entry);
      if (!hit.affected) continue;
      const advisory = index.advisories[entry.advisory]!;
      const ids = advisory.cves.length > 0 ? advisory.cves : [advisory.id];
      for (const vulnerabilityId of ids) {
        const key = `${vulnerabilityId}\0${pkg.name}\0${pkg.architecture}`;
        let p = pending.get(key);
        if (!p) {
          p = { pkg, vulnerabilityId, advisories: new Set(), fixes: [], urgencies: [] };
          pending.set(key, p);
        }
        p.advisories.add(entry.advisory);
        if (hit.fixed) p.fixes.push(hit.fixed);
        if (entry.urgency) p.urgencies.push(entry.urgency);
      }
    }
  }
  const findings = [...pending.values()].map((p) => toFinding(p, index));
  findings.sort(
    (a, b) =>
      cmp(a.vulnerabilityId, b.vulnerabilityId) ||
      cmp(a.packageName, b.packageName) ||
      cmp(a.architecture, b.architecture),
  );
  return deepFreeze(findings);
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function toFinding(p: Pending, index: FeedIndex): Finding {
  const advisories = [...p.advisories].map((i) => index.advisories[i]!);
  // Urgency is per release, so only the matched entries' urgencies count (a DSA carries none;
  // the DEBIAN-CVE record for the same CVE, matched alongside, supplies it).
  const resolved = resolveSeverity(
    p.urgencies,
    advisories.flatMap((a) => a.cvss),
  );
  // Installing the highest fix clears every record that reported the finding.
  const fixedInVersion = p.fixes.sort(compareDebianVersions).at(-1);
  const title = advisories.map((a) => a.title).find((t) => t !== undefined);
  return {
    vulnerabilityId: p.vulnerabilityId,
    severity: resolved.severity,
    severitySource: resolved.source,
    packageName: p.pkg.name,
    packageVersion: p.pkg.version,
    architecture: p.pkg.architecture,
    sourceName: p.pkg.sourceName,
    sourceVersion: p.pkg.sourceVersion,
    ...(fixedInVersion ? { fixedInVersion } : {}),
    ...(resolved.cvss ? { score: resolved.cvss.score, vector: resolved.cvss.vector } : {}),
    advisoryIds: advisories.map((a) => a.id).sort(),
    ...(title ? { title } : {}),
  };
}
