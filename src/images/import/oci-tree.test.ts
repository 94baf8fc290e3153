import assert from 'node:assert/strict';
import { test } from 'node:test';
import { layerCompression, pickManifest } from './oci-tree.js';

test('pickManifest prefers linux on this architecture, else the first', () => {
  const arm = { digest: 'a', platform: { os: 'linux', architecture: 'arm64' } };
  const amd = { digest: 'b', platform: { os: 'linux', architecture: 'amd64' } };
  const win = { digest: 'c', platform: { os: 'windows', architecture: 'amd64' } };
  assert.equal(pickManifest([arm, win, amd], 'amd64')?.digest, 'b');
  assert.equal(pickManifest([arm], 'amd64')?.digest, 'a');
  assert.equal(pickManifest([{ digest: 'x' }], 'amd64')?.digest, 'x');
});

test('layerCompression from media types', () => {
  const cases: [string, string][] = [
    ['application/vnd.oci.image.layer.v1.tar+gzip', 'gzip'],
    ['application/vnd.docker.image.rootfs.diff.tar.gzip', 'gzip'],
    ['application/vnd.oci.image.layer.v1.tar', 'none'],
    ['application/vnd.docker.image.rootfs.diff.tar', 'none'],
    ['application/vnd.oci.image.layer.v1.tar+zstd', 'unsupported'],
  ];
  for (const [type, want] of cases) assert.equal(layerCompression(type), want, type);
});
