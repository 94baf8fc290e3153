/**
 * Offline verification of an image in an OCI layout, mirroring `cosign verify` and
 * `cosign verify-attestation` with a key, plus what cosign leaves to the registry: every blob
 * the manifest references (config and layers) is re-hashed against its digest.
 */
import { type KeyObject, verify } from 'node:crypto';
import type { Digest } from '../images/blob-store.js';
import {
  artifactTag,
  COSIGN_SIGNATURE_TYPE,
  type Descriptor,
  DSSE_MEDIA_TYPE,
  decodeBase64,
  IN_TOTO_PAYLOAD_TYPE,
  pae,
  parseDsseEnvelope,
  SIGNATURE_ANNOTATION,
} from './formats.js';
import { findTag, hashBlob, imageEntries, type LayoutIndex, readIndex, readVerifiedBlob } from './layout.js';
import { IN_TOTO_STATEMENT_TYPE, SLSA_PROVENANCE_V1 } from './provenance.js';

export interface VerifyImageOptions {
  readonly layoutDir: string;
  /** Which image; default the layout's only image. */
  readonly manifestDigest?: Digest;
  readonly publicKey: KeyObject;
}

/** One thing checked: `name` is what a user would look for ("layer 2/3", "signature"). */
export interface VerifyCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly manifestDigest: Digest;
  readonly checks: readonly VerifyCheck[];
  /** `name: detail` of each failed check, for one-line messages. */
  readonly failures: readonly string[];
}

interface Manifest {
  config: Descriptor;
  layers: Descriptor[];
}

const parseManifest = (bytes: Buffer, what: string): Manifest => {
  const m = JSON.parse(bytes.toString('utf8')) as Partial<Manifest>;
  if (!m.config || !Array.isArray(m.layers)) throw new Error(`${what} is not an image manifest`);
  return m as Manifest;
};

const verifyDer = (key: KeyObject, data: Buffer, sig: Buffer) => {
  try {
    return verify('sha256', data, key, sig);
  } catch {
    return false; // a malformed DER signature is simply not a valid one
  }
};

function chooseImage(index: LayoutIndex, layoutDir: string): Digest {
  const images = imageEntries(index);
  if (images.length !== 1) {
    const list = images.map((m) => m.digest).join(', ');
    throw new Error(`${layoutDir} holds ${images.length} images (${list}); name one by its manifest digest`);
  }
  return (images[0] as Descriptor).digest;
}

/** The artifact tagged `tag`: its manifest, read and hash-checked. */
async function artifact(layoutDir: string, index: LayoutIndex, tag: string): Promise<Manifest> {
  const entry = findTag(index, tag);
  if (!entry) throw new Error(`no ${tag} artifact in the layout (the image was not signed)`);
  return parseManifest(await readVerifiedBlob(layoutDir, entry.digest, `${tag} manifest`), `${tag} manifest`);
}

async function checkSignature(layoutDir: string, index: LayoutIndex, digest: Digest, key: KeyObject) {
  const manifest = await artifact(layoutDir, index, artifactTag(digest, 'sig'));
  const problems: string[] = [];
  for (const layer of manifest.layers) {
    const payload = await readVerifiedBlob(layoutDir, layer.digest, 'signature payload');
    const b64 = layer.annotations?.[SIGNATURE_ANNOTATION];
    if (!b64) {
      problems.push(`payload ${layer.digest} has no ${SIGNATURE_ANNOTATION} annotation`);
      continue;
    }
    if (!verifyDer(key, payload, decodeBase64(b64, 'the signature annotation'))) {
      problems.push(`the signature over payload ${layer.digest} does not verify with this key`);
      continue;
    }
    const critical = JSON.parse(payload.toString('utf8'))?.critical;
    if (critical?.type !== COSIGN_SIGNATURE_TYPE) {
      problems.push(`payload type is '${critical?.type}', not '${COSIGN_SIGNATURE_TYPE}'`);
    } else if (critical?.image?.['docker-manifest-digest'] !== digest) {
      problems.push(`the payload signs ${critical?.image?.['docker-manifest-digest']}, not ${digest}`);
    } else {
      return `signed by this key as ${critical.identity?.['docker-reference'] ?? '(no reference)'}`;
    }
  }
  throw new Error(problems.join('; ') || 'the .sig artifact has no signatures');
}

async function checkProvenance(layoutDir: string, index: LayoutIndex, digest: Digest, key: KeyObject) {
  const manifest = await artifact(layoutDir, index, artifactTag(digest, 'att'));
  const problems: string[] = [];
  for (const layer of manifest.layers.filter((l) => l.mediaType === DSSE_MEDIA_TYPE)) {
    const envelope = parseDsseEnvelope(await readVerifiedBlob(layoutDir, layer.digest, 'attestation'));
    const body = decodeBase64(envelope.payload, 'the DSSE payload');
    const signed = envelope.signatures.some((s) =>
      verifyDer(key, pae(envelope.payloadType, body), decodeBase64(s.sig, 'a DSSE signature')),
    );
    if (!signed) {
      problems.push(`the DSSE envelope ${layer.digest} is not signed by this key (or was changed)`);
      continue;
    }
    if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE) {
      problems.push(`payloadType is '${envelope.payloadType}'`);
      continue;
    }
    const statement = JSON.parse(body.toString('utf8'));
    if (statement._type !== IN_TOTO_STATEMENT_TYPE || statement.predicateType !== SLSA_PROVENANCE_V1)
      continue;
    const hex = digest.slice('sha256:'.length);
    if (!statement.subject?.some((s: { digest?: { sha256?: string } }) => s.digest?.sha256 === hex)) {
      problems.push(`the provenance's subject is not ${digest}`);
      continue;
    }
    const builder = statement.predicate?.runDetails?.builder;
    return `SLSA v1 provenance by ${builder?.id} ${JSON.stringify(builder?.version ?? {})}`;
  }
  throw new Error(problems.join('; ') || 'the .att artifact holds no SLSA v1 provenance');
}

export async function verifyImage(options: VerifyImageOptions): Promise<VerifyReport> {
  const { layoutDir, publicKey } = options;
  const index = await readIndex(layoutDir);
  const digest = options.manifestDigest ?? chooseImage(index, layoutDir);
  const checks: VerifyCheck[] = [];
  const check = async (name: string, work: () => Promise<string>) => {
    try {
      checks.push({ name, ok: true, detail: await work() });
    } catch (err) {
      checks.push({ name, ok: false, detail: (err as Error).message });
    }
  };

  let manifest: Manifest | undefined;
  await check('manifest', async () => {
    manifest = parseManifest(await readVerifiedBlob(layoutDir, digest, 'manifest'), `manifest ${digest}`);
    return `${digest} matches its content`;
  });
  await check('signature', () => checkSignature(layoutDir, index, digest, publicKey));
  await check('provenance', () => checkProvenance(layoutDir, index, digest, publicKey));
  if (manifest) {
    const blobs: [string, Descriptor][] = [
      ['config', manifest.config],
      ...manifest.layers.map((l, i): [string, Descriptor] => [
        `layer ${i + 1}/${manifest?.layers.length}`,
        l,
      ]),
    ];
    for (const [name, blob] of blobs) {
      await check(name, async () => {
        const actual = await hashBlob(layoutDir, blob.digest).catch((err: NodeJS.ErrnoException) => {
          throw new Error(err.code === 'ENOENT' ? `${blob.digest} is missing` : err.message);
        });
        if (actual.digest !== blob.digest)
          throw new Error(`${blob.digest} was modified: its content hashes to ${actual.digest}`);
        if (actual.size !== blob.size)
          throw new Error(`${blob.digest} has ${actual.size} bytes, not ${blob.size}`);
        return `${blob.digest} matches (${blob.size} bytes)`;
      });
    }
  }
  const failures = checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  return Object.freeze({ ok: failures.length === 0, manifestDigest: digest, checks, failures });
}
