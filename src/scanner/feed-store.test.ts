import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { strToU8, zipSync } from 'fflate';
import { ingestFeed, loadFeedIndex } from './feed-store.js';

const NOW = '2026-01-01T00:00:00Z';
const record = (id: string, name: string, fixed?: string) => ({
  id,
  modified: NOW,
  affected: [
    {
      package: { ecosystem: 'Debian:12', name },
      ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, ...(fixed ? [{ fixed }] : [])] }],
    },
  ],
});

const work = await mkdtemp(join(tmpdir(), 'kiln-feed-'));
after(() => rm(work, { recursive: true, force: true }));

async function feedDir(name: string, records: object[]): Promise<string> {
  const dir = join(work, name);
  await mkdir(dir, { recursive: true });
  for (const r of records) await writeFile(join(dir, `${(r as { id: string }).id}.json`), JSON.stringify(r));
  return dir;
}

function zipOf(records: object[]): Uint8Array {
  return zipSync(
    Object.fromEntries(records.map((r) => [`${(r as { id: string }).id}.json`, strToU8(JSON.stringify(r))])),
  );
}

test('ingests a directory, indexes by ecosystem and name, and records the ingest rate', async () => {
  const dir = await feedDir('dir', [record('DSA-1-1', 'openssl', '3.0.1-1'), record('DSA-2-1', 'zlib')]);
  const store = join(work, 'store-dir');
  const index = await ingestFeed(dir, store, { now: NOW });
  assert.equal(index.stats.records, 2);
  assert.ok(index.stats.recordsPerSecond > 0);
  assert.deepEqual(Object.keys(index.affected['Debian:12'] ?? {}).sort(), ['openssl', 'zlib']);
  assert.deepEqual(await loadFeedIndex(store), index);
});

test('a corrupt or partial feed is rejected naming the entry, and the previous feed stays', async () => {
  const store = join(work, 'store-atomic');
  assert.equal(await loadFeedIndex(store), undefined);
  const good = await ingestFeed(await feedDir('good', [record('DSA-1-1', 'openssl', '3.0.1-1')]), store, {
    now: NOW,
  });
  const before = await readFile(join(store, 'index.json'), 'utf8');

  const truncated = join(work, 'truncated.zip');
  const zip = zipOf([record('DSA-3-1', 'bash', '5.2-1'), record('DSA-4-1', 'tar')]);
  await writeFile(truncated, zip.subarray(0, zip.length - 30));
  const badJsonDir = await feedDir('bad-json', [record('DSA-5-1', 'tar')]);
  await writeFile(join(badJsonDir, 'DSA-6-1.json'), '{"id": "DSA-6-1", "modif');
  const badVersion = await feedDir('bad-version', [record('DSA-7-1', 'tar', 'x.1')]);
  const noId = await feedDir('no-id', []);
  await writeFile(join(noId, 'a.json'), JSON.stringify({ modified: NOW }));
  const badEvent = await feedDir('bad-event', [
    {
      ...record('DSA-8-1', 'tar'),
      affected: [
        {
          package: { ecosystem: 'Debian:12', name: 'tar' },
          ranges: [{ type: 'ECOSYSTEM', events: [{ fixd: '1' }] }],
        },
      ],
    },
  ]);
  const cases: readonly [string, RegExp][] = [
    [truncated, /truncated\.zip' .*not a readable zip archive/],
    [badJsonDir, /'DSA-6-1\.json'.*not valid JSON/],
    [
      badVersion,
      /'DSA-7-1\.json: affected\[0\]\.ranges\[0\]\.events\[1\]\.fixed'.*'x\.1' is not a Debian version/,
    ],
    [noId, /'a\.json: id'.*non-empty string/],
    [badEvent, /'DSA-8-1\.json: affected\[0\]\.ranges\[0\]\.events\[0\]'.*unknown event 'fixd'/],
    [await feedDir('empty', []), /holds no OSV records/],
    [join(work, 'missing'), /does not exist/],
  ];
  for (const [source, message] of cases) {
    await assert.rejects(
      ingestFeed(source, store, { now: NOW }),
      { name: 'InvalidParameterValueException', message },
      source,
    );
    assert.equal(await readFile(join(store, 'index.json'), 'utf8'), before, `${source} left the old feed`);
  }
  assert.deepEqual(await loadFeedIndex(store), good);
});

test('ingests an all.zip from a file and over http, and rejects a partial download', async () => {
  const records = [
    record('DEBIAN-CVE-2024-1000', 'openssl', '3.0.2-1'),
    { ...record('DSA-9-1', 'tar'), withdrawn: NOW },
  ];
  const zip = Buffer.from(zipOf(records));
  const zipPath = join(work, 'all.zip');
  await writeFile(zipPath, zip);
  const fromFile = await ingestFeed(zipPath, join(work, 'store-zip'), { now: NOW });
  assert.deepEqual([fromFile.stats.records, fromFile.stats.withdrawn], [1, 1]);
  assert.deepEqual(fromFile.advisories[0]?.cves, ['CVE-2024-1000']);

  const server = createServer((req, res) => {
    if (req.url === '/all.zip') res.end(zip);
    else if (req.url === '/feed.json') res.end(JSON.stringify(records));
    else if (req.url === '/partial.zip') {
      res.writeHead(200, { 'content-length': String(zip.length) });
      res.end(zip.subarray(0, 10));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const store = join(work, 'store-http');
    const overHttp = await ingestFeed(`${base}/all.zip`, store, { now: NOW });
    assert.deepEqual(overHttp.advisories, fromFile.advisories);
    const json = await ingestFeed(`${base}/feed.json`, join(work, 'store-json'), { now: NOW });
    assert.deepEqual(json.advisories, fromFile.advisories);
    await assert.rejects(ingestFeed(`${base}/partial.zip`, store, { now: NOW }), /partial|broke off/);
    await assert.rejects(ingestFeed(`${base}/nothing`, store, { now: NOW }), /answered HTTP 404/);
    assert.deepEqual(await loadFeedIndex(store), overHttp);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});
