import assert from 'node:assert/strict';
import { test } from 'node:test';
import { osvEcosystem, parseOsRelease, purlDistro } from './os-release.js';

const BOOKWORM = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
`;

test('parseOsRelease unquotes values and derives the ecosystem and purl distro', () => {
  const table: readonly [string, string, string | undefined, string | undefined, string | undefined][] = [
    // text, id, versionId, ecosystem, distro
    [BOOKWORM, 'debian', '12', 'Debian:12', 'debian-12'],
    [
      'ID=debian\nVERSION_CODENAME=trixie\nPRETTY_NAME="Debian GNU/Linux trixie/sid"',
      'debian',
      undefined,
      undefined,
      'trixie',
    ],
    ['# comment\nID=\'ubuntu\'\nVERSION_ID="24.04"\n', 'ubuntu', '24.04', undefined, 'ubuntu-24'],
    ['', 'linux', undefined, undefined, undefined],
    ['ID=Debian\nVERSION_ID=11.7\n', 'debian', '11.7', 'Debian:11', 'debian-11'],
  ];
  for (const [text, id, versionId, ecosystem, distro] of table) {
    const os = parseOsRelease(text);
    assert.equal(os.id, id, text);
    assert.equal(os.versionId, versionId, text);
    assert.equal(osvEcosystem(os), ecosystem, text);
    assert.equal(purlDistro(os), distro, text);
  }
});

test('parseOsRelease keeps every field, honouring escapes in double quotes', () => {
  const os = parseOsRelease('NAME="A \\"quoted\\" \\$name"\nX=plain\\ word\n');
  assert.deepEqual(os.fields, { NAME: 'A "quoted" $name', X: 'plain word' });
  assert.equal(parseOsRelease(BOOKWORM).prettyName, 'Debian GNU/Linux 12 (bookworm)');
});
