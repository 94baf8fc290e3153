import assert from 'node:assert/strict';
import { test } from 'node:test';
import { volumeSizeGiB } from './disk.js';

const sizes: [string, Parameters<typeof volumeSizeGiB>[0], number][] = [
  ['no mappings', undefined, 8],
  ['mapping without ebs', [{ deviceName: '/dev/xvda' }], 8],
  [
    'first volume size wins',
    [{ deviceName: '/dev/xvdb' }, { ebs: { volumeSize: 20 } }, { ebs: { volumeSize: 4 } }],
    20,
  ],
];
for (const [name, mappings, expected] of sizes) {
  test(`volumeSizeGiB: ${name}`, () => assert.equal(volumeSizeGiB(mappings), expected));
}

test('volumeSizeGiB names the field when the size is unusable', () => {
  for (const bad of [0, 1.5, 20000]) {
    assert.throws(
      () => volumeSizeGiB([{}, { ebs: { volumeSize: bad } }]),
      (err: Error) => err.message.includes('blockDeviceMappings[1].ebs.volumeSize'),
    );
  }
});
