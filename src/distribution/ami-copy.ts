/**
 * One AMI copy into a directory region store: the image's blobs land in the store
 * content-addressed (only the missing ones move: hard links when the store shares the file
 * system), or — with a KMS key — encrypted at `encrypted/<keyId>/sha256/<hex>`, and an AMI
 * record (ami-store.ts) names them. Copies of several accounts share the same blobs.
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { KmsKey } from '../config/config.js';
import { type Digest, DirectoryBlobStore } from '../images/blob-store.js';
import { type AmiRecord, writeAmiRecord } from './ami-store.js';
import { decryptBlobFile, encryptBlobFile, encryptedBlobPath, readKeyMaterial } from './kms.js';

export interface AmiCopyRequest {
  /** AMI records go under `dataDir/regions/<region>/images`. */
  readonly dataDir: string;
  /** The region's directory store. */
  readonly storeRoot: string;
  /** Where the image's blobs are now (the data directory's blob store). */
  readonly source: DirectoryBlobStore;
  /** The record to write; its `blobs` say what to copy. */
  readonly record: AmiRecord & { readonly blobs: readonly string[] };
  /** Encrypt the copy's blobs at rest with this key (its ARN goes on the record). */
  readonly kmsKey?: KmsKey;
  readonly signal: AbortSignal;
}

/** Copies what is missing and writes the record; returns how many blobs moved. */
export async function copyAmi(request: AmiCopyRequest): Promise<number> {
  const { record, kmsKey } = request;
  const material = kmsKey ? await readKeyMaterial(kmsKey) : undefined;
  const store = new DirectoryBlobStore(request.storeRoot);
  let copied = 0;
  for (const digest of record.blobs as Digest[]) {
    request.signal.throwIfAborted();
    if (!(await request.source.has(digest)))
      throw new Error(`blob ${digest} of the image is missing from ${request.source.root}`);
    if (kmsKey && material) {
      const target = encryptedBlobPath(request.storeRoot, kmsKey.keyId, digest);
      if (existsSync(target)) continue;
      await encryptBlobFile(material, kmsKey.keyId, digest, request.source.localPath(digest), target);
    } else {
      if (await store.has(digest)) continue;
      await mkdir(dirname(store.localPath(digest)), { recursive: true });
      await request.source.exportTo(digest, store.localPath(digest));
    }
    copied += 1;
  }
  await writeAmiRecord(request.dataDir, kmsKey ? { ...record, kmsKeyArn: kmsKey.arn } : record);
  return copied;
}

/**
 * Puts the plaintext of one blob of a copy at `dest`: a copy of the stored blob, or the
 * decryption of its encrypted form (checked against the digest). For launches and store checks.
 */
export async function readAmiBlob(
  record: Pick<AmiRecord, 'kmsKeyArn'>,
  storeRoot: string,
  keys: readonly KmsKey[],
  digest: string,
  dest: string,
): Promise<void> {
  if (record.kmsKeyArn === undefined) {
    const store = new DirectoryBlobStore(storeRoot);
    const tmp = `${dest}.tmp-${process.pid}`;
    await mkdir(dirname(dest), { recursive: true });
    try {
      await copyFile(store.localPath(digest as Digest), tmp);
      await rename(tmp, dest);
    } finally {
      await rm(tmp, { force: true });
    }
    return;
  }
  const key = keys.find((k) => k.arn === record.kmsKeyArn);
  if (!key)
    throw new Error(`the copy is encrypted with ${record.kmsKeyArn}, which is not in the config's kmsKeys`);
  await decryptBlobFile(
    await readKeyMaterial(key),
    key.keyId,
    digest,
    encryptedBlobPath(storeRoot, key.keyId, digest),
    dest,
  );
}
