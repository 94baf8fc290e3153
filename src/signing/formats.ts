/**
 * The byte formats of image signatures and attestations (pure): cosign's simple-signing payload
 * and `.sig` artifact (sigstore/cosign specs/SIGNATURE_SPEC.md), DSSE envelopes and their PAE
 * (secure-systems-lab/dsse protocol.md), and cosign's `.att` artifact (ATTESTATION_SPEC.md).
 * Kept byte-compatible so `cosign verify --key` and `cosign verify-attestation` accept them.
 */
import type { Digest } from '../images/blob-store.js';
import { CONFIG_MEDIA_TYPE, MANIFEST_MEDIA_TYPE } from '../images/oci.js';

export const SIMPLE_SIGNING_MEDIA_TYPE = 'application/vnd.dev.cosign.simplesigning.v1+json';
export const DSSE_MEDIA_TYPE = 'application/vnd.dsse.envelope.v1+json';
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
export const SIGNATURE_ANNOTATION = 'dev.cosignproject.cosign/signature';
export const COSIGN_SIGNATURE_TYPE = 'cosign container image signature';

/** A content descriptor as OCI manifests write it. */
export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
}

/** `sha256-<hex>.sig` / `.att`: the tag cosign looks up for an image digest. */
export function artifactTag(manifestDigest: Digest, kind: 'sig' | 'att'): string {
  return `${manifestDigest.replace(':', '-')}.${kind}`;
}

/**
 * The simple-signing payload. `docker-reference` is the repository without a tag (cosign
 * ignores it, containers/image checks it); `optional` carries free-form claims or null.
 */
export function simpleSigningPayload(
  reference: string,
  manifestDigest: Digest,
  optional: Record<string, string> | null = null,
): Buffer {
  return Buffer.from(
    JSON.stringify({
      critical: {
        identity: { 'docker-reference': reference },
        image: { 'docker-manifest-digest': manifestDigest },
        type: COSIGN_SIGNATURE_TYPE,
      },
      optional,
    }),
  );
}

/** DSSE pre-authentication encoding: what is signed, never the bare payload. LEN counts bytes. */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

export interface DsseEnvelope {
  payloadType: string;
  /** base64 of the statement bytes */
  payload: string;
  signatures: { keyid: string; sig: string }[];
}

export function dsseEnvelope(payloadType: string, body: Buffer, signatureDer: Buffer): DsseEnvelope {
  return {
    payloadType,
    payload: body.toString('base64'),
    signatures: [{ keyid: '', sig: signatureDer.toString('base64') }],
  };
}

/** Reads an envelope at the verify boundary; throws naming what is missing. */
export function parseDsseEnvelope(bytes: Buffer): DsseEnvelope {
  const value = JSON.parse(bytes.toString('utf8')) as Partial<DsseEnvelope>;
  if (typeof value.payloadType !== 'string') throw new Error('the DSSE envelope has no payloadType');
  if (typeof value.payload !== 'string') throw new Error('the DSSE envelope has no payload');
  if (!Array.isArray(value.signatures) || value.signatures.length === 0)
    throw new Error('the DSSE envelope has no signatures');
  return value as DsseEnvelope;
}

/**
 * DSSE allows standard and URL-safe base64; Node's decoder accepts both alphabets. Anything
 * else is rejected rather than silently skipped, so a mangled field cannot decode to a prefix.
 */
export function decodeBase64(text: string, what: string): Buffer {
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(text)) throw new Error(`${what} is not base64`);
  return Buffer.from(text, 'base64');
}

/**
 * The manifest of a `.sig` or `.att` artifact: one layer per signed blob, annotated, and a
 * config listing the layers' digests (cosign's `rootfs.diff_ids`), so the layers are tracked.
 */
export function artifactDocuments(layers: readonly Descriptor[], created: string) {
  const config = Buffer.from(
    JSON.stringify({
      architecture: '',
      created,
      history: [{ created }],
      os: '',
      rootfs: { type: 'layers', diff_ids: layers.map((l) => l.digest) },
      config: {},
    }),
  );
  return {
    config,
    manifest: (configDigest: Digest) =>
      Buffer.from(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MANIFEST_MEDIA_TYPE,
          config: { mediaType: CONFIG_MEDIA_TYPE, size: config.length, digest: configDigest },
          layers,
        }),
      ),
  };
}
