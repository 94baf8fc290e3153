import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { versionSortKey } from '../../core/semver.js';
import type { ResourceRecord } from '../../store/store.js';
import { dependenciesChanged, newestMatch, type ResolvedDependencies } from './dependencies.js';

const rec = (version: string, build: number, status = 'AVAILABLE'): ResourceRecord => {
  const [major, minor, patch] = version.split('.').map(Number) as [number, number, number];
  return {
    arn: `x/${version}/${build}`,
    account: '111122223333',
    region: 'us-east-1',
    type: 'image',
    nameKey: 'x',
    versionKey: versionSortKey({ major, minor, patch }),
    build,
    latestBuild: false,
    body: { state: { status } },
    tags: {},
    policy: undefined,
    dateCreated: 0,
    dateUpdated: 0,
  };
};

describe('newestMatch', () => {
  const records = [
    rec('1.6.8', 1),
    rec('1.7.8', 1),
    rec('1.7.8', 2, 'FAILED'),
    rec('2.2.4', 1),
    rec('2.2.4', 2),
    rec('1.10.0', 1),
  ];
  const x = 'x' as const;
  const cases: [string, Parameters<typeof newestMatch>[1], boolean, string | undefined][] = [
    ['x.x.x', { major: x, minor: x, patch: x }, false, 'x/2.2.4/2'],
    ['1.x.x is numeric (1.10 > 1.7)', { major: 1, minor: x, patch: x }, false, 'x/1.10.0/1'],
    ['1.6.x', { major: 1, minor: 6, patch: x }, false, 'x/1.6.8/1'],
    ['1.7.8 newest build of any state', { major: 1, minor: 7, patch: 8 }, false, 'x/1.7.8/2'],
    ['1.7.8 newest AVAILABLE build', { major: 1, minor: 7, patch: 8 }, true, 'x/1.7.8/1'],
    ['no match', { major: 3, minor: x, patch: x }, false, undefined],
    ['no pattern means x.x.x', undefined, false, 'x/2.2.4/2'],
  ];
  for (const [name, pattern, usableOnly, want] of cases) {
    it(name, () => {
      const usable = usableOnly
        ? (r: ResourceRecord) => (r.body.state as { status: string }).status === 'AVAILABLE'
        : undefined;
      assert.equal(newestMatch(records, pattern, usable)?.arn, want);
    });
  }
});

describe('dependenciesChanged', () => {
  const d = (parentImage: string | undefined, ...components: string[]): ResolvedDependencies =>
    parentImage === undefined ? { components } : { parentImage, components };
  const cases: [string, ResolvedDependencies | undefined, ResolvedDependencies, boolean][] = [
    ['no previous image', undefined, d('p1', 'c1'), true],
    ['same', d('p1', 'c1', 'c2'), d('p1', 'c1', 'c2'), false],
    ['new parent', d('p1', 'c1'), d('p2', 'c1'), true],
    ['new component build', d('p1', 'c1'), d('p1', 'c1b'), true],
    ['component added', d('p1', 'c1'), d('p1', 'c1', 'c2'), true],
    ['order changed', d('p1', 'a', 'b'), d('p1', 'b', 'a'), true],
    ['parent unknown now', d('p1'), d(undefined), true],
    ['parent unknown before', d(undefined), d('p1'), true],
  ];
  for (const [name, previous, current, changed] of cases)
    it(name, () => assert.equal(dependenciesChanged(previous, current), changed));
});
