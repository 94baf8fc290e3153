/**
 * What an import source is: a root tar (optionally compressed), an OCI archive or layout, or a
 * raw or qcow2 disk; and where on a raw disk its ext2/3/4 file system starts (the whole disk,
 * or the largest MBR/GPT partition that holds one). The byte checks are pure.
 */
import { existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidValue } from '../../core/errors.js';
import { runChecked } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';

export const IMPORT_FORMATS = ['tar', 'oci-archive', 'oci-layout', 'raw', 'qcow2'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

export const isImportFormat = (v: string): v is ImportFormat =>
  (IMPORT_FORMATS as readonly string[]).includes(v);

const EXT_MAGIC_AT = 1080;
const SECTOR = 512;

const hasExtMagic = (b: Buffer, at = EXT_MAGIC_AT) =>
  b.length >= at + 2 && b[at] === 0x53 && b[at + 1] === 0xef;

/** The kind of file from its first 64 KiB (pure): undefined when none is recognised. */
export function kindFromHeader(head: Buffer): 'qcow2' | 'tar' | 'disk' | undefined {
  if (head.subarray(0, 4).equals(Buffer.from([0x51, 0x46, 0x49, 0xfb]))) return 'qcow2';
  // gzip, xz, zstd and bzip2 magic: a compressed tar (GNU tar reads them all)
  if (head[0] === 0x1f && head[1] === 0x8b) return 'tar';
  if (head.subarray(0, 6).equals(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))) return 'tar';
  if (head.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))) return 'tar';
  if (head.subarray(0, 3).toString('latin1') === 'BZh') return 'tar';
  if (head.subarray(257, 262).toString('latin1') === 'ustar') return 'tar';
  if (hasExtMagic(head) || (head[510] === 0x55 && head[511] === 0xaa)) return 'disk';
  return undefined;
}

/** Reads `length` bytes at `offset` of a disk (a file, or a Buffer in tests). */
export type ReadAt = (offset: number, length: number) => Promise<Buffer>;

/** Partitions of an MBR or GPT disk: byte offset and size of each (pure over the reader). */
export async function partitions(read: ReadAt): Promise<{ offset: number; size: number }[]> {
  const mbr = await read(0, SECTOR);
  if (mbr[510] !== 0x55 || mbr[511] !== 0xaa) return [];
  const out: { offset: number; size: number }[] = [];
  let gpt = false;
  for (let i = 0; i < 4; i++) {
    const e = 446 + 16 * i;
    const type = mbr[e + 4];
    if (type === 0xee) gpt = true;
    else if (type !== 0)
      out.push({ offset: mbr.readUInt32LE(e + 8) * SECTOR, size: mbr.readUInt32LE(e + 12) * SECTOR });
  }
  if (!gpt) return out;
  const header = await read(SECTOR, SECTOR);
  if (header.subarray(0, 8).toString('latin1') !== 'EFI PART') return out;
  const entriesAt = Number(header.readBigUInt64LE(72)) * SECTOR;
  const count = Math.min(header.readUInt32LE(80), 256);
  const size = header.readUInt32LE(84);
  const table = await read(entriesAt, count * size);
  for (let i = 0; i < count; i++) {
    const e = table.subarray(i * size, (i + 1) * size);
    if (e.subarray(0, 16).every((b) => b === 0)) continue;
    const first = Number(e.readBigUInt64LE(32));
    const last = Number(e.readBigUInt64LE(40));
    out.push({ offset: first * SECTOR, size: (last - first + 1) * SECTOR });
  }
  return out;
}

/** Where the disk's root file system starts: 0 for a bare one, else the largest ext partition. */
export async function extFilesystemOffset(read: ReadAt): Promise<number | undefined> {
  if (hasExtMagic(await read(0, EXT_MAGIC_AT + 2))) return 0;
  const parts = (await partitions(read)).sort((a, b) => b.size - a.size);
  for (const p of parts) if (hasExtMagic(await read(p.offset, EXT_MAGIC_AT + 2))) return p.offset;
  return undefined;
}

/** A ReadAt over a file (short reads past the end give zeros). */
export function fileReader(path: string): ReadAt {
  return async (offset, length) => {
    const handle = await open(path, 'r');
    try {
      const buf = Buffer.alloc(length);
      await handle.read(buf, 0, length, offset);
      return buf;
    } finally {
      await handle.close();
    }
  };
}

/** The format of an import source on this machine; the error names `member`. */
export async function detectFormat(
  path: string,
  member: string,
  signal?: AbortSignal,
): Promise<ImportFormat> {
  if (!existsSync(path)) throw invalidValue(member, `${path} does not exist on the Kiln server's machine.`);
  if (statSync(path).isDirectory()) {
    if (existsSync(join(path, 'oci-layout'))) return 'oci-layout';
    throw invalidValue(
      member,
      `${path} is a directory without an oci-layout file.`,
      'Pass an OCI layout, a tar or a disk.',
    );
  }
  const kind = kindFromHeader(await fileReader(path)(0, 64 * 1024));
  if (kind === 'qcow2') return 'qcow2';
  if (kind === 'disk') return 'raw';
  if (kind === 'tar') {
    const listing = await runChecked(
      [requireTool('tar', 'tar'), '--list', `--file=${path}`],
      signal ? { signal } : {},
    );
    const names = new Set(listing.stdout.split('\n').map((n) => n.replace(/^\.\//, '')));
    return names.has('oci-layout') && names.has('index.json') ? 'oci-archive' : 'tar';
  }
  throw invalidValue(
    member,
    `Kiln cannot tell what ${path} holds.`,
    `Name its format: one of ${IMPORT_FORMATS.join(', ')}.`,
  );
}
