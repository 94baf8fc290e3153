/**
 * Signs an image's OCI manifest and attaches its provenance, the way cosign stores them: a
 * `sha256-<hex>.sig` artifact holding the simple-signing payload and its ECDSA signature, and a
 * `sha256-<hex>.att` artifact holding a DSSE envelope of the in-toto/SLSA statement.
 */
import { type KeyObject, sign } from 'node:crypto';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobStore, type Digest, DirectoryBlobStore } from '../images/blob-store.js';
import { MANIFEST_MEDIA_TYPE } from '../images/oci.js';
import {
  artifactDocuments,
  artifactTag,
  type Descriptor,
  DSSE_MEDIA_TYPE,
  dsseEnvelope,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  SIGNATURE_ANNOTATION,
  SIMPLE_SIGNING_MEDIA_TYPE,
  simpleSigningPayload,
} from './formats.js';
import { tagInIndex } from './layout.js';
import { type ProvenanceInput, provenanceStatement, SLSA_PROVENANCE_V1 } from './provenance.js';

export interface SignImageOptions {
  /** An OCI layout directory (its index.json gains the two tags), or a blob store. */
  readonly target: { readonly layoutDir: string } | { readonly blobStore: BlobStore };
  readonly manifestDigest: Digest;
  /** Repository without tag, e.g. `kiln.local/web-server`: the payload's docker-reference. */
  readonly reference: string;
  readonly provenance: Omit<ProvenanceInput, 'manifestDigest' | 'subjectName'>;
  readonly key: KeyObject;
  /** Free-form claims signed with the digest (cosign `-a key=value`). */
  readonly annotations?: Readonly<Record<string, string>>;
}

/** One stored artifact: the tag cosign resolves and the manifest it names. */
export interface SignedArtifact {
  readonly tag: string;
  readonly manifest: Descriptor;
  /** Every blob the artifact added (manifest, config, layers), for exports of the image. */
  readonly blobs: readonly Digest[];
}

export interface SignedImage {
  readonly manifestDigest: Digest;
  readonly signature: SignedArtifact;
  readonly attestation: SignedArtifact;
}

/** ECDSA P-256 over SHA-256 of `data`, ASN.1 DER: the only form cosign's legacy format uses. */
export const signBytes = (key: KeyObject, data: Buffer): Buffer => sign('sha256', data, key);

async function putArtifact(
  store: BlobStore,
  manifestDigest: Digest,
  kind: 'sig' | 'att',
  layer: { mediaType: string; bytes: Buffer; annotations: Record<string, string> },
  created: string,
): Promise<SignedArtifact> {
  const blob = await store.put(layer.bytes);
  const descriptor: Descriptor = {
    mediaType: layer.mediaType,
    size: blob.size,
    digest: blob.digest,
    annotations: layer.annotations,
  };
  const docs = artifactDocuments([descriptor], created);
  const config = await store.put(docs.config);
  const manifest = await store.put(docs.manifest(config.digest));
  return Object.freeze({
    tag: artifactTag(manifestDigest, kind),
    manifest: { mediaType: MANIFEST_MEDIA_TYPE, digest: manifest.digest, size: manifest.size },
    blobs: [manifest.digest, config.digest, blob.digest],
  });
}

export async function signImage(options: SignImageOptions): Promise<SignedImage> {
  const layoutDir = 'layoutDir' in options.target ? options.target.layoutDir : undefined;
  const store =
    'blobStore' in options.target ? options.target.blobStore : new DirectoryBlobStore(layoutDir as string);
  if (!(await store.has(options.manifestDigest)))
    throw new Error(`manifest ${options.manifestDigest} is not in ${layoutDir ?? 'the blob store'}`);
  const created = new Date(options.provenance.finishedOn).toISOString();

  const payload = simpleSigningPayload(
    options.reference,
    options.manifestDigest,
    options.annotations ? { ...options.annotations } : null,
  );
  const signature = await putArtifact(
    store,
    options.manifestDigest,
    'sig',
    {
      mediaType: SIMPLE_SIGNING_MEDIA_TYPE,
      bytes: payload,
      annotations: { [SIGNATURE_ANNOTATION]: signBytes(options.key, payload).toString('base64') },
    },
    created,
  );

  const statement = Buffer.from(
    JSON.stringify(
      provenanceStatement({
        ...options.provenance,
        subjectName: options.reference,
        manifestDigest: options.manifestDigest,
      }),
    ),
  );
  const envelope = dsseEnvelope(
    IN_TOTO_PAYLOAD_TYPE,
    statement,
    signBytes(options.key, pae(IN_TOTO_PAYLOAD_TYPE, statement)),
  );
  const attestation = await putArtifact(
    store,
    options.manifestDigest,
    'att',
    {
      mediaType: DSSE_MEDIA_TYPE,
      bytes: Buffer.from(JSON.stringify(envelope)),
      annotations: { predicateType: SLSA_PROVENANCE_V1 },
    },
    created,
  );

  if (layoutDir) {
    await tagInIndex(layoutDir, [
      { tag: signature.tag, kind: 'dev.cosignproject.cosign/sigs', descriptor: signature.manifest },
      { tag: attestation.tag, kind: 'dev.cosignproject.cosign/atts', descriptor: attestation.manifest },
    ]);
    // The store's temp directory is empty after the puts; it is no part of a layout.
    await rmdir(join(layoutDir, 'blobs', '.tmp')).catch(() => undefined);
  }
  return Object.freeze({ manifestDigest: options.manifestDigest, signature, attestation });
}
