import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../../test/support/registry.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import { requireTool } from '../host/tools.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import { captureBaseLayer } from '../images/layers.js';
import { exportOciLayout, type OciImage, writeOciImage } from '../images/oci.js';
import { signImage } from '../signing/sign.js';
import {
  type ContainerSource,
  distributeContainer,
  renderContainerTags,
  type TagVariables,
} from './containers.js';
import { inspectRemote } from './registry.js';

const VARS: TagVariables = { version: '1.2.3', buildVersion: 4, buildDate: Date.UTC(2024, 4, 6, 7, 8, 9) };

test('container tags: the version-build by default, build variables resolved, duplicates dropped', () => {
  const cases: [string[] | undefined, string[]][] = [
    [undefined, ['1.2.3-4']],
    [[], ['1.2.3-4']],
    [['latest'], ['latest']],
    [
      ['v{{imagebuilder:buildVersion}}', 'latest'],
      ['v4', 'latest'],
    ],
    [['{{ imagebuilder:buildDate }}'], ['2024-05-06T07-08-09.000Z']],
    [
      ['latest', 'latest', 'b{{imagebuilder:buildVersion}}'],
      ['latest', 'b4'],
    ],
  ];
  for (const [tags, expected] of cases) {
    assert.deepEqual(renderContainerTags(tags, VARS), expected, JSON.stringify(tags));
  }
});

/** Two registries standing for two regions, and a signed one-layer image in an OCI layout. */
let regions: TestRegistry[] = [];
let work: string;
let source: ContainerSource;
let image: OciImage;

before(async () => {
  requireTool('skopeo', 'skopeo');
  regions = await Promise.all([startRegistry(), startRegistry()]);
  work = await makeTempDir('kiln-containers-test-', { memory: false });
  const root = join(work, 'root');
  await mkdir(join(root, 'srv'), { recursive: true });
  await writeFile(join(root, 'srv', 'app.txt'), 'kiln container distribution\n');
  const blobs = new DirectoryBlobStore(join(work, 'blobs'));
  const layer = await captureBaseLayer(root, blobs, { sourceDateEpoch: 1_700_000_000 });
  image = await writeOciImage(blobs, [layer], { created: 1_700_000_000, cmd: ['/bin/true'] });
  const layoutDir = join(work, 'image', 'oci');
  await exportOciLayout(blobs, image, layoutDir);
  await signImage({
    target: { layoutDir },
    manifestDigest: image.manifestDigest,
    reference: 'kiln/test/app',
    key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey,
    provenance: {
      recipe: { name: 'app' },
      dependencies: [],
      invocationId: 'test',
      startedOn: 0,
      finishedOn: 0,
    },
  });
  source = { layoutDir, layoutTag: 'latest', blobs, image };
});

after(async () => {
  await Promise.all(regions.map((r) => r.stop()));
  if (work) await removeTree(work);
});

/** `skopeo copy docker://… oci:…`: the manifest digest the pulled layout names. */
async function pullBack(uri: string, into: string): Promise<string> {
  await mkdir(dirname(into), { recursive: true });
  await runChecked([
    requireTool('skopeo', 'skopeo'),
    '--insecure-policy',
    'copy',
    '--src-tls-verify=false',
    `docker://${uri}`,
    `oci:${into}:pulled`,
  ]);
  const index = JSON.parse(await readFile(join(into, 'index.json'), 'utf8'));
  return index.manifests[0].digest;
}

test('two registry regions get the image under every tag and pull back with the same digest', async () => {
  const configuration = {
    targetRepository: { service: 'ECR', repositoryName: 'team/app' },
    containerTags: ['latest', 'v{{imagebuilder:buildVersion}}'],
    description: 'the app',
  };
  for (const [i, registry] of regions.entries()) {
    const region = ['us-west-2', 'eu-west-1'][i]!;
    const published = await distributeContainer({
      region,
      store: { type: 'registry', url: registry.host, tlsVerify: false },
      source,
      configuration,
      variables: VARS,
    });
    assert.deepEqual(published, {
      region,
      imageUris: [`${registry.host}/team/app:latest`, `${registry.host}/team/app:v4`],
      digest: image.manifestDigest,
    });
    for (const uri of published.imageUris) {
      assert.equal(
        await pullBack(uri, join(work, 'pulled', region, uri.split(':').at(-1)!)),
        image.manifestDigest,
      );
    }
  }
});

test('the cosign signature and attestation travel with the image to the registry', async () => {
  const registry = regions[0]!;
  const hex = image.manifestDigest.slice('sha256:'.length);
  const index = JSON.parse(await readFile(join(source.layoutDir, 'index.json'), 'utf8')) as {
    manifests: { digest: string; annotations: Record<string, string> }[];
  };
  for (const kind of ['sig', 'att']) {
    const tag = `sha256-${hex}.${kind}`;
    const local = index.manifests.find((m) => m.annotations['org.opencontainers.image.ref.name'] === tag);
    assert.ok(local, `the layout has ${tag}`);
    assert.equal(await inspectRemote(`${registry.host}/team/app:${tag}`, { insecure: true }), local.digest);
  }
});

test('without containerTags the image is tagged with its version and build', async () => {
  const registry = regions[1]!;
  const published = await distributeContainer({
    region: 'eu-west-1',
    store: { type: 'registry', url: registry.host, tlsVerify: false },
    source,
    configuration: { targetRepository: { service: 'ECR', repositoryName: 'plain' } },
    variables: VARS,
  });
  assert.deepEqual(published.imageUris, [`${registry.host}/plain:1.2.3-4`]);
  assert.equal(await inspectRemote(published.imageUris[0]!, { insecure: true }), image.manifestDigest);
});

test('a directory region gets one OCI layout per tag that skopeo reads', async () => {
  const storeDir = join(work, 'regions', 'us-east-1');
  const published = await distributeContainer({
    region: 'us-east-1',
    store: { type: 'directory', path: storeDir },
    source,
    configuration: { targetRepository: { repositoryName: 'team/app' }, containerTags: ['latest', 'stable'] },
    variables: VARS,
  });
  const dirs = ['latest', 'stable'].map((t) => join(storeDir, 'repositories', 'team', 'app', t));
  assert.deepEqual(published.imageUris, [`oci:${dirs[0]}:latest`, `oci:${dirs[1]}:stable`]);
  for (const uri of published.imageUris) {
    const inspected = JSON.parse(
      (await runChecked([requireTool('skopeo', 'skopeo'), 'inspect', uri])).stdout,
    );
    assert.equal(inspected.Digest, image.manifestDigest, uri);
  }
});

test('a bad repository name or tag fails naming the member before anything is written', async () => {
  for (const store of [
    { type: 'registry' as const, url: regions[0]!.host, tlsVerify: false },
    { type: 'directory' as const, path: join(work, 'regions', 'bad') },
  ]) {
    await assert.rejects(
      distributeContainer({
        region: 'us-east-1',
        store,
        source,
        configuration: { targetRepository: { repositoryName: '../App' } },
        variables: VARS,
      }),
      /'repositoryName'.*'\.\.\/App'/,
    );
    await assert.rejects(
      distributeContainer({
        region: 'us-east-1',
        store,
        source,
        configuration: { targetRepository: { repositoryName: 'app' }, containerTags: ['a:b'] },
        variables: VARS,
      }),
      /'containerTags'.*'a:b'/,
    );
  }
});
