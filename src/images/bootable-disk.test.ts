import assert from 'node:assert/strict';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { AGENT_SCRIPT, AGENT_UNIT_FILE } from '../instances/qemu/guest-agent.js';
import { writeBootableDisk } from './bootable-disk.js';

const MiB = 1024 ** 2;

/** A small root tree with a fake kernel: enough to check the disk's structure without booting. */
async function fakeTree(dir: string, withSystemd: boolean): Promise<void> {
  await mkdir(join(dir, 'boot'), { recursive: true });
  await mkdir(join(dir, 'usr/lib'), { recursive: true });
  await mkdir(join(dir, 'etc'), { recursive: true });
  await writeFile(join(dir, 'etc/debian_version'), '12.99\n');
  await writeFile(join(dir, 'boot/vmlinuz-6.1.0-1-amd64'), Buffer.alloc(3 * MiB, 1));
  await writeFile(join(dir, 'boot/initrd.img-6.1.0-1-amd64'), Buffer.alloc(2 * MiB, 2));
  if (withSystemd) await mkdir(join(dir, 'etc/systemd/system'), { recursive: true });
}

test('writeBootableDisk: MBR, bootable FAT with SYSLINUX and the kernel, ext4 root with the agent', async (t) => {
  const work = await makeTempDir('kiln-bootdisk-');
  t.after(() => removeTree(work));
  const tree = join(work, 'tree');
  await fakeTree(tree, true);
  const file = join(work, 'out/disk.raw');
  const result = await writeBootableDisk(tree, file, { sizeGiB: 1 });
  assert.equal(result.sizeBytes, 1024 * MiB);
  assert.equal(result.kernelVersion, '6.1.0-1-amd64');
  assert.ok(result.bytesWritten < result.sizeBytes, 'the disk is sparse');
  assert.deepEqual(await readdir(join(work, 'out')), ['disk.raw'], 'no temp file is left');

  const table = await runChecked([requireTool('sfdisk', 'fdisk'), '--dump', file]);
  assert.match(table.stdout, /disk\.raw1 : start=\s*2048, size=\s*65536, type=c, bootable/);
  assert.match(table.stdout, /disk\.raw2 : start=\s*67584, size=\s*2029568, type=83/);

  const env = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
  const fat = await runChecked([requireTool('mdir', 'mtools'), '-a', '-b', '-i', `${file}@@${MiB}`, '::/'], {
    env,
  });
  for (const name of ['LDLINUX.SYS', 'LDLINUX.C32', 'VMLINUZ', 'INITRD.IMG', 'SYSLINUX.CFG']) {
    assert.match(fat.stdout.toUpperCase(), new RegExp(`::/${name.replace('.', '\\.')}`));
  }
  const cfg = await runChecked([requireTool('mtype', 'mtools'), '-i', `${file}@@${MiB}`, '::/syslinux.cfg'], {
    env,
  });
  assert.match(cfg.stdout, new RegExp(`root=UUID=${result.rootUuid} `));

  const root = `${file}?offset=${33 * MiB}`;
  const debugfs = requireTool('debugfs', 'e2fsprogs');
  const cat = async (path: string): Promise<string> =>
    (await runChecked([debugfs, '-R', `cat ${path}`, root])).stdout;
  assert.equal(await cat('/etc/debian_version'), '12.99\n');
  assert.equal(await cat('/usr/lib/kiln/agent'), AGENT_SCRIPT);
  assert.equal(await cat('/etc/systemd/system/kiln-agent.service'), AGENT_UNIT_FILE);
  const stat = await runChecked([debugfs, '-R', 'stat /usr/lib/kiln/init', root]);
  assert.match(stat.stdout, /Mode:\s+0755/);
  assert.match(stat.stdout, /User:\s+0\s+Group:\s+0/);
  const uuid = await runChecked([requireTool('dumpe2fs', 'e2fsprogs'), '-h', root]);
  assert.match(uuid.stdout, new RegExp(`Filesystem UUID:\\s+${result.rootUuid}`));
});

test('writeBootableDisk names linux-image-amd64 when the tree has no kernel, and leaves nothing', async (t) => {
  const work = await makeTempDir('kiln-bootdisk-');
  t.after(() => removeTree(work));
  await mkdir(join(work, 'tree/etc'), { recursive: true });
  await assert.rejects(
    writeBootableDisk(join(work, 'tree'), join(work, 'disk.raw'), { sizeGiB: 1 }),
    /linux-image-amd64/,
  );
  assert.deepEqual(await readdir(work), ['tree']);
});
