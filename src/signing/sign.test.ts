import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DirectoryBlobStore, type Digest, sha256Digest } from '../images/blob-store.js';
import { exportOciLayout, writeOciImage } from '../images/oci.js';
import { decodeBase64, parseDsseEnvelope } from './formats.js';
import { ensureSigningKey, parsePublicKey } from './keys.js';
import { blobPath, findTag, readIndex } from './layout.js';
import { parentDependency } from './provenance.js';
import { signImage } from './sign.js';
import { verifyImage } from './verify.js';

const root = await mkdtemp(join(tmpdir(), 'kiln-signing-'));
after(() => rm(root, { recursive: true, force: true }));
const key = await ensureSigningKey(join(root, 'data'));
const publicKey = parsePublicKey(key.publicKeyPem, 'test key');

/** A two-layer image exported as a layout, signed; each test gets its own copy. */
async function signedLayout(name: string) {
  const store = new DirectoryBlobStore(join(root, `store-${name}`));
  const layers = [];
  for (const text of ['first layer', 'second layer']) {
    const tar = Buffer.from(text.padEnd(1024, '\0'));
    const blob = await store.put(gzipSync(tar));
    layers.push({ digest: blob.digest, size: blob.size, diffId: sha256Digest(tar) });
  }
  const image = await writeOciImage(store, layers, { created: 1_700_000_000, architecture: 'amd64' });
  const layoutDir = join(root, name);
  await exportOciLayout(store, image, layoutDir);
  const signed = await signImage({
    target: { layoutDir },
    manifestDigest: image.manifestDigest,
    reference: 'kiln.local/web',
    key: key.privateKey,
    provenance: {
      recipe: { name: 'web', version: '1.0.0', components: [{ componentArn: 'arn:c' }] },
      dependencies: [
        { uri: 'arn:c', digest: { sha256: 'ab'.repeat(32) } },
        parentDependency('debian:bookworm', sha256Digest('parent')),
      ],
      invocationId: 'arn:aws:imagebuilder:us-east-1:123456789012:image/web/1.0.0/1',
      startedOn: 1_700_000_000_000,
      finishedOn: 1_700_000_060_000,
      timings: { 'export-oci': { ms: 12, bytes: 99 } },
      builderVersion: '0.1.0',
    },
  });
  return { layoutDir, image, signed };
}

test('a signed layout verifies: signature, provenance, manifest, config and every layer', async () => {
  const { layoutDir, image, signed } = await signedLayout('ok');
  const report = await verifyImage({ layoutDir, publicKey });
  assert.deepEqual(report.failures, []);
  assert.equal(report.ok, true);
  assert.equal(report.manifestDigest, image.manifestDigest);
  assert.deepEqual(
    report.checks.map((c) => c.name),
    ['manifest', 'signature', 'provenance', 'config', 'layer 1/2', 'layer 2/2'],
  );
  const hex = image.manifestDigest.slice('sha256:'.length);
  assert.equal(signed.signature.tag, `sha256-${hex}.sig`);
  assert.equal(signed.attestation.tag, `sha256-${hex}.att`);
  const index = await readIndex(layoutDir);
  assert.equal(findTag(index, `sha256-${hex}.sig`)?.digest, signed.signature.manifest.digest);
  assert.equal(findTag(index, 'latest')?.digest, image.manifestDigest);
  await assert.rejects(stat(join(layoutDir, 'blobs', '.tmp')), { code: 'ENOENT' });
});

test('one flipped byte in one layer fails verification naming that layer', async () => {
  const { layoutDir, image } = await signedLayout('flip');
  const path = blobPath(layoutDir, image.layers[1]?.digest as Digest);
  const bytes = await readFile(path);
  bytes[10] = (bytes[10] as number) ^ 0x01;
  await rm(path); // a hard link into the store: replace the file, do not write through it
  await writeFile(path, bytes);
  const report = await verifyImage({ layoutDir, publicKey });
  assert.equal(report.ok, false);
  assert.equal(report.failures.length, 1);
  assert.match(report.failures[0] as string, /^layer 2\/2: sha256:[0-9a-f]{64} was modified/);
});

test('a different key fails both the signature and the provenance', async () => {
  const { layoutDir } = await signedLayout('wrong-key');
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  const report = await verifyImage({ layoutDir, publicKey: other });
  assert.deepEqual(
    report.failures.map((f) => f.split(':')[0]),
    ['signature', 'provenance'],
  );
  assert.match(report.failures[0] as string, /does not verify with this key/);
});

test('a tampered provenance statement fails even when its blob is re-hashed consistently', async () => {
  const { layoutDir, signed } = await signedLayout('tamper');
  // Rewrite the envelope's payload and re-store it under its new digest, as an attacker with
  // write access to the layout would; only the DSSE signature can catch this.
  const attManifestPath = blobPath(layoutDir, signed.attestation.manifest.digest);
  const manifest = JSON.parse(await readFile(attManifestPath, 'utf8'));
  const envelopeDigest = manifest.layers[0].digest as Digest;
  const envelope = parseDsseEnvelope(await readFile(blobPath(layoutDir, envelopeDigest)));
  const statement = JSON.parse(decodeBase64(envelope.payload, 'payload').toString());
  statement.predicate.runDetails.builder.id = 'urn:evil';
  envelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
  const newEnvelope = Buffer.from(JSON.stringify(envelope));
  await writeFile(blobPath(layoutDir, sha256Digest(newEnvelope)), newEnvelope);
  manifest.layers[0] = { ...manifest.layers[0], digest: sha256Digest(newEnvelope), size: newEnvelope.length };
  const newManifest = Buffer.from(JSON.stringify(manifest));
  await writeFile(blobPath(layoutDir, sha256Digest(newManifest)), newManifest);
  const indexPath = join(layoutDir, 'index.json');
  const index = JSON.parse(await readFile(indexPath, 'utf8'));
  for (const m of index.manifests)
    if (m.digest === signed.attestation.manifest.digest)
      Object.assign(m, { digest: sha256Digest(newManifest) });
  await writeFile(indexPath, JSON.stringify(index));

  const report = await verifyImage({ layoutDir, publicKey });
  assert.deepEqual(report.failures, [
    `provenance: the DSSE envelope ${sha256Digest(newEnvelope)} is not signed by this key (or was changed)`,
  ]);
});

test('openssl agrees: the .sig annotation verifies over the payload bytes with the exported key', async (t) => {
  try {
    execFileSync('openssl', ['version']);
  } catch {
    assert.fail('openssl is missing: apt-get install openssl (Debian package openssl)');
  }
  const { layoutDir, signed } = await signedLayout('openssl');
  const manifest = JSON.parse(await readFile(blobPath(layoutDir, signed.signature.manifest.digest), 'utf8'));
  const layer = manifest.layers[0];
  const dir = join(root, 'openssl-files');
  await mkdir(dir);
  await writeFile(join(dir, 'cosign.pub'), key.publicKeyPem);
  await writeFile(
    join(dir, 'sig.der'),
    Buffer.from(layer.annotations['dev.cosignproject.cosign/signature'], 'base64'),
  );
  const payload = join(dir, 'payload.json');
  await writeFile(payload, await readFile(blobPath(layoutDir, layer.digest)));
  const out = execFileSync('openssl', [
    'dgst',
    '-sha256',
    '-verify',
    join(dir, 'cosign.pub'),
    '-signature',
    join(dir, 'sig.der'),
    payload,
  ]).toString();
  assert.equal(out.trim(), 'Verified OK');
  t.diagnostic('cosign is not packaged in Debian 12; openssl is the independent verifier here');
});
