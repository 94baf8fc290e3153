/**
 * Reading an OCI image layout for verification, and naming the signature artifacts in its
 * `index.json`. A layout's files may be hard links into the blob store or an export cache, so
 * nothing here writes into an existing file: new blobs and the new index are renamed in.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../host/fs.js';
import { type Digest, parseDigest } from '../images/blob-store.js';
import { INDEX_MEDIA_TYPE } from '../images/oci.js';
import type { Descriptor } from './formats.js';

export const REF_NAME = 'org.opencontainers.image.ref.name';
/** cosign's layout (`cosign save`) marks what each index entry is with this annotation. */
export const COSIGN_KIND = 'kind';
export const ARTIFACT_TAG = /^sha256-[0-9a-f]{64}\.(sig|att)$/;

export interface LayoutIndex {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
}

export const blobPath = (layoutDir: string, digest: Digest) =>
  join(layoutDir, 'blobs', 'sha256', parseDigest(digest).slice('sha256:'.length));

export async function readIndex(layoutDir: string): Promise<LayoutIndex> {
  const path = join(layoutDir, 'index.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`${layoutDir} is not an OCI image layout (no index.json)`);
    throw err;
  }
  const index = JSON.parse(text) as Partial<LayoutIndex>;
  if (!Array.isArray(index.manifests)) throw new Error(`${path} has no manifests list`);
  return { schemaVersion: index.schemaVersion ?? 2, mediaType: INDEX_MEDIA_TYPE, manifests: index.manifests };
}

/** The entry tagged `tag`, if any. */
export const findTag = (index: LayoutIndex, tag: string) =>
  index.manifests.find((m) => m.annotations?.[REF_NAME] === tag);

/** The image entries: everything but signature and attestation artifacts. */
export const imageEntries = (index: LayoutIndex) =>
  index.manifests.filter((m) => !ARTIFACT_TAG.test(m.annotations?.[REF_NAME] ?? ''));

/** Adds (or replaces, by tag) entries in index.json, written whole and renamed into place. */
export async function tagInIndex(
  layoutDir: string,
  entries: readonly { tag: string; kind: string; descriptor: Descriptor }[],
): Promise<void> {
  const index = await readIndex(layoutDir);
  const tags = new Set(entries.map((e) => e.tag));
  const kept = index.manifests.filter((m) => !tags.has(m.annotations?.[REF_NAME] ?? ''));
  const added = entries.map((e) => ({
    mediaType: e.descriptor.mediaType,
    digest: e.descriptor.digest,
    size: e.descriptor.size,
    annotations: { [REF_NAME]: e.tag, [COSIGN_KIND]: e.kind },
  }));
  await writeFileAtomic(
    join(layoutDir, 'index.json'),
    JSON.stringify({ ...index, manifests: [...kept, ...added] }),
  );
}

/** The sha256 and size of a blob as stored, read as a stream (layers may be large). */
export async function hashBlob(layoutDir: string, digest: Digest): Promise<{ digest: Digest; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(blobPath(layoutDir, digest))) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** A small blob (manifest, payload, envelope), refused unless its bytes hash to its digest. */
export async function readVerifiedBlob(layoutDir: string, digest: Digest, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(blobPath(layoutDir, digest));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`${what} ${digest} is missing`);
    throw err;
  }
  const actual = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  if (actual !== digest) throw new Error(`${what} ${digest} was modified: its content hashes to ${actual}`);
  return bytes;
}
