import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { removeAmiRecord, writeAmiRecord } from '../../distribution/ami-store.js';
import { sha256Digest } from '../blob-store.js';
import { collectGarbage, finishGcJournal } from './collect.js';
import { distribute, diskUsage, layerBlob, mainStore, publishImage, tempData } from './gc.fixture.js';
import { journalFile, readJournal } from './journal.js';

const hex = (d: string) => d.slice('sha256:'.length);

test('deleting an image frees exactly the blobs only it used; shared layers stay', async () => {
  const paths = tempData();
  const shared = await layerBlob(paths.dataDir, 's', 5000);
  const onlyA = await layerBlob(paths.dataDir, 'a', 3000);
  const a = await publishImage(paths.dataDir, 'ami-0000000a', [shared, onlyA]);
  const b = await publishImage(paths.dataDir, 'ami-0000000b', [shared]);
  assert.equal((await collectGarbage(paths)).removedBlobs, 0);

  await rm(join(paths.dataDir, 'images', 'ami-0000000a'), { recursive: true });
  const before = await diskUsage(paths.dataDir);
  const result = await collectGarbage(paths);
  const store = mainStore(paths.dataDir);
  assert.equal(result.removedBlobs, 3);
  assert.equal(result.freedBytes, onlyA.size + a.manifestSize + a.configSize);
  assert.equal(before - (await diskUsage(paths.dataDir)), result.freedBytes);
  assert.equal(await store.has(a.manifestDigest), false);
  assert.equal(await store.has(onlyA.digest), false);
  for (const d of [shared.digest, b.manifestDigest, b.configDigest]) assert.equal(await store.has(d), true);
  assert.equal(existsSync(journalFile(paths.dataDir)), false);
});

test('AMI records outlive the image and keep their blobs, in their region and the main store', async () => {
  const paths = tempData();
  const layer = await layerBlob(paths.dataDir, 'x', 2000);
  const oci = await publishImage(paths.dataDir, 'ami-00000001', [layer]);
  await distribute(paths.dataDir, 'us-west-2', 'ami-00000001', oci);
  await rm(join(paths.dataDir, 'images', 'ami-00000001'), { recursive: true });
  assert.equal((await collectGarbage(paths)).removedBlobs, 0);

  await removeAmiRecord(paths.dataDir, 'us-west-2', 'ami-00000001');
  const result = await collectGarbage(paths);
  // Main and region copies are hard links of one file: its bytes are freed once.
  assert.equal(result.removedBlobs, 6);
  assert.equal(result.freedBytes, layer.size + oci.manifestSize + oci.configSize);
  assert.equal(
    existsSync(join(paths.dataDir, 'regions', 'us-west-2', 'blobs', 'sha256', hex(layer.digest))),
    false,
  );
});

test('a record without `blobs` (an import) keeps its manifest closure in the main store', async () => {
  const paths = tempData();
  const layer = await layerBlob(paths.dataDir, 'i', 100);
  const oci = await publishImage(paths.dataDir, 'ami-00000002', [layer]);
  await writeAmiRecord(paths.dataDir, {
    region: 'us-east-1',
    image: 'ami-00000002',
    name: 'imported',
    accountId: '000000000000',
    tags: {},
    manifestDigest: oci.manifestDigest,
    imageArn: 'arn:aws:imagebuilder:us-east-1:000000000000:image/imported/1.0.0/1',
    creationDate: '2024-01-01T00:00:00Z',
  });
  await rm(join(paths.dataDir, 'images', 'ami-00000002'), { recursive: true });
  assert.equal((await collectGarbage(paths)).removedBlobs, 0);
  assert.equal(await mainStore(paths.dataDir).has(layer.digest), true);
});

test('layer cache and base layer entries keep their blobs: the next build may claim them as hits', async () => {
  const paths = tempData();
  const cached = await layerBlob(paths.dataDir, 'c', 700);
  const base = await layerBlob(paths.dataDir, 'b', 900);
  const loose = await layerBlob(paths.dataDir, 'l', 300);
  await mkdir(join(paths.cacheDir, 'layers', 'k1', 'tree'), { recursive: true });
  await writeFile(
    join(paths.cacheDir, 'layers', 'k1', 'layer.json'),
    JSON.stringify({ key: 'k1', layer: cached }),
  );
  await mkdir(join(paths.cacheDir, 'base-layers'), { recursive: true });
  await writeFile(join(paths.cacheDir, 'base-layers', 'tree1.json'), JSON.stringify(base));
  const result = await collectGarbage(paths);
  const store = mainStore(paths.dataDir);
  assert.equal(result.removedBlobs, 1);
  assert.equal(await store.has(cached.digest), true);
  assert.equal(await store.has(base.digest), true);
  assert.equal(await store.has(loose.digest), false);
});

test('protected digests and blobs newer than the collection are kept', async () => {
  const paths = tempData();
  const protectedBlob = await layerBlob(paths.dataDir, 'p', 10);
  const fresh = await layerBlob(paths.dataDir, 'f', 10);
  const future = new Date(Date.now() + 3600_000);
  await utimes(mainStore(paths.dataDir).localPath(fresh.digest), future, future);
  const result = await collectGarbage({ ...paths, isProtected: (d) => d === protectedBlob.digest });
  assert.deepEqual([result.removedBlobs, result.kept], [0, 2]);
});

test('a collection killed mid-deletion leaves a journal the next run finishes, re-checking each entry', async () => {
  const paths = tempData();
  const layers = [
    await layerBlob(paths.dataDir, '1'),
    await layerBlob(paths.dataDir, '2'),
    await layerBlob(paths.dataDir, '3'),
  ];
  await assert.rejects(
    collectGarbage({
      ...paths,
      onRemoved: (_e, done) => {
        if (done === 1) throw new Error('killed');
      },
    }),
    /killed/,
  );
  const journal = await readJournal(paths.dataDir);
  assert.equal(journal?.entries.length, 3);
  const store = mainStore(paths.dataDir);
  const left = layers.filter((l) => existsSync(store.localPath(l.digest)));
  assert.equal(left.length, 2);
  // One of the journal's blobs is referenced again before the journal is finished: it stays.
  const [again, other] = left as [(typeof left)[0], (typeof left)[0]];
  await publishImage(paths.dataDir, 'ami-00000003', [again]);
  assert.equal(await finishGcJournal(paths), 1);
  assert.equal(await store.has(again.digest), true);
  assert.equal(await store.has(other.digest), false);
  assert.equal(existsSync(journalFile(paths.dataDir)), false);
});

test('an image whose manifest cannot be read freezes the main store instead of guessing', async () => {
  const paths = tempData();
  const layer = await layerBlob(paths.dataDir, 'z', 10);
  const oci = await publishImage(paths.dataDir, 'ami-00000004', [layer]);
  await rm(join(paths.dataDir, 'images', 'ami-00000004', 'oci'), { recursive: true });
  await mainStore(paths.dataDir).delete(oci.manifestDigest);
  await layerBlob(paths.dataDir, 'g', 10);
  const lines: string[] = [];
  const result = await collectGarbage({ ...paths, log: (l) => lines.push(l) });
  assert.equal(result.removedBlobs, 0);
  assert.match(lines.join('\n'), /leaving main alone: image ami-00000004: manifest .* cannot be read/);
});

test('encrypted copies and exports go with their AMI record', async () => {
  const paths = tempData();
  const region = join(paths.dataDir, 'regions', 'eu-west-1');
  const plain = Buffer.from('secret layer');
  const digest = sha256Digest(plain);
  await mkdir(join(region, 'encrypted', 'key1', 'sha256'), { recursive: true });
  await writeFile(join(region, 'encrypted', 'key1', 'sha256', hex(digest)), Buffer.from('ciphertext!'));
  await mkdir(join(region, 'exports', 'ami-00000005'), { recursive: true });
  await writeFile(join(region, 'exports', 'ami-00000005', 'disk.vmdk'), 'vmdk');
  await writeFile(join(region, 'exports', 'stray.raw'), 'raw');
  await writeAmiRecord(paths.dataDir, {
    region: 'eu-west-1',
    image: 'ami-00000005',
    name: 'enc',
    accountId: '000000000000',
    tags: {},
    manifestDigest: digest,
    blobs: [digest],
    kmsKeyArn: 'arn:aws:kms:eu-west-1:000000000000:key/key1',
    exports: [{ format: 'VMDK', path: 'exports/ami-00000005/disk.vmdk' }],
    imageArn: 'arn:aws:imagebuilder:eu-west-1:000000000000:image/enc/1.0.0/1',
    creationDate: '2024-01-01T00:00:00Z',
  });
  const first = await collectGarbage(paths);
  assert.deepEqual([first.removedBlobs, first.removedFiles], [0, 1]);
  assert.equal(existsSync(join(region, 'exports', 'stray.raw')), false);
  await removeAmiRecord(paths.dataDir, 'eu-west-1', 'ami-00000005');
  const second = await collectGarbage(paths);
  assert.deepEqual([second.removedBlobs, second.removedFiles], [1, 1]);
  assert.equal(
    await readFile(join(region, 'exports', 'ami-00000005', 'disk.vmdk')).catch(() => 'gone'),
    'gone',
  );
});
