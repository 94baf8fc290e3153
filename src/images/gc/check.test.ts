import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { writeAmiRecord } from '../../distribution/ami-store.js';
import { sha256Digest } from '../blob-store.js';
import { checkStore } from './check.js';
import { distribute, layerBlob, mainStore, publishImage, tempData } from './gc.fixture.js';
import { readJournal, writeJournal } from './journal.js';

const hex = (d: string) => d.slice('sha256:'.length);

async function distributedImage() {
  const paths = tempData();
  const layer = await layerBlob(paths.dataDir, 'L', 4000);
  const oci = await publishImage(paths.dataDir, 'ami-00000001', [layer]);
  await distribute(paths.dataDir, 'us-west-2', 'ami-00000001', oci);
  const regionBlob = join(paths.dataDir, 'regions', 'us-west-2', 'blobs', 'sha256', hex(layer.digest));
  return { paths, layer, oci, regionBlob };
}

const kinds = (r: Awaited<ReturnType<typeof checkStore>>) =>
  r.problems.map((p) => `${p.kind} ${p.store}${p.repaired ? ' repaired' : ''}`).sort();

test('a consistent store is clean; every file is verified', async () => {
  const { paths } = await distributedImage();
  const report = await checkStore(paths);
  assert.deepEqual(kinds(report), []);
  assert.equal(report.clean, true);
  // 3 blobs, one inode each, seen in main, the region store and the image's layout.
  assert.equal(report.verified, 9);
});

test('a removed region blob is reported with its referrer and restored from the main store', async () => {
  const { paths, regionBlob } = await distributedImage();
  await rm(regionBlob);
  const report = await checkStore(paths);
  assert.deepEqual(kinds(report), ['missing region:us-west-2']);
  assert.deepEqual(report.problems[0]?.referencedBy, ['AMI ami-00000001 in us-west-2']);
  const repaired = await checkStore({ ...paths, repair: true });
  assert.deepEqual(kinds(repaired), ['missing region:us-west-2 repaired']);
  assert.equal(repaired.clean, true);
  assert.equal(existsSync(regionBlob), true);
});

test('a corrupt copy is replaced by a verified copy of the same digest', async () => {
  const { paths, regionBlob, layer } = await distributedImage();
  // A separate file (another disk, a bad copy): the main store's file is still good.
  await rm(regionBlob);
  await writeFile(regionBlob, Buffer.alloc(layer.size, 'X'));
  assert.deepEqual(kinds(await checkStore(paths)), ['corrupt region:us-west-2']);
  const repaired = await checkStore({ ...paths, repair: true });
  assert.equal(repaired.clean, true);
  assert.equal(sha256Digest(await readFile(regionBlob)), layer.digest);
});

test('a byte flipped in a file every store links to cannot be repaired, and nothing is deleted', async () => {
  const { paths, layer } = await distributedImage();
  const file = mainStore(paths.dataDir).localPath(layer.digest);
  const handle = await open(file, 'r+');
  await handle.write(Buffer.from('!'), 0, 1, 100);
  await handle.close();
  const report = await checkStore({ ...paths, repair: true });
  assert.equal(report.clean, false);
  assert.deepEqual(kinds(report), [
    `corrupt layout:${join(paths.dataDir, 'images', 'ami-00000001', 'oci')}`,
    'corrupt main',
    'corrupt region:us-west-2',
  ]);
  assert.equal(existsSync(file), true);
});

test('repair finishes a journal and removes temp files and unreferenced blobs', async () => {
  const { paths } = await distributedImage();
  const loose = await layerBlob(paths.dataDir, 'D', 10);
  const other = await layerBlob(paths.dataDir, 'E', 10);
  await writeJournal(paths.dataDir, {
    version: 1,
    startedAt: '2024-01-01T00:00:00.000Z',
    entries: [
      { store: 'main', path: mainStore(paths.dataDir).localPath(other.digest), digest: other.digest },
    ],
  });
  await mkdir(join(paths.dataDir, 'blobs', 'blobs', '.tmp'), { recursive: true });
  await writeFile(join(paths.dataDir, 'blobs', 'blobs', '.tmp', 'abc'), 'partial');
  await mkdir(join(paths.dataDir, 'images', '.staging-ami-00000002-x'), { recursive: true });
  assert.deepEqual(kinds(await checkStore(paths)), [
    'dangling main',
    'dangling main',
    'journal gc',
    'temp main',
    'temp main',
  ]);
  const repaired = await checkStore({ ...paths, repair: true });
  assert.equal(repaired.clean, true);
  assert.equal(await readJournal(paths.dataDir), undefined);
  assert.equal(await mainStore(paths.dataDir).has(loose.digest), false);
  assert.deepEqual(kinds(await checkStore(paths)), []);
});

test('encrypted blobs are verified through decrypt', async () => {
  const paths = tempData();
  const plain = Buffer.from('{"layers":[]}');
  const digest = sha256Digest(plain);
  const dir = join(paths.dataDir, 'regions', 'eu-west-1', 'encrypted', 'k1', 'sha256');
  await mkdir(dir, { recursive: true });
  const xor = (b: Buffer) => Buffer.from(b.map((x) => x ^ 0x5a));
  await writeFile(join(dir, hex(digest)), xor(plain));
  await writeAmiRecord(paths.dataDir, {
    region: 'eu-west-1',
    image: 'ami-00000009',
    name: 'enc',
    accountId: '000000000000',
    tags: {},
    manifestDigest: digest,
    blobs: [digest],
    kmsKeyArn: 'arn:aws:kms:eu-west-1:000000000000:key/k1',
    imageArn: 'arn:aws:imagebuilder:eu-west-1:000000000000:image/enc/1.0.0/1',
    creationDate: '2024-01-01T00:00:00Z',
  });
  const decrypt = (keyId: string, d: string, data: Buffer) => {
    assert.deepEqual([keyId, d], ['k1', digest]);
    return xor(data);
  };
  const ok = await checkStore({ ...paths, decrypt });
  assert.deepEqual([ok.clean, ok.verified, ok.unverified], [true, 1, 0]);
  assert.equal((await checkStore(paths)).unverified, 1);
  await writeFile(join(dir, hex(digest)), plain);
  assert.deepEqual(kinds(await checkStore({ ...paths, decrypt })), ['corrupt encrypted:eu-west-1/k1']);
});
