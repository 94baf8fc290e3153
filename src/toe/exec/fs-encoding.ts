/** The byte encodings of AWSTOE's `encoding` input. */
export type TextEncoding = 'utf8' | 'utf16le' | 'utf16be' | 'utf32le' | 'utf32be';

const BY_NAME: Readonly<Record<string, TextEncoding>> = {
  utf8: 'utf8',
  // AWSTOE: utf16 and utf32 without a byte order are little-endian.
  utf16: 'utf16le',
  utf16le: 'utf16le',
  utf16be: 'utf16be',
  utf32: 'utf32le',
  utf32le: 'utf32le',
  utf32be: 'utf32be',
};

/** `utf-16-BE`, `UTF16be`, ... → TextEncoding (case-insensitive, dashes optional); undefined if unknown. */
export function parseEncoding(name: string): TextEncoding | undefined {
  return BY_NAME[name.toLowerCase().replace(/-/g, '')];
}

/** Text → bytes, without a byte-order mark (AWSTOE's documents do not mention one). */
export function encodeText(text: string, encoding: TextEncoding): Buffer {
  switch (encoding) {
    case 'utf8':
      return Buffer.from(text, 'utf8');
    case 'utf16le':
      return Buffer.from(text, 'utf16le');
    case 'utf16be':
      return Buffer.from(text, 'utf16le').swap16();
    case 'utf32le':
    case 'utf32be': {
      const points = Array.from(text, (c) => c.codePointAt(0) as number);
      const out = Buffer.alloc(points.length * 4);
      points.forEach((p, i) => {
        if (encoding === 'utf32le') out.writeUInt32LE(p, i * 4);
        else out.writeUInt32BE(p, i * 4);
      });
      return out;
    }
  }
}

const BOMS: Readonly<Record<TextEncoding, readonly number[]>> = {
  utf8: [0xef, 0xbb, 0xbf],
  utf16le: [0xff, 0xfe],
  utf16be: [0xfe, 0xff],
  utf32le: [0xff, 0xfe, 0x00, 0x00],
  utf32be: [0x00, 0x00, 0xfe, 0xff],
};

/** Bytes → text; a leading byte-order mark of that encoding is dropped. */
export function decodeText(bytes: Buffer, encoding: TextEncoding): string {
  const bom = BOMS[encoding];
  const body = bom.every((b, i) => bytes[i] === b) ? bytes.subarray(bom.length) : bytes;
  switch (encoding) {
    case 'utf8':
      return body.toString('utf8');
    case 'utf16le':
      return body.toString('utf16le');
    case 'utf16be':
      return Buffer.from(body.subarray(0, body.length & ~1))
        .swap16()
        .toString('utf16le');
    case 'utf32le':
    case 'utf32be': {
      let text = '';
      for (let i = 0; i + 4 <= body.length; i += 4) {
        const point = encoding === 'utf32le' ? body.readUInt32LE(i) : body.readUInt32BE(i);
        text += point <= 0x10ffff ? String.fromCodePoint(point) : '\ufffd';
      }
      return text;
    }
  }
}
