import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import {
  decryptBlob,
  decryptBlobFile,
  encryptBlob,
  encryptBlobFile,
  encryptedBlobPath,
  ensureKmsKeyFiles,
  readKeyMaterial,
} from './kms.js';

const digestOf = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const dir = mkdtempSync(join(tmpdir(), 'kiln-kms-'));

describe('kms envelope encryption', () => {
  const material = randomBytes(32);
  const plain = Buffer.from('layer bytes '.repeat(1000));
  const digest = digestOf(plain);

  it('encrypts to other bytes and decrypts to bytes with the digest', () => {
    const sealed = encryptBlob(material, 'k1', digest, plain);
    assert.equal(sealed.includes(plain.subarray(0, 64)), false);
    assert.notDeepEqual(sealed, encryptBlob(material, 'k1', digest, plain), 'a fresh data key each time');
    const back = decryptBlob(material, 'k1', digest, sealed);
    assert.equal(digestOf(back), digest);
  });

  it('refuses tampered bytes, another key, another key id or another digest', () => {
    const sealed = encryptBlob(material, 'k1', digest, plain);
    const cases: [string, () => unknown][] = [
      [
        'flipped body byte',
        () => {
          const t = Buffer.from(sealed);
          t[t.length - 100]! ^= 1;
          return decryptBlob(material, 'k1', digest, t);
        },
      ],
      [
        'flipped wrapped key',
        () => {
          const t = Buffer.from(sealed);
          t[40]! ^= 1;
          return decryptBlob(material, 'k1', digest, t);
        },
      ],
      ['other material', () => decryptBlob(randomBytes(32), 'k1', digest, sealed)],
      ['other key id', () => decryptBlob(material, 'k2', digest, sealed)],
      ['other digest', () => decryptBlob(material, 'k1', digestOf(Buffer.from('x')), sealed)],
    ];
    for (const [name, run] of cases) assert.throws(run, /authenticate|unwrap/, name);
  });

  it('streams files both ways and checks the digest', async () => {
    const src = join(dir, 'plain');
    writeFileSync(src, plain);
    const enc = encryptedBlobPath(join(dir, 'store'), 'k1', digest);
    assert.match(enc, /store\/encrypted\/k1\/sha256\/[0-9a-f]{64}$/);
    await encryptBlobFile(material, 'k1', digest, src, enc);
    const sealed = readFileSync(enc);
    assert.notDeepEqual(sealed, plain);
    assert.equal(
      digestOf(decryptBlob(material, 'k1', digest, sealed)),
      digest,
      'file and buffer forms agree',
    );
    const out = join(dir, 'out');
    await decryptBlobFile(material, 'k1', digest, enc, out);
    assert.equal(digestOf(readFileSync(out)), digest);
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 20]! ^= 1;
    writeFileSync(enc, tampered);
    await assert.rejects(decryptBlobFile(material, 'k1', digest, enc, join(dir, 'out2')), /authenticate/);
    await assert.rejects(
      encryptBlobFile(material, 'k1', digestOf(Buffer.from('other')), src, join(dir, 'x')),
      /hashes to/,
    );
  });

  it('generates missing key files 0600 and checks existing ones', async () => {
    const key = { keyId: 'k1', keyFile: join(dir, 'kms', 'k1.key') };
    const full = {
      ...key,
      arn: 'arn:aws:kms:us-east-1:000000000000:key/k1',
      region: 'us-east-1',
      accountId: '000000000000',
      aliases: [],
    };
    assert.deepEqual(await ensureKmsKeyFiles([full]), [key.keyFile]);
    assert.equal(statSync(key.keyFile).mode & 0o777, 0o600);
    assert.equal((await readKeyMaterial(key)).length, 32);
    assert.deepEqual(await ensureKmsKeyFiles([full]), [], 'kept on the next start');
    writeFileSync(key.keyFile, 'c2hvcnQ=\n');
    await assert.rejects(ensureKmsKeyFiles([full]), /k1\.key of KMS key k1 does not hold 32 bytes/);
  });
});
