import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareDebianVersions, isDebianVersion, parseDebianVersion } from './dpkg-version.js';

// Every vector of scan-sign.md §2.3: dpkg's scripts/t/Dpkg_Version.t __DATA__, plus the real-world pairs.
const VECTORS: readonly [string, string, -1 | 0 | 1][] = [
  ['1.0-1', '2.0-2', -1],
  ['2.2~rc-4', '2.2-1', -1],
  ['2.2-1', '2.2~rc-4', 1],
  ['1.0000-1', '1.0-1', 0],
  ['1', '0:1', 0],
  ['0', '0:0-0', 0],
  ['2:2.5', '1:7.5', 1],
  ['1:0foo', '0foo', 1],
  ['0:0foo', '0foo', 0],
  ['0foo', '0foo', 0],
  ['0foo-0', '0foo', 0],
  ['0foo', '0foo-0', 0],
  ['0foo', '0fo', 1],
  ['0foo-0', '0foo+', -1],
  ['0foo~1', '0foo', -1],
  ['0foo~foo+Bar', '0foo~foo+bar', -1],
  ['0foo~~', '0foo~', -1],
  ['1~', '1', -1],
  ['12345+that-really-is-some-ver-0', '12345+that-really-is-some-ver-10', -1],
  ['0foo-0', '0foo-01', -1],
  ['0foo1bar-1', '0foobar-1', -1],
  ['0foo2.0', '0foo2', 1],
  ['0foo2.0.0', '0foo2.10.0', -1],
  ['0foo2.0', '0foo2.0.0', -1],
  ['0foo2.0', '0foo2.10', -1],
  ['0foo2.1', '0foo2.10', -1],
  ['1.09', '1.9', 0],
  ['1.0.8+nmu1', '1.0.8', 1],
  ['3.11', '3.10+nmu1', 1],
  ['0.9j-20080306-4', '0.9i-20070324-2', 1],
  ['1.2.0~b7-1', '1.2.0~b6-1', 1],
  ['1.011-1', '1.06-2', 1],
  ['0.0.9+dfsg1-1', '0.0.8+dfsg1-3', 1],
  ['4.6.99+svn6582-1', '4.6.99+svn6496-1', 1],
  ['53', '52', 1],
  ['0.9.9~pre122-1', '0.9.9~pre111-1', 1],
  ['2:2.3.2-2+lenny2', '2:2.3.2-2', 1],
  ['1:3.8.1-1', '3.8.GA-1', 1],
  ['1.0.1+gpl-1', '1.0.1-2', 1],
  ['1a', '1000a', -1],
  ['0foo.bar', '0foobar', 1],
  ['0foo.bar', '0foo1bar', 1],
  ['0foo.bar', '0foo0bar', 1],
  // real-world pairs
  ['5.2.15-2+b8', '5.2.15-2', 1],
  ['3.0.11-1~deb12u2', '3.0.11-1~deb12u1', 1],
  ['3.0.11-1~deb12u1', '3.0.11-1', -1],
];

test('compareDebianVersions agrees with every dpkg vector, in both directions', () => {
  assert.equal(VECTORS.length, 46);
  for (const [a, b, expected] of VECTORS) {
    assert.equal(compareDebianVersions(a, b), expected, `${a} vs ${b}`);
    assert.equal(compareDebianVersions(b, a), -expected || 0, `${b} vs ${a}`);
  }
});

test('sorts dpkg’s sort-test list into dpkg’s order', () => {
  const input = ['4:4-4', '5.0abc', '0.0-0.0alpha0', '10.100.1-1', '0~999.999zeta', '0:1.0-0'];
  assert.deepEqual(input.sort(compareDebianVersions), [
    '0~999.999zeta',
    '0.0-0.0alpha0',
    '0:1.0-0',
    '5.0abc',
    '10.100.1-1',
    '4:4-4',
  ]);
});

test('rejects the versions dpkg rejects, saying why', () => {
  const invalid: readonly [string, RegExp][] = [
    ['', /empty/],
    ['-0', /upstream version is empty/],
    ['0:-0', /upstream version is empty/],
    [':1.0', /epoch '' is not a number/],
    ['1.0-', /revision after the last - is empty/],
    ['10a:5.2', /epoch '10a'/],
    ['5.2@3-2', /'5.2@3' has a character/],
    ['foo5.2', /does not start with a digit/],
    ['0:foo5.2', /does not start with a digit/],
  ];
  for (const [text, why] of invalid) {
    assert.equal(isDebianVersion(text), false, text);
    assert.match(String(parseDebianVersion(text)), why, text);
    assert.throws(() => compareDebianVersions(text, '1'), new RegExp(`invalid Debian version '${text}'`));
  }
});

test('parses epoch, upstream and revision', () => {
  assert.deepEqual(parseDebianVersion('1:2.38.1-5+deb12u3'), {
    epoch: 1,
    upstream: '2.38.1',
    revision: '5+deb12u3',
  });
  assert.deepEqual(parseDebianVersion('1:2:3-a-b'), { epoch: 1, upstream: '2:3-a', revision: 'b' });
  assert.deepEqual(parseDebianVersion('53'), { epoch: 0, upstream: '53', revision: '' });
});
