import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeb822, parseDpkgStatus } from './dpkg-status.js';

const STATUS = `Package: bash
Essential: yes
Status: install ok installed
Priority: required
Architecture: amd64
Source: bash (5.2.15-2)
Version: 5.2.15-2+b8
Description: GNU Bourne Again SHell
 Bash is an sh-compatible command language interpreter.
 .
 More text.

Package: libssl3
Status: install ok installed
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.19-1~deb12u2

Package: bsdutils
status: install ok installed
architecture: amd64
source: util-linux (2.38.1-5+deb12u3)
version: 1:2.38.1-5+deb12u3

Package: adduser
Status: install ok installed
Architecture: all
Version: 3.134

Package: oldpkg
Status: deinstall ok config-files
Architecture: amd64
Version: 1.0-1

Package: gone
Status: purge ok not-installed
Architecture: amd64

Package: halfway
Status: install reinstreq half-installed
Architecture: amd64
Version: 2.0-1
`;

test('parseDpkgStatus keeps present packages with their source name and version', () => {
  const rows = parseDpkgStatus(STATUS).map((p) => [
    p.name,
    p.version,
    p.architecture,
    p.sourceName,
    p.sourceVersion,
    p.state,
  ]);
  assert.deepEqual(rows, [
    ['adduser', '3.134', 'all', 'adduser', '3.134', 'installed'],
    ['bash', '5.2.15-2+b8', 'amd64', 'bash', '5.2.15-2', 'installed'],
    ['bsdutils', '1:2.38.1-5+deb12u3', 'amd64', 'util-linux', '2.38.1-5+deb12u3', 'installed'],
    ['halfway', '2.0-1', 'amd64', 'halfway', '2.0-1', 'half-installed'],
    ['libssl3', '3.0.19-1~deb12u2', 'amd64', 'openssl', '3.0.19-1~deb12u2', 'installed'],
  ]);
  assert.ok(Object.isFrozen(parseDpkgStatus(STATUS)[0]));
});

test('parseDeb822 joins continuation lines and tolerates CRLF and extra blank lines', () => {
  const stanzas = parseDeb822('\n\nA: 1\r\nB: x\r\n  y\r\n\r\n\r\nA: 2\n', 'f');
  assert.equal(stanzas.length, 2);
  assert.equal(stanzas[0]?.fields.get('b'), 'x\ny');
  assert.equal(stanzas[0]?.line, 3);
  assert.equal(stanzas[1]?.line, 8);
});

test('malformed status files are rejected naming the file and line', () => {
  const cases: readonly [string, RegExp][] = [
    [' orphan continuation\n', /'f:1'.*continuation line/],
    ['Package: a\nnot a field\n', /'f:2'.*'not a field' is not 'Field: value'/],
    ['Status: install ok installed\nVersion: 1\n', /'f:1'.*no Package field/],
    ['Package: a\nStatus: install ok installed\n', /'f:1'.*'a' is installed but has no Version/],
    [
      '\nPackage: a\nStatus: install ok installed\nVersion: 1\nSource: b (1) junk\n',
      /'f:2'.*Source 'b \(1\) junk'/,
    ],
  ];
  for (const [text, message] of cases) {
    assert.throws(() => parseDpkgStatus(text, 'f'), { name: 'InvalidParameterValueException', message });
  }
});
