import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { requireTool } from '../host/tools.js';
import { type Digest, DirectoryBlobStore } from '../images/blob-store.js';
import { captureBaseLayer } from '../images/layers.js';
import { exportOciLayout, type OciImage, writeOciImage } from '../images/oci.js';
import type { RegistryRegionStore } from './containers.js';
import {
  amiCopyDigest,
  amiCopyUri,
  amiRepository,
  deleteAmiCopy,
  pullAmiCopy,
  pullAmiCopyIntoStore,
  pushAmiCopy,
} from './registry-copy.js';

const AMI = 'ami-0123456789abcdef0';

test('an AMI copy lives in its own repository under kiln/amis', () => {
  assert.equal(amiRepository(AMI), `kiln/amis/${AMI}`);
  assert.equal(
    amiCopyUri({ type: 'registry', url: '127.0.0.1:5000', tlsVerify: false }, AMI),
    `127.0.0.1:5000/kiln/amis/${AMI}:latest`,
  );
  for (const bad of ['ami-XYZ', 'i-0123456789abcdef0', 'ami-1234', `${AMI}/../x`]) {
    assert.throws(() => amiRepository(bad), /is not an AMI id/, bad);
  }
});

let registry: TestRegistry;
let store: RegistryRegionStore;
let work: string;
let layout: string;
let image: OciImage;
let blobs: DirectoryBlobStore;

before(async () => {
  requireTool('skopeo', 'skopeo');
  registry = await startRegistry();
  store = { type: 'registry', url: registry.host, tlsVerify: false };
  work = await makeTempDir('kiln-registry-copy-test-', { memory: false });
  const root = join(work, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'hostname'), 'kiln-ami-copy\n');
  blobs = new DirectoryBlobStore(join(work, 'blobs'));
  const layer = await captureBaseLayer(root, blobs, { sourceDateEpoch: 1_700_000_000 });
  image = await writeOciImage(blobs, [layer], { created: 1_700_000_000 });
  layout = join(work, 'layout');
  await exportOciLayout(blobs, image, layout, 'build');
});

after(async () => {
  await registry?.stop();
  if (work) await removeTree(work);
});

const allBlobs = (i: OciImage): Digest[] => [
  i.manifestDigest,
  i.configDigest,
  ...i.layers.map((l) => l.digest),
];

test('a pushed AMI copy is served by digest and pulls back into an identical OCI layout', async () => {
  const pushed = await pushAmiCopy({ store, amiId: AMI, layoutDir: layout, layoutTag: 'build' });
  assert.deepEqual(pushed, { imageUri: amiCopyUri(store, AMI), digest: image.manifestDigest });
  assert.equal(await amiCopyDigest(store, AMI), image.manifestDigest);

  const target = join(work, 'pulled');
  const pulled = await pullAmiCopy({
    store,
    amiId: AMI,
    manifestDigest: image.manifestDigest,
    targetDir: target,
  });
  assert.deepEqual(pulled, { layoutDir: target, tag: 'latest', digest: image.manifestDigest });
  for (const digest of allBlobs(image)) {
    const path = (dir: string) => join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
    assert.ok((await readFile(path(target))).equals(await readFile(path(layout))), digest);
  }
  // A second pull into the same directory reuses it.
  assert.deepEqual(
    await pullAmiCopy({ store, amiId: AMI, manifestDigest: image.manifestDigest, targetDir: target }),
    pulled,
  );
});

test('pulling into a blob store adds only the blobs it lacks, each under its digest', async () => {
  const local = new DirectoryBlobStore(join(work, 'launch-store'));
  const first = await pullAmiCopyIntoStore({
    store,
    amiId: AMI,
    manifestDigest: image.manifestDigest,
    blobs: local,
  });
  assert.deepEqual(first, { digest: image.manifestDigest, blobs: allBlobs(image), added: 3 });
  assert.deepEqual(await local.list(), [...allBlobs(image)].sort());
  const again = await pullAmiCopyIntoStore({
    store,
    amiId: AMI,
    manifestDigest: image.manifestDigest,
    blobs: local,
  });
  assert.equal(again.added, 0);
});

test('pulling a copy by a digest the registry does not hold fails naming the copy and registry', async () => {
  const other = `sha256:${'0'.repeat(64)}` as Digest;
  await assert.rejects(
    pullAmiCopy({ store, amiId: AMI, manifestDigest: other, targetDir: join(work, 'never'), attempts: 1 }),
    (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`pulling ${AMI} from the registry ${registry.host.replaceAll('.', '\\.')}`),
      );
      return true;
    },
  );
});

test('a deleted AMI copy is gone from the registry; deleting it again reports nothing to delete', async () => {
  const amiId = 'ami-00000000000000042';
  await pushAmiCopy({ store, amiId, layoutDir: layout, layoutTag: 'build' });
  assert.equal(await amiCopyDigest(store, amiId), image.manifestDigest);
  assert.equal(await deleteAmiCopy({ store, amiId }), true);
  assert.equal(await amiCopyDigest(store, amiId), undefined);
  assert.equal(await deleteAmiCopy({ store, amiId }), false);
  // The other copy of the same manifest, in its own repository, is untouched.
  assert.equal(await amiCopyDigest(store, AMI), image.manifestDigest);
});
