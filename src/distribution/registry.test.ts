import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import { captureBaseLayer } from '../images/layers.js';
import { exportOciLayout, type OciImage, writeOciImage } from '../images/oci.js';
import { inspectRemote, isTransient, parseImageUri, pushOciLayout, validateTarget } from './registry.js';

test('push targets are validated naming the field', () => {
  const ok = { registry: '127.0.0.1:5000', repository: 'team/app', tags: ['1.0.0-1', 'latest'] };
  validateTarget(ok);
  validateTarget({ ...ok, registry: 'registry.example' });
  validateTarget({ ...ok, registry: '[::1]:5000', repository: 'a.b/c__d/e--f' });
  const cases: [Partial<typeof ok>, RegExp][] = [
    [{ registry: '127.0.0.1:99999' }, /'registry'.*host\[:port\]/],
    [{ registry: 'http://127.0.0.1:5000' }, /'registry'/],
    [{ registry: '' }, /'registry'/],
    [{ repository: 'Team/App' }, /'repositoryName'.*'Team\/App'/],
    [{ repository: 'team//app' }, /'repositoryName'/],
    [{ repository: 'team/app-' }, /'repositoryName'/],
    [{ tags: [] }, /'containerTags'.*At least one/],
    [{ tags: ['ok', '.bad'] }, /'containerTags'.*'\.bad'/],
    [{ tags: ['x'.repeat(129)] }, /'containerTags'/],
  ];
  for (const [change, message] of cases) {
    assert.throws(() => validateTarget({ ...ok, ...change }), message, JSON.stringify(change));
  }
});

test('only network and overload failures are retried', () => {
  const cases: [string, boolean][] = [
    ['dial tcp 127.0.0.1:5000: connect: connection refused', true],
    ['read tcp 127.0.0.1:40000->127.0.0.1:5000: read: connection reset by peer', true],
    ['writing blob: Patch "http://127.0.0.1:5000/v2/a/blobs/uploads/x": EOF', true],
    ['received unexpected HTTP status: 503 Service Unavailable', true],
    ['received unexpected HTTP status: 429 Too Many Requests', true],
    ['net/http: TLS handshake timeout', true],
    ['initializing source oci:/x:y: no descriptor found for reference "y"', false],
    ['unauthorized: authentication required', false],
    ['manifest invalid: manifest invalid', false],
    ['http: server gave HTTP response to HTTPS client', false],
    ['reading manifest 1 in 127.0.0.1:5003/app: manifest unknown', false],
  ];
  for (const [stderr, transient] of cases) assert.equal(isTransient(stderr), transient, stderr);
});

test('image URIs are split into registry, repository and reference', () => {
  assert.deepEqual(parseImageUri('127.0.0.1:5000/team/app:1.0.0-1'), {
    registry: '127.0.0.1:5000',
    repository: 'team/app',
    reference: ':1.0.0-1',
  });
  const digest = `sha256:${'a'.repeat(64)}`;
  assert.deepEqual(parseImageUri(`docker://localhost/app@${digest}`), {
    registry: 'localhost',
    repository: 'app',
    reference: `@${digest}`,
  });
  for (const bad of ['app:1', '127.0.0.1:5000/app', '/app:1', '127.0.0.1:5000/App:1']) {
    assert.throws(() => parseImageUri(bad), /'imageUri'/, bad);
  }
});

/** Two registries standing for two regions, and a one-layer image exported as an OCI layout. */
let regions: TestRegistry[] = [];
let work: string;
let layout: string;
let image: OciImage;

before(async () => {
  requireTool('skopeo', 'skopeo');
  regions = await Promise.all([startRegistry(), startRegistry()]);
  work = await makeTempDir('kiln-registry-test-', { memory: false });
  const root = join(work, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc', 'motd'), 'hello from kiln\n');
  const store = new DirectoryBlobStore(join(work, 'store'));
  const layer = await captureBaseLayer(root, store, { sourceDateEpoch: 1_700_000_000 });
  image = await writeOciImage(store, [layer], { created: 1_700_000_000, cmd: ['/bin/true'] });
  layout = join(work, 'layout');
  await exportOciLayout(store, image, layout, 'build');
});

after(async () => {
  await Promise.all(regions.map((r) => r.stop()));
  if (work) await removeTree(work);
});

test('an OCI layout pushed to two registries pulls back with the same manifest digest', async () => {
  const tags = ['1.0.0-1', 'latest'];
  for (const region of regions) {
    const started = performance.now();
    const pushed = await pushOciLayout({
      layoutDir: layout,
      tag: 'build',
      registry: region.host,
      repository: 'team/app',
      tags,
      insecure: true,
    });
    process.stderr.write(
      `[registry.test] pushed to ${region.host} in ${Math.round(performance.now() - started)} ms\n`,
    );
    assert.equal(pushed.digest, image.manifestDigest);
    assert.deepEqual(
      pushed.imageUris,
      tags.map((t) => `${region.host}/team/app:${t}`),
    );
    for (const uri of pushed.imageUris) {
      assert.equal(await inspectRemote(uri, { insecure: true }), image.manifestDigest, uri);
    }
    // The layer itself is in the registry, not only the manifest.
    const blob = await fetch(`${region.url}/v2/team/app/blobs/${image.layers[0]!.digest}`, {
      method: 'HEAD',
    });
    assert.equal(blob.status, 200);
  }
  // Pull one back as an OCI layout with skopeo: the same manifest, byte for byte.
  const pulled = join(work, 'pulled');
  await runChecked([
    requireTool('skopeo', 'skopeo'),
    '--insecure-policy',
    'copy',
    '--src-tls-verify=false',
    `docker://${regions[1]!.host}/team/app:latest`,
    `oci:${pulled}:latest`,
  ]);
  const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8'));
  assert.equal(index.manifests[0].digest, image.manifestDigest);
  const hex = image.manifestDigest.slice('sha256:'.length);
  assert.ok(
    (await readFile(join(pulled, 'blobs', 'sha256', hex))).equals(
      await readFile(join(layout, 'blobs', 'sha256', hex)),
    ),
  );
});

test('pushing again is content-addressed and gives the same digest', async () => {
  const region = regions[0]!;
  const again = await pushOciLayout({
    layoutDir: layout,
    tag: 'build',
    registry: region.host,
    repository: 'team/app',
    tags: ['latest'],
    insecure: true,
  });
  assert.equal(again.digest, image.manifestDigest);
});

test('a layout without the named tag fails before anything is pushed', async () => {
  await assert.rejects(
    pushOciLayout({
      layoutDir: layout,
      tag: 'missing',
      registry: regions[0]!.host,
      repository: 'team/app',
      tags: ['latest'],
      insecure: true,
    }),
    /has no image tagged 'missing'/,
  );
});

test('a push to a stopped registry fails naming the registry after retrying', async () => {
  const gone = await startRegistry();
  await gone.stop();
  await assert.rejects(
    pushOciLayout({
      layoutDir: layout,
      tag: 'build',
      registry: gone.host,
      repository: 'team/app',
      tags: ['latest'],
      insecure: true,
      attempts: 2,
    }),
    (err: Error) => {
      assert.match(
        err.message,
        new RegExp(`to the registry ${gone.host.replaceAll('.', '\\.')} failed after 2 attempts`),
      );
      assert.match(err.message, /connection refused/);
      assert.match(
        err.message,
        new RegExp(`Check that the registry ${gone.host.replaceAll('.', '\\.')} is running`),
      );
      return true;
    },
  );
});
