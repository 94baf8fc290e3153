/**
 * `s3ExportConfiguration`: the image's disk written as a file a hypervisor or VM import takes,
 * into the region's store at `exports/<s3Bucket>/<s3Prefix>/<ami-id>.<raw|vmdk|vhd>` — the
 * local stand-in for the bucket. Formats as EC2's image export writes them: RAW, a
 * stream-optimized VMDK (VMware ESX/vSphere) and a fixed-size VHD (Xen, Hyper-V; Azure takes
 * only fixed VHDs). Each file is written under a temp name, checked against the source disk
 * (`qemu-img info` for the format, `qemu-img compare` for every byte) and only then renamed.
 */
import { constants } from 'node:fs';
import { copyFile, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { invalidValue } from '../core/errors.js';
import { runChecked, runProcess } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { tempBeside } from '../images/disk.js';

export const DISK_IMAGE_FORMATS = ['RAW', 'VMDK', 'VHD'] as const;
export type DiskImageFormat = (typeof DISK_IMAGE_FORMATS)[number];

/** The API's S3ExportConfiguration, validated. */
export interface S3ExportConfiguration {
  /** Required by the API; Kiln has no IAM roles, so it is kept but grants nothing. */
  readonly roleName: string;
  readonly diskImageFormat: DiskImageFormat;
  readonly s3Bucket: string;
  readonly s3Prefix?: string;
}

/** One written export (the AMI record's `exports[]` keeps `format` and `key`). */
export interface DiskExport {
  readonly format: DiskImageFormat;
  /** Absolute path of the file. */
  readonly path: string;
  /** The path inside the region's store: `exports/<bucket>/<prefix>/<ami-id>.<ext>`. */
  readonly key: string;
  /** The file's size. */
  readonly bytes: number;
  /** Bytes allocated on the host (RAW and VHD exports are sparse). */
  readonly allocatedBytes: number;
}

const QEMU_FORMAT: Record<DiskImageFormat, { name: string; ext: string; options: string[] }> = {
  RAW: { name: 'raw', ext: 'raw', options: [] },
  VMDK: { name: 'vmdk', ext: 'vmdk', options: ['-o', 'subformat=streamOptimized'] },
  // force_size: the virtual size stays exactly the source's instead of rounding to a CHS geometry.
  VHD: { name: 'vpc', ext: 'vhd', options: ['-o', 'subformat=fixed,force_size=on'] },
};

// S3's bucket naming rules; the bucket becomes a directory name, so they also keep it one.
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9!_.*'()=+,;@&$ -]+$/;

/** Validates an s3ExportConfiguration (pure); errors name the member as the user wrote it. */
export function checkS3ExportConfiguration(
  value: unknown,
  field = 's3ExportConfiguration',
): S3ExportConfiguration {
  const v = (value ?? {}) as Record<string, unknown>;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(field, 'must be an object with roleName, diskImageFormat and s3Bucket.');
  }
  const text = (name: string, required: boolean): string | undefined => {
    const x = v[name];
    if (x === undefined && !required) return undefined;
    if (typeof x !== 'string' || x.length < 1 || x.length > 1024) {
      throw invalidValue(`${field}.${name}`, 'must be a string of 1 to 1024 characters.');
    }
    return x;
  };
  const roleName = text('roleName', true)!;
  const format = v.diskImageFormat;
  if (!DISK_IMAGE_FORMATS.includes(format as DiskImageFormat)) {
    throw invalidValue(
      `${field}.diskImageFormat`,
      `'${String(format)}' is not one of ${DISK_IMAGE_FORMATS.join(', ')}.`,
    );
  }
  const s3Bucket = text('s3Bucket', true)!;
  if (!BUCKET.test(s3Bucket) || s3Bucket.includes('..')) {
    throw invalidValue(
      `${field}.s3Bucket`,
      `'${s3Bucket}' is not a bucket name.`,
      '3 to 63 lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit.',
    );
  }
  const s3Prefix = text('s3Prefix', false);
  if (s3Prefix !== undefined) prefixSegments(s3Prefix, `${field}.s3Prefix`);
  for (const key of Object.keys(v)) {
    if (!['roleName', 'diskImageFormat', 's3Bucket', 's3Prefix'].includes(key)) {
      throw invalidValue(`${field}.${key}`, 'is not a member of S3ExportConfiguration.');
    }
  }
  return Object.freeze({
    roleName,
    diskImageFormat: format as DiskImageFormat,
    s3Bucket,
    ...(s3Prefix === undefined ? {} : { s3Prefix }),
  });
}

/** A prefix as folders: `a/b/`, `/a//b` → [a, b]; `.`/`..` would leave the bucket, so they are refused. */
function prefixSegments(prefix: string, field: string): string[] {
  const segments = prefix.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..' || !PREFIX_SEGMENT.test(s)) {
      throw invalidValue(
        field,
        `'${prefix}' has the path segment '${s}'.`,
        "Use letters, digits, spaces and !_.*'()=+,;@&$- between slashes; no . or .. segments.",
      );
    }
  }
  return segments;
}

/** Where the export of `amiId` goes inside the region's store (pure). */
export function exportKey(config: S3ExportConfiguration, amiId: string): string {
  const segments = prefixSegments(config.s3Prefix ?? '', 's3ExportConfiguration.s3Prefix');
  return [
    'exports',
    config.s3Bucket,
    ...segments,
    `${amiId}.${QEMU_FORMAT[config.diskImageFormat].ext}`,
  ].join('/');
}

async function qemuInfo(
  file: string,
  format: string,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const qemuImg = requireTool('qemu-img', 'qemu-utils');
  const out = await runChecked([qemuImg, 'info', '-f', format, '--output=json', file], { signal });
  return JSON.parse(out.stdout) as Record<string, unknown>;
}

/** A VHD's footer (its last 512 bytes): the `conectix` cookie and disk type 2, fixed. */
async function vhdFooter(file: string): Promise<{ cookie: string; diskType: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const footer = Buffer.alloc(512);
    await handle.read(footer, 0, 512, Math.max(0, size - 512));
    return { cookie: footer.subarray(0, 8).toString('latin1'), diskType: footer.readUInt32BE(60) };
  } finally {
    await handle.close();
  }
}

/**
 * Checks an export against its source raw disk: the format qemu-img reads it as (a
 * stream-optimized VMDK, a fixed VHD), the same virtual size, and identical contents.
 */
export async function verifyDiskExport(
  file: string,
  format: DiskImageFormat,
  rawDisk: string,
  signal?: AbortSignal,
): Promise<void> {
  const q = QEMU_FORMAT[format];
  const fail = (what: string) => new Error(`the ${format} export ${file} ${what}`);
  const info = await qemuInfo(file, q.name, signal).catch((err: Error) => {
    throw fail(`is not a readable ${q.name} image: ${err.message}`);
  });
  const { size } = await stat(rawDisk);
  if (info.format !== q.name) throw fail(`reads as ${String(info.format)}, not ${q.name}`);
  if (info['virtual-size'] !== size) throw fail(`holds ${String(info['virtual-size'])} bytes, not ${size}`);
  if (format === 'VMDK') {
    const data = (info['format-specific'] as { data?: { 'create-type'?: string } } | undefined)?.data;
    if (data?.['create-type'] !== 'streamOptimized') {
      throw fail(`is a ${String(data?.['create-type'])} VMDK, not streamOptimized`);
    }
  }
  if (format === 'VHD') {
    const footer = await vhdFooter(file);
    if (footer.cookie !== 'conectix' || footer.diskType !== 2) throw fail('has no fixed-disk VHD footer');
  }
  const qemuImg = requireTool('qemu-img', 'qemu-utils');
  const argv = [qemuImg, 'compare', '-f', 'raw', '-F', q.name, rawDisk, file];
  const result = await runProcess(argv, { signal });
  signal?.throwIfAborted();
  // compare: 0 identical, 1 different, anything else an error reading either image.
  if (result.exitCode === 1) throw fail(`differs from ${rawDisk}: ${result.stdout.trim()}`);
  if (result.exitCode !== 0) await runChecked(argv, { signal });
}

/** RAW: a reflink when the file system can share blocks, else qemu-img's copy, which keeps holes. */
async function writeRaw(rawDisk: string, tmp: string, signal?: AbortSignal): Promise<void> {
  try {
    await copyFile(rawDisk, tmp, constants.COPYFILE_FICLONE_FORCE);
    return;
  } catch {
    await rm(tmp, { force: true });
  }
  await convert(rawDisk, tmp, 'RAW', signal);
}

async function convert(rawDisk: string, tmp: string, format: DiskImageFormat, signal?: AbortSignal) {
  const q = QEMU_FORMAT[format];
  const qemuImg = requireTool('qemu-img', 'qemu-utils');
  await runChecked([qemuImg, 'convert', '-f', 'raw', '-O', q.name, ...q.options, rawDisk, tmp], { signal });
}

/**
 * Exports the image's raw disk into the region's store as `config.diskImageFormat`; a previous
 * export of the same AMI under the same key is replaced only once the new one is verified.
 */
export async function exportDiskImage(request: {
  /** The image's raw disk (`kilnArtifacts.rawDisk`). */
  readonly rawDisk: string;
  /** The region's directory store. */
  readonly storeDir: string;
  readonly amiId: string;
  readonly configuration: S3ExportConfiguration;
  readonly signal?: AbortSignal;
}): Promise<DiskExport> {
  const { rawDisk, configuration, signal } = request;
  const format = configuration.diskImageFormat;
  const key = exportKey(configuration, request.amiId);
  const path = join(request.storeDir, ...key.split('/'));
  await stat(rawDisk).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`the image has no raw disk to export at ${rawDisk} (${err.code ?? err.message})`, {
      cause: err,
    });
  });
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempBeside(path);
  try {
    if (format === 'RAW') await writeRaw(rawDisk, tmp, signal);
    else await convert(rawDisk, tmp, format, signal);
    await verifyDiskExport(tmp, format, rawDisk, signal);
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
  const st = await stat(path);
  return { format, path, key, bytes: st.size, allocatedBytes: st.blocks * 512 };
}
