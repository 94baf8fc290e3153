import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertUpperEntry } from './layers.js';
import type { TarEntry } from './tar-format.js';

const entry = (over: Partial<TarEntry>): TarEntry => ({
  path: 'etc/x',
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 100,
  linkname: '',
  devmajor: 0,
  devminor: 0,
  xattrs: new Map(),
  ...over,
});
const x = (pairs: [string, string][]) => new Map(pairs.map(([k, v]) => [k, Buffer.from(v)]));

const table: [string, TarEntry, [string, string][]][] = [
  ['ordinary file stays', entry({}), [['etc/x', 'file']]],
  ['whiteout char device 0/0', entry({ path: 'etc/issue', type: 'char' }), [['etc/.wh.issue', 'file']]],
  ['whiteout at the top', entry({ path: 'opt', type: 'char' }), [['.wh.opt', 'file']]],
  [
    'real device stays',
    entry({ path: 'dev/null', type: 'char', devmajor: 1, devminor: 3 }),
    [['dev/null', 'char']],
  ],
  [
    'xattr whiteout (overlayfs xwhiteout)',
    entry({ path: 'etc/a', xattrs: x([['trusted.overlay.whiteout', '']]) }),
    [['etc/.wh.a', 'file']],
  ],
  [
    'opaque directory',
    entry({ path: 'etc/default', type: 'dir', xattrs: x([['trusted.overlay.opaque', 'y']]) }),
    [
      ['etc/default', 'dir'],
      ['etc/default/.wh..wh..opq', 'file'],
    ],
  ],
  [
    "opaque 'x' only marks xwhiteouts inside",
    entry({ path: 'etc/d', type: 'dir', xattrs: x([['trusted.overlay.opaque', 'x']]) }),
    [['etc/d', 'dir']],
  ],
];

for (const [name, input, expected] of table) {
  test(`convertUpperEntry: ${name}`, () => {
    const out = convertUpperEntry(input);
    assert.deepEqual(
      out.map((e) => [e.path, e.type]),
      expected,
    );
    for (const e of out) assert.ok(![...e.xattrs.keys()].some((k) => k.startsWith('trusted.overlay.')));
  });
}

test('convertUpperEntry keeps capabilities and drops overlay bookkeeping', () => {
  const [out] = convertUpperEntry(
    entry({
      xattrs: x([
        ['security.capability', 'cap'],
        ['trusted.overlay.origin', 'o'],
        ['user.a', 'b'],
      ]),
    }),
  );
  assert.deepEqual([...out!.xattrs.keys()], ['security.capability', 'user.a']);
});

test('convertUpperEntry refuses entries whose data is outside the upper directory', () => {
  for (const key of ['trusted.overlay.metacopy', 'trusted.overlay.redirect']) {
    assert.throws(() => convertUpperEntry(entry({ xattrs: x([[key, '']]) })), /outside the upper directory/);
  }
});
