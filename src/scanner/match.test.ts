import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InstalledPackage } from './dpkg-status.js';
import { buildFeedIndex } from './feed-index.js';
import type { Inventory } from './inventory.js';
import { matchInventory, rangeAffects } from './match.js';
import { parseOsRelease } from './os-release.js';
import type { RangeEvent } from './osv.js';

test('rangeAffects follows the OSV evaluation in dpkg order', () => {
  const table: readonly [string, RangeEvent[], boolean, string?][] = [
    ['1.0-1', [{ introduced: '0' }, { fixed: '1.0-2' }], true, '1.0-2'],
    ['1.0-2', [{ introduced: '0' }, { fixed: '1.0-2' }], false],
    ['1.0-2~deb12u1', [{ introduced: '0' }, { fixed: '1.0-2' }], true, '1.0-2'],
    ['1:0.5', [{ introduced: '0' }, { fixed: '2.0' }], false],
    ['9.9', [{ introduced: '0' }], true],
    ['1.5', [{ introduced: '1.0' }, { last_affected: '1.5' }], true],
    ['1.5.1', [{ introduced: '1.0' }, { last_affected: '1.5' }], false],
    ['0.9', [{ introduced: '1.0' }, { last_affected: '1.5' }], false],
    ['1.5', [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }], true, '1.6'],
    ['1.3', [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '1.4' }, { fixed: '1.6' }], false],
    ['2.0', [{ introduced: '0' }, { limit: '1.9' }], false],
    ['1.0', [{ introduced: '0' }, { limit: '1.9' }], true],
    ['5.0', [{ introduced: '0' }, { limit: '*' }], true],
  ];
  for (const [version, events, affected, fixed] of table) {
    const result = rangeAffects(version, events);
    assert.equal(result.affected, affected, `${version} in ${JSON.stringify(events)}`);
    assert.equal(result.fixed, fixed, `${version} fix`);
  }
});

const pkg = (
  name: string,
  version: string,
  sourceName = name,
  sourceVersion = version,
): InstalledPackage => ({
  name,
  version,
  architecture: 'amd64',
  sourceName,
  sourceVersion,
  state: 'installed',
});

const INVENTORY: Inventory = {
  os: parseOsRelease('ID=debian\nVERSION_ID="12"\n'),
  statusSha256: '0'.repeat(64),
  packages: [
    pkg('libssl3', '3.0.11-1~deb12u1', 'openssl'),
    pkg('openssl', '3.0.11-1~deb12u1'),
    pkg('bsdutils', '1:2.38.1-5+deb12u3', 'util-linux', '2.38.1-5+deb12u3'),
    pkg('bash', '5.2.15-2+b8', 'bash', '5.2.15-2'),
    pkg('libc6', '2.36-9+deb12u4', 'glibc'),
  ],
};

const debian = (release: string, name: string, events: object[], extra: object = {}) => ({
  package: { ecosystem: `Debian:${release}`, name },
  ranges: [{ type: 'ECOSYSTEM', events }],
  ...extra,
});

const RECORDS = [
  // DSA and DEBIAN-CVE for the same CVE: one finding per binary, both advisories listed.
  {
    id: 'DSA-5532-1',
    modified: '2024-01-01T00:00:00Z',
    summary: 'openssl - security update',
    upstream: ['DEBIANCVE-2023-5678', 'CVE-2023-5678'],
    affected: [debian('12', 'openssl', [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }])],
  },
  {
    id: 'DEBIAN-CVE-2023-5678',
    modified: '2024-01-01T00:00:00Z',
    upstream: ['CVE-2023-5678'],
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }],
    affected: [
      debian('12', 'openssl', [{ introduced: '0' }, { fixed: '3.0.11-1~deb12u2' }], {
        ecosystem_specific: { urgency: 'medium*' },
      }),
      debian('11', 'openssl', [{ introduced: '0' }], { ecosystem_specific: { urgency: 'high' } }),
    ],
  },
  // Matched by source name and source version: the binary's epoch must not hide it.
  {
    id: 'DEBIAN-CVE-2024-28085',
    modified: '2024-04-01T00:00:00Z',
    upstream: ['CVE-2024-28085'],
    severity: [{ type: 'CVSS_V4', score: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N' }],
    affected: [debian('12', 'util-linux', [{ introduced: '0' }, { fixed: '2.38.1-5+deb12u4' }])],
  },
  // bash source 5.2.15-2 is fixed already although the binary is a binNMU above it.
  {
    id: 'DLA-0001-1',
    modified: '2024-01-01T00:00:00Z',
    upstream: ['CVE-2022-0001'],
    affected: [debian('12', 'bash', [{ introduced: '0' }, { fixed: '5.2.15-2' }])],
  },
  // Named after the binary, not the source: Debian advisories never do that, so no match.
  {
    id: 'x_DECOY-1',
    modified: '2024-01-01T00:00:00Z',
    affected: [debian('12', 'libc6', [{ introduced: '0' }])],
  },
  // Unfixed, no CVE: the advisory id is the vulnerability id; severity untriaged.
  {
    id: 'x_LOCAL-7',
    modified: '2024-01-01T00:00:00Z',
    affected: [debian('12', 'glibc', [{ introduced: '0' }])],
  },
  // Withdrawn records are ignored.
  {
    id: 'DEBIAN-CVE-2020-1',
    modified: '2024-01-01T00:00:00Z',
    withdrawn: '2024-02-01T00:00:00Z',
    affected: [debian('12', 'glibc', [{ introduced: '0' }])],
  },
];

function index() {
  const entries = RECORDS.map((r, i) => ({ name: `r${i}.json`, text: JSON.stringify(r) }));
  return buildFeedIndex(entries, { source: 'test', ingestedAt: '2026-01-01T00:00:00Z', elapsedMs: () => 5 });
}

test('matchInventory finds by source package, merges by CVE and resolves severity', () => {
  const rows = matchInventory(INVENTORY, index()).map((f) => [
    f.vulnerabilityId,
    f.packageName,
    f.packageVersion,
    f.sourceName,
    f.fixedInVersion,
    f.severity,
    f.severitySource,
    f.score,
    f.advisoryIds.join(','),
  ]);
  assert.deepEqual(rows, [
    [
      'CVE-2023-5678',
      'libssl3',
      '3.0.11-1~deb12u1',
      'openssl',
      '3.0.11-1~deb12u2',
      'MEDIUM',
      'debian-urgency',
      5.3,
      'DEBIAN-CVE-2023-5678,DSA-5532-1',
    ],
    [
      'CVE-2023-5678',
      'openssl',
      '3.0.11-1~deb12u1',
      'openssl',
      '3.0.11-1~deb12u2',
      'MEDIUM',
      'debian-urgency',
      5.3,
      'DEBIAN-CVE-2023-5678,DSA-5532-1',
    ],
    [
      'CVE-2024-28085',
      'bsdutils',
      '1:2.38.1-5+deb12u3',
      'util-linux',
      '2.38.1-5+deb12u4',
      'CRITICAL',
      'cvss-v4',
      9.3,
      'DEBIAN-CVE-2024-28085',
    ],
    ['x_LOCAL-7', 'libc6', '2.36-9+deb12u4', 'glibc', undefined, 'UNTRIAGED', 'none', undefined, 'x_LOCAL-7'],
  ]);
});

test('matchInventory finds nothing for another release or an OS without a version', () => {
  const bullseye = { ...INVENTORY, os: parseOsRelease('ID=debian\nVERSION_ID="11"\n') };
  assert.deepEqual(
    matchInventory(bullseye, index()).map((f) => f.vulnerabilityId),
    ['CVE-2023-5678', 'CVE-2023-5678'],
  );
  const sid = { ...INVENTORY, os: parseOsRelease('ID=debian\nVERSION_CODENAME=trixie\n') };
  assert.deepEqual(matchInventory(sid, index()), []);
});
