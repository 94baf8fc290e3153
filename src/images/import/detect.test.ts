import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extFilesystemOffset, kindFromHeader, partitions, type ReadAt } from './detect.js';

const at = (size: number, writes: [number, number[]][]) => {
  const b = Buffer.alloc(size);
  for (const [offset, bytes] of writes) Buffer.from(bytes).copy(b, offset);
  return b;
};
const reader =
  (disk: Buffer): ReadAt =>
  async (offset, length) => {
    const out = Buffer.alloc(length);
    disk.copy(out, 0, offset, Math.min(disk.length, offset + length));
    return out;
  };
const EXT = [0x53, 0xef];

test('kindFromHeader recognises qcow2, tars, compressed tars and disks', () => {
  const ustar = at(1024, [[257, [...Buffer.from('ustar')]]]);
  const cases: [string, Buffer, string | undefined][] = [
    ['qcow2', at(1024, [[0, [0x51, 0x46, 0x49, 0xfb]]]), 'qcow2'],
    ['gzip', at(1024, [[0, [0x1f, 0x8b]]]), 'tar'],
    ['zstd', at(1024, [[0, [0x28, 0xb5, 0x2f, 0xfd]]]), 'tar'],
    ['ustar', ustar, 'tar'],
    ['bare ext4', at(2048, [[1080, EXT]]), 'disk'],
    ['MBR', at(2048, [[510, [0x55, 0xaa]]]), 'disk'],
    ['nothing', Buffer.alloc(2048), undefined],
  ];
  for (const [name, head, want] of cases) assert.equal(kindFromHeader(head), want, name);
});

test('an ext file system is found on a bare disk, an MBR partition and a GPT partition', async () => {
  assert.equal(await extFilesystemOffset(reader(at(4096, [[1080, EXT]]))), 0);
  // MBR: a small non-ext partition at sector 8 and a larger ext one at sector 64
  const mbr = at(64 * 512 + 4096, [
    [446 + 4, [0x0c]],
    [446 + 8, [8, 0, 0, 0]],
    [446 + 12, [4, 0, 0, 0]],
    [462 + 4, [0x83]],
    [462 + 8, [64, 0, 0, 0]],
    [462 + 12, [16, 0, 0, 0]],
    [510, [0x55, 0xaa]],
    [64 * 512 + 1080, EXT],
  ]);
  assert.deepEqual(await partitions(reader(mbr)), [
    { offset: 4096, size: 2048 },
    { offset: 32768, size: 8192 },
  ]);
  assert.equal(await extFilesystemOffset(reader(mbr)), 32768);
  // GPT: protective MBR, header at LBA 1, entries at LBA 2, one partition from LBA 34 to 49
  const entry = 2 * 512;
  const gpt = at(34 * 512 + 4096, [
    [446 + 4, [0xee]],
    [510, [0x55, 0xaa]],
    [512, [...Buffer.from('EFI PART')]],
    [512 + 72, [2]],
    [512 + 80, [1]],
    [512 + 84, [128]],
    [entry, [1, 2, 3]],
    [entry + 32, [34]],
    [entry + 40, [49]],
    [34 * 512 + 1080, EXT],
  ]);
  assert.equal(await extFilesystemOffset(reader(gpt)), 34 * 512);
  assert.equal(await extFilesystemOffset(reader(Buffer.alloc(4096))), undefined);
});
