import { randomUUID } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalidRequest } from '../core/errors.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { AGENT_SCRIPT, AGENT_UNIT_FILE, INIT_SCRIPT } from '../instances/qemu/guest-agent.js';
import {
  agentInstallScript,
  bootLayout,
  type KernelFiles,
  pickKernel,
  SECTOR,
  sfdiskScript,
  syslinuxConfig,
} from './boot-layout.js';
import { checkExt4, mkfsArgs, sparseFile, tempBeside } from './disk.js';

export interface BootableDiskOptions {
  sizeGiB: number;
  signal?: AbortSignal;
}

/** What a bootable disk export cost and produced. */
export interface BootableDiskResult {
  path: string;
  /** Raw disk size. */
  sizeBytes: number;
  /** Bytes allocated on the host (the file is sparse). */
  bytesWritten: number;
  wallMs: number;
  /** UUID of the ext4 root file system, which the kernel command line boots by. */
  rootUuid: string;
  kernelVersion: string;
}

const MBR_CODE = '/usr/lib/syslinux/mbr/mbr.bin';

/** The kernel and initrd the disk will boot, or an error naming the package that provides them. */
async function findKernel(treeDir: string): Promise<KernelFiles> {
  const names = await readdir(join(treeDir, 'boot')).catch(() => [] as string[]);
  const found = pickKernel(names);
  if (!found) {
    throw invalidRequest(
      `the image has no kernel to boot: ${join(treeDir, 'boot')} lacks a vmlinuz-* with its initrd.img-*.`,
      'Install the Debian package linux-image-amd64 in the image (recipe component or parent packages).',
    );
  }
  return found;
}

/** syslinux's MBR boot code (440 bytes) over the start of the disk, before the partition table. */
async function writeMbrCode(disk: string): Promise<void> {
  let code: Buffer;
  try {
    code = await readFile(MBR_CODE);
  } catch {
    throw invalidRequest(`${MBR_CODE} not found: install the Debian package syslinux-common (make deps)`);
  }
  const handle = await open(disk, 'r+');
  try {
    await handle.write(code, 0, Math.min(code.length, 440), 0);
  } finally {
    await handle.close();
  }
}

const exists = (treeDir: string) => (path: string) => {
  try {
    lstatSync(join(treeDir, path));
    return true;
  } catch {
    return false;
  }
};

/** Runs a debugfs script; debugfs exits 0 even when a command fails, so its stderr decides. */
async function debugfs(target: string, script: string, signal?: AbortSignal): Promise<void> {
  const argv = [requireTool('debugfs', 'e2fsprogs'), '-w', '-f', '-', target];
  const result = await runChecked(argv, { input: script, signal });
  const errors = result.stderr.split('\n').filter((l) => l.trim() !== '' && !/^debugfs \d/.test(l));
  if (errors.length > 0)
    throw new Error(`debugfs failed installing the Kiln guest agent:\n${errors.join('\n')}`);
}

/**
 * A bootable raw disk of a root tree (which must contain a kernel and initrd in /boot): an MBR
 * with syslinux's boot code, a FAT boot partition (SYSLINUX, kernel, initrd, syslinux.cfg) and
 * the ext4 root written in place by `mkfs.ext4 -E offset -d`, with Kiln's guest agent added by
 * debugfs. Nothing is mounted and the tree is not modified. Written beside `file`, checked
 * (`e2fsck -fn` on the root, `fdisk -l`) and renamed into place. Boots in `qemu-system-x86_64`
 * without an external kernel; the console is the first serial port.
 */
export async function writeBootableDisk(
  treeDir: string,
  file: string,
  options: BootableDiskOptions,
): Promise<BootableDiskResult> {
  const started = performance.now();
  const { signal } = options;
  const tools = {
    sfdisk: requireTool('sfdisk', 'fdisk'),
    fdisk: requireTool('fdisk', 'fdisk'),
    mkfsFat: requireTool('mkfs.fat', 'dosfstools'),
    syslinux: requireTool('syslinux', 'syslinux'),
    mcopy: requireTool('mcopy', 'mtools'),
  };
  const kernel = await findKernel(treeDir);
  const boot = join(treeDir, 'boot');
  const payload = (await stat(join(boot, kernel.kernel))).size + (await stat(join(boot, kernel.initrd))).size;
  const layout = bootLayout(options.sizeGiB, payload);
  const rootUuid = randomUUID();
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  const staging = await makeTempDir('kiln-boot-');
  try {
    await sparseFile(tmp, layout.totalBytes);
    await runChecked([tools.sfdisk, '--quiet', '--no-reread', '--no-tell-kernel', tmp], {
      input: sfdiskScript(layout),
      signal,
    });
    await writeMbrCode(tmp);
    const bootSector = layout.bootStart / SECTOR;
    await runChecked(
      [
        tools.mkfsFat,
        '-F',
        '16',
        '-n',
        'KILNBOOT',
        '-h',
        `${bootSector}`,
        `--offset=${bootSector}`,
        tmp,
        `${layout.bootBytes / 1024}`,
      ],
      { signal },
    );
    await runChecked([tools.syslinux, '--offset', `${layout.bootStart}`, '--install', tmp], { signal });
    await writeFile(join(staging, 'syslinux.cfg'), syslinuxConfig(rootUuid));
    const fat = `${tmp}@@${layout.bootStart}`;
    const mtoolsEnv = { ...process.env, MTOOLS_SKIP_CHECK: '1' };
    for (const [src, dest] of [
      [join(boot, kernel.kernel), '::/vmlinuz'],
      [join(boot, kernel.initrd), '::/initrd.img'],
      [join(staging, 'syslinux.cfg'), '::/syslinux.cfg'],
    ] as const) {
      await runChecked([tools.mcopy, '-o', '-i', fat, src, dest], { env: mtoolsEnv, signal });
    }
    const blocksKiB = layout.rootBytes / 1024;
    await runChecked(
      mkfsArgs(treeDir, tmp, {
        sizeGiB: options.sizeGiB,
        uuid: rootUuid,
        offset: layout.rootStart,
        blocks: blocksKiB,
      }),
      { signal },
    );
    await writeFile(join(staging, 'agent'), AGENT_SCRIPT);
    await writeFile(join(staging, 'init'), INIT_SCRIPT);
    await writeFile(join(staging, 'unit'), AGENT_UNIT_FILE);
    const root = `${tmp}?offset=${layout.rootStart}`;
    await debugfs(root, agentInstallScript(staging, exists(treeDir)), signal);
    await checkExt4(root, signal);
    const listing = await runChecked([tools.fdisk, '-l', tmp], { signal });
    if (!listing.stdout.includes(`${tmp}2`))
      throw new Error(`fdisk -l does not show the root partition:\n${listing.stdout}`);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
    await removeTree(staging);
  }
  return {
    path: file,
    sizeBytes: layout.totalBytes,
    bytesWritten: (await stat(file)).blocks * 512,
    wallMs: Math.round(performance.now() - started),
    rootUuid,
    kernelVersion: kernel.version,
  };
}
