import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { sha256Digest } from '../images/blob-store.js';
import { artifactTag, dsseEnvelope, pae, simpleSigningPayload } from './formats.js';
import { ensureSigningKey, parsePublicKey } from './keys.js';
import { provenanceStatement } from './provenance.js';
import { signBytes } from './sign.js';

const digest = sha256Digest('manifest');
const hex = digest.slice('sha256:'.length);

test("the simple-signing payload has exactly cosign's structure", () => {
  const payload = JSON.parse(simpleSigningPayload('kiln.local/web', digest).toString());
  assert.deepEqual(payload, {
    critical: {
      identity: { 'docker-reference': 'kiln.local/web' },
      image: { 'docker-manifest-digest': digest },
      type: 'cosign container image signature',
    },
    optional: null,
  });
  assert.deepEqual(JSON.parse(simpleSigningPayload('r', digest, { pipeline: 'p' }).toString()).optional, {
    pipeline: 'p',
  });
  assert.equal(artifactTag(digest, 'sig'), `sha256-${hex}.sig`);
  assert.equal(artifactTag(digest, 'att'), `sha256-${hex}.att`);
});

test('PAE counts bytes, not characters (DSSE protocol.md)', () => {
  const cases: [string, string, string][] = [
    [
      'http://example.com/HelloWorld',
      'hello world',
      'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
    ],
    ['t', '', 'DSSEv1 1 t 0 '],
    ['ü', 'é', 'DSSEv1 2 ü 2 é'],
  ];
  for (const [type, body, expected] of cases) {
    assert.equal(pae(type, Buffer.from(body)).toString('utf8'), expected, type);
  }
});

test('a DSSE envelope signs the PAE, and its signature is DER ECDSA P-256/SHA-256', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const body = Buffer.from('{"_type":"x"}');
  const envelope = dsseEnvelope(
    'application/vnd.in-toto+json',
    body,
    signBytes(privateKey, pae('application/vnd.in-toto+json', body)),
  );
  assert.deepEqual(Object.keys(envelope), ['payloadType', 'payload', 'signatures']);
  assert.equal(Buffer.from(envelope.payload, 'base64').toString(), '{"_type":"x"}');
  const sig = Buffer.from(envelope.signatures[0]?.sig as string, 'base64');
  assert.equal(sig[0], 0x30, 'an ASN.1 SEQUENCE, not the raw r||s form');
  assert.ok(verify('sha256', pae(envelope.payloadType, body), publicKey, sig));
  assert.ok(!verify('sha256', body, publicKey, sig), 'the bare payload is not what is signed');
});

test('the provenance is an in-toto v1 statement with an SLSA v1 predicate', () => {
  const statement = provenanceStatement({
    subjectName: 'kiln.local/web',
    manifestDigest: digest,
    recipe: { name: 'web' },
    parameters: { imagePipelineArn: 'arn:p' },
    dependencies: [{ uri: 'arn:c', digest: { sha256: 'aa' } }],
    invocationId: 'arn:i',
    startedOn: 0,
    finishedOn: 1000,
    timings: { build: { ms: 5 } },
    builderVersion: '9.9.9',
  });
  assert.equal(statement._type, 'https://in-toto.io/Statement/v1');
  assert.deepEqual(statement.subject, [{ name: 'kiln.local/web', digest: { sha256: hex } }]);
  assert.equal(statement.predicateType, 'https://slsa.dev/provenance/v1');
  const { buildDefinition, runDetails } = statement.predicate;
  assert.match(buildDefinition.buildType, /^urn:kiln:/);
  assert.deepEqual(buildDefinition.externalParameters, {
    recipe: { name: 'web' },
    imagePipelineArn: 'arn:p',
  });
  assert.deepEqual(buildDefinition.resolvedDependencies, [{ uri: 'arn:c', digest: { sha256: 'aa' } }]);
  assert.deepEqual(runDetails.builder.version, { kiln: '9.9.9' });
  assert.deepEqual(runDetails.metadata, {
    invocationId: 'arn:i',
    startedOn: '1970-01-01T00:00:00.000Z',
    finishedOn: '1970-01-01T00:00:01.000Z',
  });
  const timings = JSON.parse(Buffer.from(runDetails.byproducts?.[0]?.content as string, 'base64').toString());
  assert.deepEqual(timings, { build: { ms: 5 } });
});

test('the signing key is made once, 0600, and its public half is SPKI PEM', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-key-'));
  try {
    const [a, b] = await Promise.all([ensureSigningKey(dir), ensureSigningKey(dir)]);
    assert.equal(a.publicKeyPem, b.publicKeyPem);
    const again = await ensureSigningKey(dir);
    assert.equal(again.created, false);
    assert.equal(again.publicKeyPem, a.publicKeyPem);
    assert.equal((await stat(a.path)).mode & 0o777, 0o600);
    assert.match(a.publicKeyPem, /^-----BEGIN PUBLIC KEY-----\n/);
    parsePublicKey(a.publicKeyPem, 'exported key');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    assert.throws(
      () => parsePublicKey(rsa.toString(), 'rsa.pub'),
      /rsa.pub is a rsa key; image signatures use ECDSA P-256/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
