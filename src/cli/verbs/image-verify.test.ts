import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { DirectoryBlobStore, sha256Digest } from '../../images/blob-store.js';
import { exportOciLayout, writeOciImage } from '../../images/oci.js';
import { ensureSigningKey } from '../../signing/keys.js';
import { signImage } from '../../signing/sign.js';
import type { Verb } from '../verb.js';
import { imageVerifyVerb } from './image-verify.js';
import { keyExportVerb } from './key.js';

const root = await mkdtemp(join(tmpdir(), 'kiln-verify-cli-'));
after(() => rm(root, { recursive: true, force: true }));
const dataDir = join(root, 'data');

async function run(verb: Verb, args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c) => out.push(c));
  stderr.on('data', (c) => err.push(c));
  const code = await verb.run(args, { stdout, stderr, env, cwd: root });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

const store = new DirectoryBlobStore(join(root, 'store'));
const layer = await store.put(gzipSync(Buffer.from('a tiny layer')));
const image = await writeOciImage(store, [{ ...layer, diffId: sha256Digest('tar') }], { created: 0 });
const layoutDir = join(root, 'layout');
await exportOciLayout(store, image, layoutDir);
const key = await ensureSigningKey(dataDir);
await signImage({
  target: { layoutDir },
  manifestDigest: image.manifestDigest,
  reference: 'kiln.local/tiny',
  key: key.privateKey,
  provenance: { recipe: {}, dependencies: [], invocationId: 'i', startedOn: 0, finishedOn: 1 },
});

test('kiln key export prints the same public key the signer used', async () => {
  const r = await run(keyExportVerb, ['--data-dir', dataDir]);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, key.publicKeyPem);
  await writeFile(join(root, 'cosign.pub'), r.stdout);
});

test('kiln image verify PATH --key passes, and fails (exit 1) with another key', async () => {
  const ok = await run(imageVerifyVerb, [layoutDir, '--key', 'cosign.pub']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stdout, new RegExp(`verified ${image.manifestDigest}\\n$`));
  const otherDir = join(root, 'other');
  await writeFile(join(root, 'other.pub'), (await ensureSigningKey(otherDir)).publicKeyPem);
  const bad = await run(imageVerifyVerb, [layoutDir, '--key', 'other.pub']);
  assert.equal(bad.code, 1);
  assert.match(bad.stdout, /^FAIL {2}signature: /m);
});

test('kiln image verify of something that is not a layout is an input error', async () => {
  const r = await run(imageVerifyVerb, [join(root, 'nowhere'), '--data-dir', dataDir]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /is not an OCI image layout \(no index\.json\)/);
});

test('kiln image verify ARN finds the layout through GetImage', async () => {
  const arn = 'arn:aws:imagebuilder:us-east-1:123456789012:image/tiny/1.0.0/1';
  let asked = '';
  const server = createServer((req, res) => {
    asked = req.url ?? '';
    res.setHeader('content-type', 'application/json');
    res.end(
      JSON.stringify({
        image: { arn, kilnArtifacts: { ociLayout: layoutDir, manifestDigest: image.manifestDigest } },
      }),
    );
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  try {
    const port = (server.address() as { port: number }).port;
    const r = await run(
      imageVerifyVerb,
      [arn, '--endpoint', `http://127.0.0.1:${port}`, '--data-dir', dataDir],
      {
        KILN_ACCESS_KEY_ID: 'id',
        KILN_SECRET_ACCESS_KEY: 'secret',
      },
    );
    assert.equal(r.code, 0, r.stderr);
    assert.equal(asked, `/GetImage?imageBuildVersionArn=${encodeURIComponent(arn)}`);
  } finally {
    server.close();
  }
});
