/**
 * The fixture OSV feed both scanner tests use, written for packages really present in the
 * shared bookworm tree: util-linux fixed in a version just above the installed one (a finding),
 * gzip fixed in the installed version (none), tar for another release (none). Versions come
 * from the tree, so the expectations hold whatever the mirror publishes.
 */
export function fixtureAdvisories(sourceVersion: (sourcePackage: string) => string) {
  const later = `${sourceVersion('util-linux')}+kiln1`;
  const records = [
    {
      id: 'DEBIAN-CVE-2099-0001',
      modified: '2026-01-01T00:00:00Z',
      upstream: ['CVE-2099-0001'],
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'util-linux' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: later }] }],
          ecosystem_specific: { urgency: 'high' },
        },
      ],
    },
    {
      id: 'DSA-9999-1',
      modified: '2026-01-01T00:00:00Z',
      upstream: ['CVE-2099-0002'],
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'gzip' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: sourceVersion('gzip') }] }],
        },
      ],
    },
    {
      id: 'DLA-9999-1',
      modified: '2026-01-01T00:00:00Z',
      upstream: ['CVE-2099-0003'],
      affected: [
        {
          package: { ecosystem: 'Debian:11', name: 'tar' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }],
        },
      ],
    },
  ];
  return { later, records };
}
