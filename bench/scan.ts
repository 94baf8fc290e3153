/**
 * Vulnerability matching speed: a 500-package inventory against a generated 100,000-advisory
 * OSV feed (an osv.dev-style all.zip, two records per entry). Prints feed ingest rate, index load time and match time.
 * Run: npx tsx bench/scan.ts [advisories] [packages]
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { strToU8, zipSync } from 'fflate';
import type { InstalledPackage } from '../src/scanner/dpkg-status.js';
import { ingestFeed, loadFeedIndex } from '../src/scanner/feed-store.js';
import type { Inventory } from '../src/scanner/inventory.js';
import { matchInventory } from '../src/scanner/match.js';
import { parseOsRelease } from '../src/scanner/os-release.js';

const advisories = Number(process.argv[2] ?? 100_000);
const packageCount = Number(process.argv[3] ?? 500);
const SOURCES = 8_000;
const VECTORS = [
  'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
  'CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:N/I:N/A:H',
  'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:N/VA:N/SC:N/SI:N/SA:N',
];

const sourceName = (i: number) => `src${i}`;

/** Half DEBIAN-CVE records (urgency, CVSS, two releases), half DSA records for the same CVEs. */
function record(n: number): object {
  const cve = `CVE-2025-${String(10_000 + (n >> 1)).padStart(5, '0')}`;
  const name = sourceName((n >> 1) % SOURCES);
  const fixed = `1.${n % 7}-${(n % 5) + 1}~deb12u${n % 3}`;
  const range = { type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(n % 4 === 0 ? [] : [{ fixed }])] };
  if (n % 2 === 0) {
    return {
      id: `DEBIAN-${cve}`,
      modified: '2026-01-01T00:00:00Z',
      upstream: [cve],
      severity: [
        { type: VECTORS[n % 3]!.startsWith('CVSS:4') ? 'CVSS_V4' : 'CVSS_V3', score: VECTORS[n % 3] },
      ],
      affected: ['11', '12'].map((release) => ({
        package: { ecosystem: `Debian:${release}`, name },
        ranges: [range],
        ecosystem_specific: { urgency: ['low', 'medium', 'high', 'not yet assigned'][n % 4] },
      })),
    };
  }
  return {
    id: `DSA-${n}-1`,
    modified: '2026-01-01T00:00:00Z',
    summary: `${name} - security update`,
    upstream: [cve],
    affected: [{ package: { ecosystem: 'Debian:12', name }, ranges: [range] }],
  };
}

function inventory(): Inventory {
  const packages: InstalledPackage[] = [];
  for (let i = 0; i < packageCount; i++) {
    const src = sourceName((i * 13) % SOURCES);
    packages.push({
      name: `bin${i}`,
      version: `1.${i % 9}-${i % 4}`,
      architecture: 'amd64',
      sourceName: src,
      sourceVersion: `1.${i % 9}-${i % 4}`,
      state: 'installed',
    });
  }
  return { os: parseOsRelease('ID=debian\nVERSION_ID="12"\n'), packages, statusSha256: '0'.repeat(64) };
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-bench-scan-'));
  try {
    const files: Record<string, Uint8Array> = {};
    // fflate writes no ZIP64, so at most 65,535 entries: two records (a JSON array) per entry.
    for (let n = 0; n < advisories; n += 2) {
      const pair = [record(n), ...(n + 1 < advisories ? [record(n + 1)] : [])];
      files[`${(pair[0] as { id: string }).id}.json`] = strToU8(JSON.stringify(pair));
    }
    const zipPath = join(dir, 'all.zip');
    await writeFile(zipPath, zipSync(files, { level: 6 }));
    const zipBytes = (await stat(zipPath)).size;

    const index = await ingestFeed(zipPath, join(dir, 'feed'), { now: new Date().toISOString() });
    const indexBytes = (await stat(join(dir, 'feed', 'index.json'))).size;
    let t = performance.now();
    const loaded = await loadFeedIndex(join(dir, 'feed'));
    const loadMs = performance.now() - t;

    const inv = inventory();
    matchInventory(inv, loaded!); // warm-up (JIT)
    const runs = 5;
    t = performance.now();
    let findings = 0;
    for (let i = 0; i < runs; i++) findings = matchInventory(inv, loaded!).length;
    const matchMs = (performance.now() - t) / runs;

    console.log(
      `node ${process.version}, ${advisories} advisories (zip ${(zipBytes / 1e6).toFixed(1)} MB), ${packageCount} packages`,
    );
    console.log(
      `ingest: ${index.stats.ingestMs} ms, ${index.stats.recordsPerSecond} records/s (index ${(indexBytes / 1e6).toFixed(1)} MB, ${index.stats.affectedEntries} affected entries)`,
    );
    console.log(`load index: ${loadMs.toFixed(0)} ms`);
    console.log(`match: ${matchMs.toFixed(1)} ms per scan (mean of ${runs}), ${findings} findings`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
