/**
 * Encryption at rest of distributed copies (`amiDistributionConfiguration.kmsKeyId`) with the
 * keys of the config's `kmsKeys`. Envelope encryption, as KMS does it: each blob gets a random
 * 256-bit data key; the blob is sealed with AES-256-GCM under that key, and the data key is
 * sealed with AES-256-GCM under the key material. Both seals are bound to the key id and the
 * blob's plaintext digest, so a file moved to another digest or key fails to decrypt.
 *
 * File layout: "KILNENC1" | wrap iv (12) | wrap tag (16) | wrapped key (32) | iv (12) |
 * ciphertext | tag (16). Stored at `<region store>/encrypted/<keyId>/sha256/<plaintext hex>`.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { KmsKey } from '../config/config.js';

const MAGIC = Buffer.from('KILNENC1');
const IV = 12;
const TAG = 16;
const KEY = 32;
const HEADER = MAGIC.length + IV + TAG + KEY + IV;

/** Where the encrypted copy of a blob lives in a directory region store. */
export function encryptedBlobPath(storeRoot: string, keyId: string, digest: string): string {
  return join(storeRoot, 'encrypted', keyId, 'sha256', digest.replace(/^sha256:/, ''));
}

const aad = (keyId: string, digest: string) => Buffer.from(`kiln:${keyId}:${digest}`);

function checkMaterial(material: Buffer): void {
  if (material.length !== KEY) throw new Error(`key material must be ${KEY} bytes, got ${material.length}`);
}

/** Reads a key file: 32 random bytes, base64. */
export async function readKeyMaterial(key: Pick<KmsKey, 'keyId' | 'keyFile'>): Promise<Buffer> {
  const material = Buffer.from((await readFile(key.keyFile, 'utf8')).trim(), 'base64');
  if (material.length !== KEY)
    throw new Error(
      `the key file ${key.keyFile} of KMS key ${key.keyId} does not hold ${KEY} bytes in base64 (it decodes to ${material.length})`,
    );
  return material;
}

/**
 * Creates the key file of every key that has none (32 random bytes, base64, mode 0600, in a
 * 0700 directory) and checks the others; returns the files it created. Run at server start.
 */
export async function ensureKmsKeyFiles(keys: readonly KmsKey[]): Promise<string[]> {
  const created: string[] = [];
  for (const key of keys) {
    if (!existsSync(key.keyFile)) {
      await mkdir(dirname(key.keyFile), { recursive: true, mode: 0o700 });
      try {
        await writeFile(key.keyFile, `${randomBytes(KEY).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
        created.push(key.keyFile);
      } catch (err) {
        // Another process made it first: it is checked below like any existing file.
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    await readKeyMaterial(key);
  }
  return created;
}

function wrapKey(material: Buffer, dataKey: Buffer, ad: Buffer): Buffer {
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', material, iv).setAAD(ad);
  const wrapped = Buffer.concat([c.update(dataKey), c.final()]);
  return Buffer.concat([MAGIC, iv, c.getAuthTag(), wrapped]);
}

function unwrapKey(material: Buffer, header: Buffer, ad: Buffer): Buffer {
  if (header.length < HEADER - IV || !header.subarray(0, MAGIC.length).equals(MAGIC))
    throw new Error('not a Kiln encrypted blob');
  const at = MAGIC.length;
  const iv = header.subarray(at, at + IV);
  const tag = header.subarray(at + IV, at + IV + TAG);
  const wrapped = header.subarray(at + IV + TAG, at + IV + TAG + KEY);
  const d = createDecipheriv('aes-256-gcm', material, iv).setAAD(ad);
  d.setAuthTag(tag);
  try {
    return Buffer.concat([d.update(wrapped), d.final()]);
  } catch {
    throw new Error('the data key does not unwrap with this key (wrong key, or the blob was tampered with)');
  }
}

/** Encrypts one blob held in memory (the plaintext's digest binds the result). */
export function encryptBlob(material: Buffer, keyId: string, digest: string, plaintext: Buffer): Buffer {
  checkMaterial(material);
  const dataKey = randomBytes(KEY);
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', dataKey, iv).setAAD(aad(keyId, digest));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return Buffer.concat([wrapKey(material, dataKey, aad(keyId, digest)), iv, body, c.getAuthTag()]);
}

/** Decrypts a blob held in memory; fails unless it authenticates and hashes to `digest`. */
export function decryptBlob(material: Buffer, keyId: string, digest: string, sealed: Buffer): Buffer {
  checkMaterial(material);
  if (sealed.length < HEADER + TAG) throw new Error('not a Kiln encrypted blob (too short)');
  const dataKey = unwrapKey(material, sealed.subarray(0, HEADER - IV), aad(keyId, digest));
  const iv = sealed.subarray(HEADER - IV, HEADER);
  const d = createDecipheriv('aes-256-gcm', dataKey, iv).setAAD(aad(keyId, digest));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  let plain: Buffer;
  try {
    plain = Buffer.concat([d.update(sealed.subarray(HEADER, sealed.length - TAG)), d.final()]);
  } catch {
    throw new Error(`the encrypted blob ${digest} does not authenticate (tampered with, or another key's)`);
  }
  checkDigest(plain, digest);
  return plain;
}

function checkDigest(plain: Buffer | string, digest: string): void {
  const actual =
    typeof plain === 'string' ? plain : `sha256:${createHash('sha256').update(plain).digest('hex')}`;
  if (actual !== digest) throw new Error(`the decrypted blob hashes to ${actual}, not ${digest}`);
}

/** Encrypts the file `src` (whose sha256 is `digest`) into `dest`, atomically, streaming. */
export async function encryptBlobFile(
  material: Buffer,
  keyId: string,
  digest: string,
  src: string,
  dest: string,
): Promise<void> {
  checkMaterial(material);
  const dataKey = randomBytes(KEY);
  const iv = randomBytes(IV);
  const c = createCipheriv('aes-256-gcm', dataKey, iv).setAAD(aad(keyId, digest));
  const hash = createHash('sha256');
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const out = createWriteStream(tmp);
    out.write(Buffer.concat([wrapKey(material, dataKey, aad(keyId, digest)), iv]));
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    const trailer = new Transform({
      transform(chunk: Buffer, _enc, done) {
        done(null, chunk);
      },
      flush(done) {
        done(null, c.getAuthTag());
      },
    });
    await pipeline(createReadStream(src), hashing, c, trailer, out);
    // The source must be what its name says, or the copy would decrypt to other bytes.
    checkDigest(`sha256:${hash.digest('hex')}`, digest);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Decrypts an encrypted blob file into `dest` (atomically, streaming); fails unless the file
 * authenticates and the plaintext hashes to `digest`. What launches and the store check use.
 */
export async function decryptBlobFile(
  material: Buffer,
  keyId: string,
  digest: string,
  src: string,
  dest: string,
): Promise<void> {
  checkMaterial(material);
  const size = (await stat(src)).size;
  if (size < HEADER + TAG) throw new Error(`${src} is not a Kiln encrypted blob (too short)`);
  const fd = await open(src, 'r');
  const header = Buffer.alloc(HEADER);
  const tag = Buffer.alloc(TAG);
  try {
    await fd.read(header, 0, HEADER, 0);
    await fd.read(tag, 0, TAG, size - TAG);
  } finally {
    await fd.close();
  }
  const dataKey = unwrapKey(material, header.subarray(0, HEADER - IV), aad(keyId, digest));
  const d = createDecipheriv('aes-256-gcm', dataKey, header.subarray(HEADER - IV)).setAAD(aad(keyId, digest));
  d.setAuthTag(tag);
  const hash = createHash('sha256');
  const hashing = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  await mkdir(dirname(dest), { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    const body =
      size === HEADER + TAG
        ? Readable.from([])
        : createReadStream(src, { start: HEADER, end: size - TAG - 1 });
    await pipeline(body, d, hashing, createWriteStream(tmp));
    checkDigest(`sha256:${hash.digest('hex')}`, digest);
    await chmod(tmp, 0o644);
    await rename(tmp, dest);
  } catch (err) {
    await rm(tmp, { force: true });
    if (err instanceof Error && /authenticate|Unsupported state/.test(err.message))
      throw new Error(`the encrypted blob ${src} does not authenticate (tampered with, or another key's)`);
    throw err;
  }
}
