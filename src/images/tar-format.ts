/**
 * The POSIX tar (pax) format, byte by byte: enough to read GNU tar's `--format=posix` output
 * (plus GNU long names from other tools) and to write entries whose xattrs are binary.
 * npm tar packages decode pax values as UTF-8 text, which corrupts `security.capability`.
 */

export const BLOCK = 512;

/** Entry types (the typeflag character). */
export type EntryType = 'file' | 'link' | 'symlink' | 'char' | 'block' | 'dir' | 'fifo';

const TYPE_FLAGS: Record<EntryType, string> = {
  file: '0',
  link: '1',
  symlink: '2',
  char: '3',
  block: '4',
  dir: '5',
  fifo: '6',
};
const FLAG_TYPES = new Map(Object.entries(TYPE_FLAGS).map(([t, f]) => [f, t as EntryType]));

export interface TarEntry {
  /** Without a leading `./` or `/`; directories without the trailing slash. */
  path: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** Whole seconds since the epoch. */
  mtime: number;
  linkname: string;
  devmajor: number;
  devminor: number;
  /** Extended attributes (pax `SCHILY.xattr.*`), values as raw bytes. */
  xattrs: Map<string, Buffer>;
}

const XATTR = 'SCHILY.xattr.';

/** Pads a length to whole blocks. */
export const padded = (size: number): number => Math.ceil(size / BLOCK) * BLOCK;

function octal(buf: Buffer, offset: number, width: number, value: number): boolean {
  const text = Math.trunc(value).toString(8);
  if (value < 0 || text.length > width - 1) return false;
  buf.write(text.padStart(width - 1, '0'), offset, 'ascii');
  buf[offset + width - 1] = 0;
  return true;
}

function paxRecord(key: string, value: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(` ${key}=`), value, Buffer.from('\n')]);
  let length = body.length + 1;
  while (String(length).length + body.length !== length) length = String(length).length + body.length;
  return Buffer.concat([Buffer.from(String(length)), body]);
}

/** Splits a path into ustar (prefix, name), or undefined when it needs a pax `path`. */
function splitPath(path: string): [string, string] | undefined {
  if (Buffer.byteLength(path) !== path.length) return undefined;
  if (path.length <= 100) return ['', path];
  for (let i = path.indexOf('/'); i !== -1 && i <= 155; i = path.indexOf('/', i + 1)) {
    if (path.length - i - 1 <= 100 && i > 0) return [path.slice(0, i), path.slice(i + 1)];
  }
  return undefined;
}

function ustarHeader(
  e: Omit<TarEntry, 'xattrs'>,
  flag: string,
  name: string,
  prefix: string,
  linkname: string,
): { header: Buffer; overflow: Record<string, string> } {
  const h = Buffer.alloc(BLOCK);
  const overflow: Record<string, string> = {};
  h.write(name, 0, 100, 'utf8');
  octal(h, 100, 8, e.mode & 0o7777);
  if (!octal(h, 108, 8, e.uid)) overflow.uid = String(e.uid);
  if (!octal(h, 116, 8, e.gid)) overflow.gid = String(e.gid);
  if (!octal(h, 124, 12, e.size)) overflow.size = String(e.size);
  if (!octal(h, 136, 12, e.mtime)) overflow.mtime = String(e.mtime);
  h.write(flag, 156, 1, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\u000000', 257, 8, 'binary');
  octal(h, 329, 8, e.devmajor);
  octal(h, 337, 8, e.devminor);
  h.write(prefix, 345, 155, 'utf8');
  return { header: h, overflow };
}

function checksum(h: Buffer): Buffer {
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, '0')}\u0000 `, 148, 8, 'binary');
  return h;
}

/** The header block(s) of one entry: a pax extended header when needed, then the ustar header. */
export function encodeHeader(entry: TarEntry): Buffer {
  const path = entry.type === 'dir' ? `${entry.path}/` : entry.path;
  const split = splitPath(path);
  const linkFits =
    Buffer.byteLength(entry.linkname) === entry.linkname.length && entry.linkname.length <= 100;
  const [prefix, name] = split ?? ['', path.slice(-100)];
  const main = ustarHeader(entry, TYPE_FLAGS[entry.type], name, prefix, linkFits ? entry.linkname : '');
  const records: Buffer[] = [];
  if (!split) records.push(paxRecord('path', Buffer.from(path)));
  if (!linkFits) records.push(paxRecord('linkpath', Buffer.from(entry.linkname)));
  for (const [key, value] of Object.entries(main.overflow)) records.push(paxRecord(key, Buffer.from(value)));
  for (const key of [...entry.xattrs.keys()].sort())
    records.push(paxRecord(XATTR + key, entry.xattrs.get(key)!));
  if (records.length === 0) return checksum(main.header);
  const pax = Buffer.concat(records);
  const base = entry.path.split('/').pop() ?? '';
  const paxHead = ustarHeader(
    { ...entry, mode: 0o644, uid: 0, gid: 0, size: pax.length, mtime: entry.mtime, devmajor: 0, devminor: 0 },
    'x',
    `PaxHeaders/${base}`.slice(0, 100),
    '',
    '',
  );
  const pad = Buffer.alloc(padded(pax.length) - pax.length);
  return Buffer.concat([checksum(paxHead.header), pax, pad, checksum(main.header)]);
}

/** Two zero blocks end an archive. */
export const END_OF_ARCHIVE = Buffer.alloc(2 * BLOCK);

const cstring = (buf: Buffer, start: number, length: number): string => {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + length ? start + length : end);
};

function number(buf: Buffer, start: number, length: number): number {
  if (buf[start]! & 0x80) {
    // base-256 (GNU) for values that do not fit in octal
    let value = 0;
    for (let i = start + 1; i < start + length; i++) value = value * 256 + buf[i]!;
    return value;
  }
  const text = cstring(buf, start, length).trim();
  return text ? parseInt(text, 8) : 0;
}

function parsePax(data: Buffer): Map<string, Buffer> {
  const records = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    const length = parseInt(data.toString('ascii', pos, space), 10);
    if (space === -1 || !length) break;
    const record = data.subarray(space + 1, pos + length - 1);
    const eq = record.indexOf(0x3d);
    records.set(record.toString('utf8', 0, eq), Buffer.from(record.subarray(eq + 1)));
    pos += length;
  }
  return records;
}

const normalize = (path: string): string => path.replace(/^(\.\/|\/)+/, '').replace(/\/+$/, '');

/** Header fields + pax records → an entry (undefined for types Kiln does not carry, e.g. GNU volume labels). */
function toEntry(h: Buffer, pax: Map<string, Buffer>): TarEntry | undefined {
  const flag = String.fromCharCode(h[156]!);
  const type = flag === '\u0000' || flag === '7' ? 'file' : FLAG_TYPES.get(flag);
  if (!type) return undefined;
  const prefix = cstring(h, 345, 155);
  const name = cstring(h, 0, 100);
  const text = (key: string) => pax.get(key)?.toString('utf8');
  const num = (key: string, fallback: number) => {
    const v = text(key);
    return v === undefined ? fallback : Math.floor(Number(v));
  };
  const xattrs = new Map<string, Buffer>();
  for (const [key, value] of pax) if (key.startsWith(XATTR)) xattrs.set(key.slice(XATTR.length), value);
  return {
    path: normalize(text('path') ?? (prefix ? `${prefix}/${name}` : name)),
    type,
    mode: number(h, 100, 8),
    uid: num('uid', number(h, 108, 8)),
    gid: num('gid', number(h, 116, 8)),
    size: num('size', number(h, 124, 12)),
    mtime: num('mtime', number(h, 136, 12)),
    linkname: text('linkpath') ?? cstring(h, 157, 100),
    devmajor: number(h, 329, 8),
    devminor: number(h, 337, 8),
    xattrs,
  };
}

/** What a TarParser reports; data chunks of an entry follow its 'entry' event. */
export interface TarSink {
  entry(entry: TarEntry): void;
  /** A piece of the current entry's content (padding excluded). */
  data(chunk: Buffer): void;
}

/**
 * A push parser: feed it chunks of any size, it calls the sink per entry and per data piece.
 * Handles pax ('x', 'g') and GNU long name ('L', 'K') headers; stops at the end-of-archive block.
 */
export class TarParser {
  private buffer = Buffer.alloc(0);
  private remaining = 0; // content bytes of the current entry still to come
  private padding = 0;
  private meta: { kind: 'x' | 'g' | 'L' | 'K'; size: number } | undefined;
  private pax = new Map<string, Buffer>();
  private global = new Map<string, Buffer>();
  ended = false;

  constructor(private readonly sink: TarSink) {}

  push(chunk: Buffer): void {
    let data = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    this.buffer = Buffer.alloc(0);
    while (data.length > 0 && !this.ended) {
      if (this.remaining > 0) {
        const piece = data.subarray(0, this.remaining);
        this.sink.data(piece);
        this.remaining -= piece.length;
        data = data.subarray(piece.length);
        continue;
      }
      if (this.padding > 0) {
        const skip = Math.min(this.padding, data.length);
        this.padding -= skip;
        data = data.subarray(skip);
        continue;
      }
      if (this.meta) {
        const need = padded(this.meta.size);
        if (data.length < need) break;
        this.applyMeta(this.meta, data.subarray(0, this.meta.size));
        this.meta = undefined;
        data = data.subarray(need);
        continue;
      }
      if (data.length < BLOCK) break;
      this.header(data.subarray(0, BLOCK));
      data = data.subarray(BLOCK);
    }
    if (data.length > 0 && !this.ended) this.buffer = Buffer.from(data);
  }

  private header(h: Buffer): void {
    if (h.every((b) => b === 0)) {
      this.ended = true;
      return;
    }
    const flag = String.fromCharCode(h[156]!);
    if (flag === 'x' || flag === 'g' || flag === 'L' || flag === 'K') {
      this.meta = { kind: flag, size: number(h, 124, 12) };
      return;
    }
    const entry = toEntry(h, new Map([...this.global, ...this.pax]));
    this.pax = new Map();
    const size = entry && (entry.type === 'file' || flag === '7') ? entry.size : number(h, 124, 12);
    if (entry) {
      if (entry.type !== 'file') entry.size = 0;
      this.sink.entry(entry);
    }
    this.remaining = entry?.type === 'file' ? size : 0;
    this.padding = padded(size) - this.remaining;
  }

  private applyMeta(meta: { kind: string }, body: Buffer): void {
    if (meta.kind === 'x') for (const [k, v] of parsePax(body)) this.pax.set(k, v);
    else if (meta.kind === 'g') for (const [k, v] of parsePax(body)) this.global.set(k, v);
    else {
      const value = Buffer.from(body.subarray(0, body.indexOf(0) === -1 ? body.length : body.indexOf(0)));
      this.pax.set(meta.kind === 'L' ? 'path' : 'linkpath', value);
    }
  }
}
