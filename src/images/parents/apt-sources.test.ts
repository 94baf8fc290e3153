import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  type AptSource,
  formatSourcesList,
  parseDeb822Sources,
  parseOneLineSources,
  readHostAptSources,
  sourcesForSuite,
} from './apt-sources.js';

const M = 'http://mirror.example/debian';
const S = 'http://mirror.example/debian-security';

test('parses the one-line format', () => {
  const cases: [string, AptSource[]][] = [
    [`deb ${M} bookworm main`, [{ types: ['deb'], uris: [M], suites: ['bookworm'], components: ['main'] }]],
    [
      `deb [arch=amd64 signed-by=/usr/share/keyrings/k.gpg] ${M}/ bookworm main contrib # trailing`,
      [{ types: ['deb'], uris: [`${M}/`], suites: ['bookworm'], components: ['main', 'contrib'] }],
    ],
    [`# deb ${M} bookworm main\n\n   `, []],
    [
      `deb-src ${M} bookworm main`,
      [{ types: ['deb-src'], uris: [M], suites: ['bookworm'], components: ['main'] }],
    ],
    [`deb ${M}`, []],
    [
      `deb ${M} bookworm main\ndeb ${S} bookworm-security main`,
      [
        { types: ['deb'], uris: [M], suites: ['bookworm'], components: ['main'] },
        { types: ['deb'], uris: [S], suites: ['bookworm-security'], components: ['main'] },
      ],
    ],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseOneLineSources(text), expected, text);
});

test('parses the deb822 format', () => {
  const cases: [string, AptSource[]][] = [
    [
      `Types: deb\n# a comment\nURIs: ${M}\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n\nTypes: deb\nURIs: ${S}\nSuites: bookworm-security\nComponents: main\n`,
      [
        { types: ['deb'], uris: [M], suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
        { types: ['deb'], uris: [S], suites: ['bookworm-security'], components: ['main'] },
      ],
    ],
    [`Types: deb\nURIs: ${M}\nSuites: bookworm\nComponents: main\nEnabled: no\n`, []],
    [
      `types: deb deb-src\nuris: ${M}\n  ${S}\nsuites: bookworm\ncomponents: main`,
      [{ types: ['deb', 'deb-src'], uris: [M, S], suites: ['bookworm'], components: ['main'] }],
    ],
    [
      `Types: deb\nURIs: ${M}\nSuites: bookworm\nComponents: main\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n -----END PGP PUBLIC KEY BLOCK-----\n`,
      [{ types: ['deb'], uris: [M], suites: ['bookworm'], components: ['main'] }],
    ],
    [`Types: deb\nSuites: bookworm\n`, []],
  ];
  for (const [text, expected] of cases) assert.deepEqual(parseDeb822Sources(text), expected, text);
});

test('maps the host suites onto the requested one', () => {
  const host: AptSource[] = [
    { types: ['deb'], uris: [`${M}/`], suites: ['bookworm', 'bookworm-updates'], components: ['main'] },
    { types: ['deb'], uris: [S], suites: ['bookworm-security'], components: ['main'] },
    {
      types: ['deb'],
      uris: ['http://vendor.example/apt'],
      suites: ['cloud-sdk-bookworm', 'nodistro'],
      components: [],
    },
    { types: ['deb-src'], uris: [M], suites: ['bookworm'], components: ['main'] },
    { types: ['deb'], uris: [M], suites: ['bookworm'], components: ['main'] },
  ];
  const cases: [string, string[]][] = [
    ['bookworm', [`${M} bookworm`, `${M} bookworm-updates`, `${S} bookworm-security`]],
    ['trixie', [`${M} trixie`, `${M} trixie-updates`, `${S} trixie-security`]],
    ['sid', [`${M} sid`]],
  ];
  for (const [suite, expected] of cases) {
    assert.deepEqual(
      sourcesForSuite(host, suite, 'bookworm').map((e) => `${e.uri} ${e.suite}`),
      expected,
      suite,
    );
  }
  assert.deepEqual(sourcesForSuite(host, 'bookworm', 'jammy'), []);
  assert.equal(
    formatSourcesList(sourcesForSuite(host.slice(0, 1), 'bookworm', 'bookworm')),
    `deb ${M} bookworm main\ndeb ${M} bookworm-updates main\n`,
  );
});

test('reads sources.list, *.list and *.sources, ignoring other files', async () => {
  const etc = await mkdtemp(join(tmpdir(), 'kiln-apt-'));
  try {
    await mkdir(join(etc, 'sources.list.d'));
    await writeFile(join(etc, 'sources.list'), `deb ${M} bookworm main\n`);
    await writeFile(join(etc, 'sources.list.d/a.list'), `deb ${M} bookworm-updates main\n`);
    await writeFile(
      join(etc, 'sources.list.d/b.sources'),
      `Types: deb\nURIs: ${S}\nSuites: bookworm-security\n`,
    );
    await writeFile(join(etc, 'sources.list.d/c.sources.disabled'), `Types: deb\nURIs: ${M}\nSuites: sid\n`);
    assert.deepEqual(
      readHostAptSources(etc).map((s) => `${s.uris[0]} ${s.suites[0]}`),
      [`${M} bookworm`, `${M} bookworm-updates`, `${S} bookworm-security`],
    );
  } finally {
    await rm(etc, { recursive: true, force: true });
  }
});
