import assert from 'node:assert/strict';
import { lstat, mkdir, readFile, stat, symlink, writeFile, chmod, link } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree } from '../../host/fs.js';
import { runChecked } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import { DirectoryBlobStore } from '../blob-store.js';
import { applyLayers } from '../flatten.js';
import { captureBaseLayer } from '../layers.js';
import { exportOciArchive, exportOciLayout, writeOciImage } from '../oci.js';
import { importImage } from './import-image.js';

let dir: string;
let src: string;

before(async () => {
  requireTool('debugfs', 'e2fsprogs');
  requireTool('mkfs.ext4', 'e2fsprogs');
  requireTool('qemu-img', 'qemu-utils');
  dir = await makeTempDir('kiln-import-test-');
  src = join(dir, 'src');
  await mkdir(join(src, 'usr/bin'), { recursive: true });
  await writeFile(join(src, 'usr/bin/tool'), 'tool\n');
  await chmod(join(src, 'usr/bin/tool'), 0o4755);
  await link(join(src, 'usr/bin/tool'), join(src, 'usr/bin/tool2'));
  await symlink('usr/bin', join(src, 'bin'));
  await writeFile(join(src, 'etc-file'), 'hello\n');
});

after(async () => {
  if (dir) await removeTree(dir);
});

/** Imports `source` and unpacks the resulting image to check its tree. */
async function roundTrip(source: string, format?: 'raw' | 'qcow2' | 'oci-archive' | 'oci-layout' | 'tar') {
  const dataDir = await makeTempDir('data-', { parent: dir });
  const imported = await importImage({
    source,
    format,
    member: 'vmImportTaskId',
    dataDir,
    name: 't',
    version: '1.0.0',
    created: 1_700_000_000,
  });
  const out = await makeTempDir('out-', { parent: dir });
  await applyLayers(out, [imported.layer], new DirectoryBlobStore(join(dataDir, 'blobs')));
  return { imported, out };
}

async function checkTree(out: string) {
  assert.equal(await readFile(join(out, 'etc-file'), 'utf8'), 'hello\n');
  assert.equal((await stat(join(out, 'usr/bin/tool'))).mode & 0o7777, 0o4755);
  assert.equal((await stat(join(out, 'usr/bin/tool'))).ino, (await stat(join(out, 'usr/bin/tool2'))).ino);
  assert.ok((await lstat(join(out, 'bin'))).isSymbolicLink());
}

test('a raw and a qcow2 disk import keep setuid bits, hard links and symlinks', async () => {
  const raw = join(dir, 'disk.raw');
  await runChecked(['truncate', '-s', '64M', raw]);
  await runChecked(['mkfs.ext4', '-q', '-d', src, raw]);
  const fromRaw = await roundTrip(raw);
  assert.equal(fromRaw.imported.format, 'raw');
  await checkTree(fromRaw.out);
  const qcow = join(dir, 'disk.qcow2');
  await runChecked(['qemu-img', 'convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]);
  const fromQcow = await roundTrip(qcow);
  assert.equal(fromQcow.imported.format, 'qcow2');
  await checkTree(fromQcow.out);
});

test('an OCI archive, an OCI layout and a root tar import as the same tree', async () => {
  const blobs = new DirectoryBlobStore(join(dir, 'oci-blobs'));
  const layer = await captureBaseLayer(src, blobs, { sourceDateEpoch: 1_700_000_000 });
  const oci = await writeOciImage(blobs, [layer], { created: 1_700_000_000 });
  await exportOciArchive(blobs, oci, join(dir, 'image.oci.tar'));
  await exportOciLayout(blobs, oci, join(dir, 'layout'));
  const archive = await roundTrip(join(dir, 'image.oci.tar'));
  assert.equal(archive.imported.format, 'oci-archive');
  await checkTree(archive.out);
  const layout = await roundTrip(join(dir, 'layout'));
  assert.equal(layout.imported.format, 'oci-layout');
  await checkTree(layout.out);
  await runChecked([
    'tar',
    '--create',
    '--gzip',
    `--file=${join(dir, 'root.tar.gz')}`,
    `--directory=${src}`,
    '.',
  ]);
  const tar = await roundTrip(join(dir, 'root.tar.gz'));
  assert.equal(tar.imported.format, 'tar');
  await checkTree(tar.out);
  // The same tree and creation time give the same layer whatever the source format.
  assert.equal(tar.imported.layer.diffId, archive.imported.layer.diffId);
});
