import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sha256Digest } from './blob-store.js';
import { imageDocuments, indexDocument } from './oci.js';

const layer = { digest: sha256Digest('gz'), size: 2, diffId: sha256Digest('tar'), createdBy: 'component a' };

test('image documents are deterministic and carry diff_ids, history and runtime settings', () => {
  const options = {
    created: 1_700_000_000,
    cmd: ['nginx', '-g', 'daemon off;'],
    env: ['A=1'],
    workingDir: '/srv',
    labels: { z: '1', a: '2' },
    architecture: 'amd64',
  };
  const one = imageDocuments([layer], options);
  const two = imageDocuments([layer], { ...options, labels: { a: '2', z: '1' } });
  assert.ok(one.configBytes.equals(two.configBytes));
  const config = JSON.parse(one.configBytes.toString());
  assert.equal(config.created, '2023-11-14T22:13:20Z');
  assert.deepEqual(config.rootfs, { type: 'layers', diff_ids: [layer.diffId] });
  assert.deepEqual(config.history, [{ created: '2023-11-14T22:13:20Z', created_by: 'component a' }]);
  assert.deepEqual(config.config, {
    Env: ['A=1'],
    Cmd: ['nginx', '-g', 'daemon off;'],
    WorkingDir: '/srv',
    Labels: { a: '2', z: '1' },
  });
  const manifest = JSON.parse(one.manifest(sha256Digest('c')).toString());
  assert.equal(manifest.config.size, one.configBytes.length);
  assert.deepEqual(manifest.layers, [
    { mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: layer.digest, size: 2 },
  ]);
});

test('the index names the manifest with the tag', () => {
  const image = {
    manifestDigest: sha256Digest('m'),
    manifestSize: 1,
    configDigest: sha256Digest('c'),
    configSize: 1,
    layers: [],
    wallMs: 0,
    bytesWritten: 0,
  };
  const index = JSON.parse(indexDocument(image, 'v1').toString());
  assert.equal(index.manifests[0].annotations['org.opencontainers.image.ref.name'], 'v1');
  assert.equal(index.manifests[0].digest, image.manifestDigest);
});
