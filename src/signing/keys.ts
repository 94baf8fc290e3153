/**
 * The server's image-signing key: ECDSA P-256, PKCS#8 PEM at `DATA_DIR/signing/cosign.key`
 * (0600), made on first use. The public half, SPKI PEM, is what `cosign verify --key` reads.
 */
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
} from 'node:crypto';
import { link, mkdir, open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';

export interface SigningKey {
  readonly privateKey: KeyObject;
  /** SPKI PEM (`cosign.pub`). */
  readonly publicKeyPem: string;
  readonly path: string;
  /** True when this call generated the key. */
  readonly created: boolean;
}

export const signingKeyPath = (dataDir: string) => join(dataDir, 'signing', 'cosign.key');

export function publicKeyPem(key: KeyObject): string {
  return createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
}

/** Parses a private key and insists on P-256, the only curve cosign's legacy format allows. */
export function parsePrivateKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`${where} is not a PEM private key: ${(err as Error).message}`, { cause: err });
  }
  checkP256(key, where);
  return key;
}

/** Parses a public key (SPKI PEM, as `kiln key export` prints) for verification. */
export function parsePublicKey(pem: string, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey(pem);
  } catch (err) {
    throw new Error(`${where} is not a PEM public key: ${(err as Error).message}`, { cause: err });
  }
  checkP256(key, where);
  return key;
}

function checkP256(key: KeyObject, where: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
    const kind = key.asymmetricKeyDetails?.namedCurve ?? key.asymmetricKeyType;
    throw new Error(`${where} is a ${kind} key; image signatures use ECDSA P-256 (prime256v1)`);
  }
}

/**
 * Reads the key, generating it when absent. The new key is written to a temp file and
 * hard-linked into place: two first uses at once end with one key, both reading the winner's.
 */
export async function ensureSigningKey(dataDir: string): Promise<SigningKey> {
  const path = signingKeyPath(dataDir);
  const existing = await readKey(path);
  if (existing) return existing;
  await mkdir(join(dataDir, 'signing'), { recursive: true, mode: 0o700 });
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(pem);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await readKey(path);
    if (winner) return winner;
    throw err;
  } finally {
    await rm(tmp, { force: true });
  }
  return Object.freeze({ privateKey, publicKeyPem: publicKeyPem(privateKey), path, created: true });
}

async function readKey(path: string): Promise<SigningKey | undefined> {
  let pem: string;
  try {
    pem = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`reading the signing key ${path}: ${(err as Error).message}`, { cause: err });
  }
  const privateKey = parsePrivateKey(pem, path);
  return Object.freeze({ privateKey, publicKeyPem: publicKeyPem(privateKey), path, created: false });
}
