import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { ParallelGzip } from './gzip.js';
import { BLOCK, encodeHeader, END_OF_ARCHIVE, padded, TarParser, type TarEntry } from './tar-format.js';

const entry = (over: Partial<TarEntry>): TarEntry => ({
  path: 'etc/x',
  type: 'file',
  mode: 0o644,
  uid: 0,
  gid: 0,
  size: 0,
  mtime: 1_700_000_000,
  linkname: '',
  devmajor: 0,
  devminor: 0,
  xattrs: new Map(),
  ...over,
});

function archive(items: [TarEntry, Buffer?][]): Buffer {
  const parts: Buffer[] = [];
  for (const [e, data] of items) {
    parts.push(encodeHeader(e));
    if (data) parts.push(data, Buffer.alloc(padded(data.length) - data.length));
  }
  return Buffer.concat([...parts, END_OF_ARCHIVE]);
}

function parse(bytes: Buffer, chunk = 7): { entries: TarEntry[]; data: Map<string, string> } {
  const entries: TarEntry[] = [];
  const data = new Map<string, string>();
  const parser = new TarParser({
    entry: (e) => entries.push(e),
    data: (c) => {
      const path = entries.at(-1)!.path;
      data.set(path, (data.get(path) ?? '') + c.toString());
    },
  });
  for (let i = 0; i < bytes.length; i += chunk) parser.push(bytes.subarray(i, i + chunk));
  assert.equal(parser.ended, true);
  return { entries, data };
}

const capability = Buffer.from('0100000200200000000000000000000000000000', 'hex');
const long = `usr/share/${'very-long-directory-name/'.repeat(8)}file-with-a-long-name.txt`;
const cases: [string, TarEntry, Buffer?][] = [
  ['plain file', entry({ size: 5 }), Buffer.from('hello')],
  ['directory', entry({ path: 'etc/default', type: 'dir', mode: 0o755 })],
  ['symlink', entry({ path: 'bin', type: 'symlink', linkname: 'usr/bin', mode: 0o777 })],
  ['hard link', entry({ path: 'etc/y', type: 'link', linkname: 'etc/x' })],
  ['char device', entry({ path: 'dev/null', type: 'char', devmajor: 1, devminor: 3, mode: 0o666 })],
  ['binary xattr', entry({ path: 'usr/bin/ping', xattrs: new Map([['security.capability', capability]]) })],
  ['long path (pax)', entry({ path: long, size: 2 }), Buffer.from('hi')],
  ['non-ASCII path', entry({ path: 'etc/café', size: 1 }), Buffer.from('x')],
  ['large uid (pax)', entry({ uid: 100_000_000, gid: 100_000_000 })],
];

for (const [name, e, data] of cases) {
  test(`encode → parse round trip: ${name}`, () => {
    const { entries, data: contents } = parse(archive([[e, data]]));
    assert.deepEqual(entries, [e]);
    assert.equal(contents.get(e.path), data?.toString());
  });
}

test('GNU tar reads what we write, capabilities included', async () => {
  const dir = await makeTempDir('tar-format-test-');
  try {
    const file = join(dir, 'a.tar');
    await writeFile(file, archive(cases.map(([, e, d]) => [e, d])));
    const listing = await runChecked(['tar', '--xattrs', '--xattrs-include=*', '-tvvf', file]);
    for (const [, e] of cases) assert.ok(listing.stdout.includes(e.path), `${e.path} in\n${listing.stdout}`);
    await runChecked(['tar', '--xattrs', '--xattrs-include=*', '-xf', file, '-C', dir, 'usr/bin/ping']);
    const getcap = await runChecked(['getcap', join(dir, 'usr/bin/ping')]);
    assert.match(getcap.stdout, /cap_net_raw[=+]ep/);
  } finally {
    await removeTree(dir);
  }
});

test('header blocks are whole blocks and checksummed as tar expects', () => {
  const h = encodeHeader(entry({}));
  assert.equal(h.length, BLOCK);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
  assert.equal(parseInt(h.toString('ascii', 148, 154), 8), sum);
});

test('parallel gzip: members concatenate into one stream that gunzips to the input', async () => {
  const input = Buffer.alloc(3 * 1024 * 1024 + 123);
  for (let i = 0; i < input.length; i++) input[i] = (i * 7) % 251;
  const run = async () => {
    const gz = new ParallelGzip(1, 2, 1024 * 1024);
    const out: Buffer[] = [];
    gz.on('data', (c: Buffer) => out.push(c));
    const done = new Promise((resolve) => gz.on('end', resolve));
    gz.end(input);
    await done;
    return Buffer.concat(out);
  };
  const [a, b] = [await run(), await run()];
  assert.ok(a.equals(b), 'deterministic');
  assert.ok((await promisify(gunzip)(a)).equals(input));
  const empty = new ParallelGzip();
  const chunks: Buffer[] = [];
  empty.on('data', (c: Buffer) => chunks.push(c));
  await new Promise((resolve) => empty.on('end', resolve).end());
  assert.equal((await promisify(gunzip)(Buffer.concat(chunks))).length, 0);
});
