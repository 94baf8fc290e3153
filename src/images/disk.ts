import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { invalidValue } from '../core/errors.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';

export const GiB = 1024 ** 3;

/** What a disk export cost and produced (the image record keeps it). */
export interface DiskResult {
  path: string;
  format: 'raw' | 'qcow2';
  /** Apparent size (the virtual disk size for raw). */
  sizeBytes: number;
  /** Bytes actually allocated on the host (sparse files allocate only what holds data). */
  bytesWritten: number;
  wallMs: number;
}

/**
 * The disk size from a recipe's `blockDeviceMappings[].ebs.volumeSize` (GiB), validated: the
 * first mapping with a volume size, else `fallbackGiB`.
 */
export function volumeSizeGiB(
  mappings: readonly { deviceName?: string; ebs?: { volumeSize?: number } }[] | undefined,
  fallbackGiB = 8,
): number {
  const index = (mappings ?? []).findIndex((m) => m.ebs?.volumeSize !== undefined);
  if (index === -1) return fallbackGiB;
  const size = mappings![index]!.ebs!.volumeSize!;
  if (!Number.isInteger(size) || size < 1 || size > 16384) {
    throw invalidValue(
      `blockDeviceMappings[${index}].ebs.volumeSize`,
      `${size} is not a whole number of GiB between 1 and 16384.`,
    );
  }
  return size;
}

/** A hidden temp path beside `file`, renamed onto it when complete. */
export const tempBeside = (file: string): string =>
  join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);

async function allocated(path: string): Promise<number> {
  return (await stat(path)).blocks * 512;
}

/** Makes a sparse file of `bytes` (holes cost nothing until written). */
export async function sparseFile(path: string, bytes: number): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await handle.truncate(bytes);
  } finally {
    await handle.close();
  }
}

/** Runs `e2fsck -fn` on an ext4 image (or on the file system at byte `offset` of a disk). */
export async function checkExt4(path: string, signal?: AbortSignal): Promise<void> {
  await runChecked([requireTool('e2fsck', 'e2fsprogs'), '-f', '-n', path], { signal });
}

export interface Ext4Options {
  sizeGiB: number;
  label?: string;
  /** File system UUID; default random (mkfs's choice). Bootable disks fix it to boot by UUID. */
  uuid?: string;
  signal?: AbortSignal;
}

/** `mkfs.ext4 -d`: the file system is filled from `treeDir` without mounting anything. */
export function mkfsArgs(
  treeDir: string,
  target: string,
  options: Ext4Options & { offset?: number; blocks?: number },
) {
  const mkfs = requireTool('mkfs.ext4', 'e2fsprogs');
  const args = [mkfs, '-q', '-F', '-t', 'ext4', '-L', options.label ?? 'root', '-d', treeDir];
  if (options.uuid) args.push('-U', options.uuid);
  if (options.offset !== undefined) args.push('-E', `offset=${options.offset}`);
  args.push(target);
  if (options.blocks !== undefined) args.push(`${options.blocks}k`);
  return args;
}

/**
 * A raw ext4 image of a root tree, `sizeGiB` large and sparse, checked with `e2fsck -fn`,
 * written beside `file` and renamed into place.
 */
export async function writeRawExt4(treeDir: string, file: string, options: Ext4Options): Promise<DiskResult> {
  const started = performance.now();
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    await sparseFile(tmp, options.sizeGiB * GiB);
    await runChecked(mkfsArgs(treeDir, tmp, options), { signal: options.signal });
    await checkExt4(tmp, options.signal);
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  return {
    path: file,
    format: 'raw',
    sizeBytes: options.sizeGiB * GiB,
    bytesWritten: await allocated(file),
    wallMs: Math.round(performance.now() - started),
  };
}

/** A qcow2 copy of a raw disk (`qemu-img convert`), checked with `qemu-img check`. */
export async function convertToQcow2(
  rawFile: string,
  file: string,
  options: { signal?: AbortSignal } = {},
): Promise<DiskResult> {
  const started = performance.now();
  const qemuImg = requireTool('qemu-img', 'qemu-utils');
  await mkdir(dirname(file), { recursive: true });
  const tmp = tempBeside(file);
  try {
    await runChecked([qemuImg, 'convert', '-f', 'raw', '-O', 'qcow2', rawFile, tmp], {
      signal: options.signal,
    });
    await runChecked([qemuImg, 'check', '-f', 'qcow2', tmp], { signal: options.signal });
    await rename(tmp, file);
  } finally {
    await rm(tmp, { force: true });
  }
  const st = await stat(file);
  return {
    path: file,
    format: 'qcow2',
    sizeBytes: st.size,
    bytesWritten: st.blocks * 512,
    wallMs: Math.round(performance.now() - started),
  };
}
