import assert from 'node:assert/strict';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { mkfsArgs, sparseFile } from '../images/disk.js';
import {
  checkS3ExportConfiguration,
  type DiskImageFormat,
  exportDiskImage,
  exportKey,
  verifyDiskExport,
} from './s3-export.js';

const AMI = 'ami-0123456789abcdef0';
const OK = { roleName: 'vmimport', diskImageFormat: 'VMDK', s3Bucket: 'golden-images', s3Prefix: 'exports/' };

test('s3ExportConfiguration is validated naming the member', () => {
  assert.deepEqual(checkS3ExportConfiguration(OK), OK);
  assert.ok(Object.isFrozen(checkS3ExportConfiguration(OK)));
  const { s3Prefix: _, ...withoutPrefix } = OK;
  assert.deepEqual(checkS3ExportConfiguration(withoutPrefix), withoutPrefix);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ roleName: undefined }, /s3ExportConfiguration\.roleName.*1 to 1024/],
    [{ diskImageFormat: 'QCOW2' }, /diskImageFormat.*'QCOW2' is not one of RAW, VMDK, VHD/],
    [{ diskImageFormat: 'vmdk' }, /diskImageFormat/],
    [{ s3Bucket: 'Golden_Images' }, /s3Bucket.*'Golden_Images' is not a bucket name/],
    [{ s3Bucket: 'ab' }, /s3Bucket/],
    [{ s3Bucket: 'a..b' }, /s3Bucket/],
    [{ s3Prefix: 'a/../b' }, /s3Prefix.*segment '\.\.'/],
    [{ s3Prefix: '' }, /s3Prefix.*1 to 1024/],
    [{ kmsKeyId: 'k' }, /s3ExportConfiguration\.kmsKeyId.*not a member/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => checkS3ExportConfiguration({ ...OK, ...change }), message, JSON.stringify(change));
  }
  assert.throws(() => checkS3ExportConfiguration('x', 'distributions[1].s3ExportConfiguration'), {
    message: /distributions\[1\]\.s3ExportConfiguration/,
  });
});

test('an export goes to exports/<bucket>/<prefix folders>/<ami-id>.<ext> in the store', () => {
  const { s3Prefix: _, ...base } = OK;
  const cfg = (diskImageFormat: DiskImageFormat, s3Prefix?: string) =>
    checkS3ExportConfiguration({ ...base, diskImageFormat, ...(s3Prefix === undefined ? {} : { s3Prefix }) });
  const cases: [ReturnType<typeof cfg>, string][] = [
    [cfg('VMDK', 'exports/'), `exports/golden-images/exports/${AMI}.vmdk`],
    [cfg('VHD', '/a//b'), `exports/golden-images/a/b/${AMI}.vhd`],
    [cfg('RAW'), `exports/golden-images/${AMI}.raw`],
  ];
  for (const [config, key] of cases) assert.equal(exportKey(config, AMI), key);
});

let work: string;
let rawDisk: string;
let otherDisk: string;

/** A small ext4 disk made from a tree (mkfs.ext4 -d), sparse like the images' raw disks. */
async function makeDisk(file: string, text: string): Promise<void> {
  const tree = await makeTempDir('tree-', { parent: work });
  await mkdir(join(tree, 'etc'), { recursive: true });
  await writeFile(join(tree, 'etc', 'motd'), text);
  await sparseFile(file, 32 * 1024 * 1024);
  await runChecked(mkfsArgs(tree, file, { sizeGiB: 1, uuid: '6b1c3f6e-0c1d-4a8e-9e63-3d1f1e2a4b5c' }));
}

before(async () => {
  requireTool('qemu-img', 'qemu-utils');
  work = await makeTempDir('kiln-s3-export-test-', { memory: false });
  rawDisk = join(work, 'disk.raw');
  otherDisk = join(work, 'other.raw');
  await makeDisk(rawDisk, 'the exported image\n');
  await makeDisk(otherDisk, 'another image\n');
});

after(async () => {
  if (work) await removeTree(work);
});

async function qemuInfo(file: string, format: string): Promise<Record<string, unknown>> {
  const out = await runChecked([
    requireTool('qemu-img', 'qemu-utils'),
    'info',
    '-f',
    format,
    '--output=json',
    file,
  ]);
  return JSON.parse(out.stdout);
}

const EXPECTED: Record<DiskImageFormat, string> = { RAW: 'raw', VMDK: 'vmdk', VHD: 'vpc' };

for (const format of ['RAW', 'VMDK', 'VHD'] as const) {
  test(`a ${format} export holds the same disk in the format VM import expects`, async () => {
    const storeDir = join(work, 'regions', format);
    const configuration = checkS3ExportConfiguration({ ...OK, diskImageFormat: format });
    const exported = await exportDiskImage({ rawDisk, storeDir, amiId: AMI, configuration });
    const key = exportKey(configuration, AMI);
    assert.equal(exported.key, key);
    assert.equal(exported.path, join(storeDir, key));
    assert.equal(exported.format, format);
    assert.equal(exported.bytes, (await stat(exported.path)).size);
    const info = await qemuInfo(exported.path, EXPECTED[format]);
    assert.equal(info['virtual-size'], (await stat(rawDisk)).size);
    if (format === 'VMDK') {
      assert.equal(
        (info['format-specific'] as { data: Record<string, unknown> }).data['create-type'],
        'streamOptimized',
      );
    }
    if (format === 'VHD') {
      const footer = (await readFile(exported.path)).subarray(-512);
      assert.equal(footer.subarray(0, 8).toString('latin1'), 'conectix');
      assert.equal(footer.readUInt32BE(60), 2, 'a fixed disk');
    }
    if (format === 'RAW') assert.ok((await readFile(exported.path)).equals(await readFile(rawDisk)));
    // Independent of the module's own check: qemu-img reads the same bytes back.
    const compared = await runChecked([
      requireTool('qemu-img', 'qemu-utils'),
      'compare',
      '-f',
      'raw',
      '-F',
      EXPECTED[format],
      rawDisk,
      exported.path,
    ]);
    assert.match(compared.stdout, /identical/);
    // Only the export is left in its folder: no temp files.
    assert.deepEqual(await readdir(join(storeDir, 'exports', 'golden-images', 'exports')), [
      `${AMI}.${format.toLowerCase()}`,
    ]);
  });
}

test('verification rejects an export whose contents differ from the source disk', async () => {
  const configuration = checkS3ExportConfiguration({ ...OK, diskImageFormat: 'VMDK', s3Prefix: 'other' });
  const exported = await exportDiskImage({
    rawDisk: otherDisk,
    storeDir: join(work, 'x'),
    amiId: AMI,
    configuration,
  });
  await assert.rejects(verifyDiskExport(exported.path, 'VMDK', rawDisk), /the VMDK export .* differs from/);
  await assert.rejects(
    verifyDiskExport(exported.path, 'VHD', rawDisk),
    /the VHD export .* is not a readable vpc image: .*invalid VPC image/s,
  );
});

test('exporting an image without a raw disk fails naming the missing disk', async () => {
  await assert.rejects(
    exportDiskImage({
      rawDisk: join(work, 'missing.raw'),
      storeDir: join(work, 'y'),
      amiId: AMI,
      configuration: checkS3ExportConfiguration(OK),
    }),
    /no raw disk to export at .*missing\.raw \(ENOENT\)/,
  );
});
