/**
 * Really built images distributed to regions whose artifact stores are OCI registries (two
 * Debian docker-registry servers on 127.0.0.1): a container image to both and a directory
 * store; and, through a real `kiln server`, an AMI image whose copies are pushed to both as
 * `kiln/amis/<ami-id>:latest` (KMS at rest is refused there). The registries are checked by
 * inspecting and pulling the images back with skopeo, and by their storage.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import {
  CreateComponentCommand,
  CreateDistributionConfigurationCommand,
  CreateImageCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  DistributeImageCommand,
  GetImageCommand,
  type ImagebuilderClient,
} from '@aws-sdk/client-imagebuilder';
import { systemClock } from '../../src/core/clock.js';
import { listAmiRecords } from '../../src/distribution/ami-store.js';
import { createImageBuildEngine } from '../../src/engine/build-engine.js';
import type { BuildEvent, ImageBuildRequest } from '../../src/engine/image-build.js';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import { type ServerProcess, sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';
import { startRegistry, type TestRegistry } from '../support/registry.js';
import { ACCOUNT, componentRecord, lookupOf, REGION } from './build-support.js';

const PREFIX = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}`;
const REGIONS = [REGION, 'us-west-2', 'eu-west-1'];

const MARKER = `name: marker
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: WriteMarker
        action: ExecuteBash
        inputs:
          commands:
            - echo kiln-distributed-container > /etc/kiln-marker
`;

let registries: TestRegistry[] = [];
let dataDir: string;
let server: ServerProcess | undefined;
let client: ImagebuilderClient | undefined;

before(async () => {
  requireTool('skopeo', 'skopeo');
  await sharedBookworm();
  registries = await Promise.all([startRegistry(), startRegistry()]);
  dataDir = await makeTempDir('kiln-distribution-registries-e2e-');
});

after(async () => {
  client?.destroy();
  await server?.stop();
  if (server) await removeTree(server.dataDir);
  await Promise.all(registries.map((r) => r.stop()));
  if (dataDir) await removeTree(dataDir);
});

function request(): ImageBuildRequest {
  const target = (region: string) => ({
    region,
    containerDistributionConfiguration: {
      targetRepository: { service: 'ECR', repositoryName: 'team/marker' },
      containerTags: ['latest', '1.0.0-{{imagebuilder:buildVersion}}'],
      description: 'the marker image',
    },
  });
  return {
    imageArn: `${PREFIX}:image/marker-container/1.0.0/3`,
    account: ACCOUNT,
    region: REGION,
    layerCache: true,
    image: {
      name: 'marker-container',
      version: '1.0.0',
      type: 'DOCKER',
      platform: 'Linux',
      containerRecipe: {
        arn: `${PREFIX}:container-recipe/marker-container/1.0.0`,
        name: 'marker-container',
        version: '1.0.0',
        containerType: 'DOCKER',
        platform: 'Linux',
        parentImage: 'debian:bookworm',
        components: [{ componentArn: `${PREFIX}:component/marker/x.x.x` }],
        dockerfileTemplateData: 'FROM {{{ imagebuilder:parentImage }}}\n{{{ imagebuilder:components }}}\n',
        workingDirectory: '/tmp',
        targetRepository: { service: 'ECR', repositoryName: 'marker' },
      },
      infrastructureConfiguration: { instanceTypes: ['kiln.small'] },
      imageTestsConfiguration: { imageTestsEnabled: false },
      distributionConfiguration: { distributions: REGIONS.map(target) },
    },
  };
}

test('a built container image reaches two registry regions and a directory region under every tag', async () => {
  const [west, eu] = registries as [TestRegistry, TestRegistry];
  const engine = createImageBuildEngine({
    dataDir,
    cacheDir: testCacheDir(),
    store: lookupOf([componentRecord('marker', MARKER)]),
    clock: systemClock,
    regions: REGIONS,
    regionStores: {
      'us-west-2': { type: 'registry', url: west.host, tlsVerify: false },
      'eu-west-1': { type: 'registry', url: eu.host, tlsVerify: false },
    },
  });
  const events: BuildEvent[] = [];
  const image: Record<string, unknown> = {};
  const outcome = await engine.start(
    request(),
    async (e) => {
      events.push(e);
      if (e.kind === 'image') Object.assign(image, e.members);
    },
    new AbortController().signal,
  ).done;
  const logs = events.flatMap((e) => (e.kind === 'log' ? [`${e.line.step}: ${e.line.text}`] : []));
  assert.equal(outcome.status, 'AVAILABLE', `${outcome.reason}\n${logs.join('\n')}`);

  const digest = (image.kilnArtifacts as { manifestDigest: string }).manifestDigest;
  const containers = (image.outputResources as { containers: { region: string; imageUris: string[] }[] })
    .containers;
  const layout = (tag: string) => join(dataDir, 'regions', REGION, 'repositories', 'team', 'marker', tag);
  assert.deepEqual(containers, [
    { region: REGION, imageUris: [`oci:${layout('latest')}:latest`, `oci:${layout('1.0.0-3')}:1.0.0-3`] },
    {
      region: 'us-west-2',
      imageUris: [`${west.host}/team/marker:latest`, `${west.host}/team/marker:1.0.0-3`],
    },
    { region: 'eu-west-1', imageUris: [`${eu.host}/team/marker:latest`, `${eu.host}/team/marker:1.0.0-3`] },
  ]);
  const skopeo = requireTool('skopeo', 'skopeo');
  for (const { region, imageUris } of containers.slice(1)) {
    for (const [i, uri] of imageUris.entries()) {
      const pulled = join(dataDir, 'pulled', region, String(i));
      await mkdir(join(dataDir, 'pulled', region), { recursive: true });
      await runChecked([
        skopeo,
        '--insecure-policy',
        'copy',
        '--src-tls-verify=false',
        `docker://${uri}`,
        `oci:${pulled}:x`,
      ]);
      const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8'));
      assert.equal(index.manifests[0].digest, digest, uri);
    }
  }
  const local = JSON.parse((await runChecked([skopeo, 'inspect', containers[0]!.imageUris[0]!])).stdout);
  assert.equal(local.Digest, digest);
});

/** Every blob digest a registry stores (docker-registry keeps one file per digest). */
async function storedBlobs(registry: TestRegistry): Promise<string[]> {
  const root = join(registry.storageDir, 'docker', 'registry', 'v2', 'blobs', 'sha256');
  const out: string[] = [];
  for (const prefix of await readdir(root)) {
    for (const hex of await readdir(join(root, prefix))) out.push(`sha256:${hex}`);
  }
  return out.sort();
}

test('an AMI image is copied into two registry regions, content-addressed; KMS is refused there', async () => {
  const [west, eu] = registries as [TestRegistry, TestRegistry];
  const serverDir = tempDir('distribution-registries');
  const configFile = `${serverDir}.yaml`;
  writeFileSync(
    configFile,
    `defaultAccountId: '${ACCOUNT}'
regions: [${REGION}, us-west-2, eu-west-1]
regionStores:
  us-west-2: {type: registry, url: '${west.host}', tlsVerify: false}
  eu-west-1: {type: registry, url: '${eu.host}', tlsVerify: false}
kmsKeys:
  - {keyId: eu-key, region: eu-west-1}
`,
  );
  server = await startServerProcess({ dataDir: serverDir, args: ['--config', configFile] });
  const api = sdkClient(server);
  client = api;
  let n = 0;
  const token = () => `t${++n}`;
  const settle = async (arn: string) => {
    for (;;) {
      const image = (await api.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image;
      if (['AVAILABLE', 'FAILED', 'CANCELLED'].includes(image?.state?.status ?? '')) return image!;
      await new Promise((r) => setTimeout(r, 250));
    }
  };
  const distribution = async (name: string, distributions: Record<string, unknown>[]) =>
    (
      await api.send(
        new CreateDistributionConfigurationCommand({
          name,
          // biome-ignore lint/suspicious/noExplicitAny: the SDK's Distribution type is what we pass.
          distributions: distributions as any,
          clientToken: token(),
        }),
      )
    ).distributionConfigurationArn as string;

  // A key of a registry region is refused when the configuration is created, naming the member.
  await assert.rejects(
    distribution('registry-kms', [
      { region: 'us-west-2', amiDistributionConfiguration: { name: 'web-{{imagebuilder:buildVersion}}' } },
      { region: 'eu-west-1', amiDistributionConfiguration: { name: 'web-x', kmsKeyId: 'eu-key' } },
    ]),
    (err: Error) => {
      assert.equal(err.name, 'InvalidParameterValueException', err.message);
      assert.match(
        err.message,
        /'distributions\[1\]\.amiDistributionConfiguration\.kmsKeyId'.*applies to directory stores; eu-west-1 stores its artifacts in the registry/,
      );
      return true;
    },
  );

  const component = await api.send(
    new CreateComponentCommand({
      name: 'ami-marker',
      semanticVersion: '1.0.0',
      platform: 'Linux',
      data: MARKER.replace('kiln-distributed-container', 'kiln-distributed-ami'),
      clientToken: token(),
    }),
  );
  const recipe = await api.send(
    new CreateImageRecipeCommand({
      name: 'registry-ami',
      semanticVersion: '1.0.0',
      parentImage: 'debian:bookworm',
      components: [{ componentArn: component.componentBuildVersionArn }],
      clientToken: token(),
    }),
  );
  const infra = await api.send(
    new CreateInfrastructureConfigurationCommand({
      name: 'registry-ami',
      instanceProfileName: 'kiln',
      clientToken: token(),
    }),
  );
  const created = await api.send(
    new CreateImageCommand({
      imageRecipeArn: recipe.imageRecipeArn,
      infrastructureConfigurationArn: infra.infrastructureConfigurationArn,
      distributionConfigurationArn: await distribution('two-registries', [
        { region: 'us-west-2', amiDistributionConfiguration: { name: 'web-{{imagebuilder:buildVersion}}' } },
        { region: 'eu-west-1', amiDistributionConfiguration: { name: 'web-{{imagebuilder:buildVersion}}' } },
      ]),
      imageTestsConfiguration: { imageTestsEnabled: false },
      clientToken: token(),
    }),
  );
  const builtArn = created.imageBuildVersionArn as string;
  const built = await settle(builtArn);
  assert.equal(built.state?.status, 'AVAILABLE', `${built.state?.reason}\n${server.output()}`);
  const amis = built.outputResources?.amis ?? [];
  assert.deepEqual(
    amis.map((a) => [a.region, a.name, a.accountId]),
    [
      ['us-west-2', 'web-1', ACCOUNT],
      ['eu-west-1', 'web-1', ACCOUNT],
    ],
  );
  assert.notEqual(amis[0]?.image, amis[1]?.image, 'each region has its own copy');

  const skopeo = requireTool('skopeo', 'skopeo');
  const inspect = async (host: string, amiId: string) =>
    (
      JSON.parse(
        (
          await runChecked([
            skopeo,
            'inspect',
            '--tls-verify=false',
            `docker://${host}/kiln/amis/${amiId}:latest`,
          ])
        ).stdout,
      ) as { Digest: string }
    ).Digest;
  const records = await listAmiRecords(server.dataDir);
  let manifestDigest = '';
  for (const [i, registry] of [west, eu].entries()) {
    const ami = amis[i]!;
    const record = records.find((r) => r.region === ami.region && r.image === ami.image);
    assert.ok(record, `an AMI record for ${ami.image} in ${ami.region}`);
    assert.equal(record.imageArn, builtArn);
    assert.match(record.manifestDigest, /^sha256:[0-9a-f]{64}$/);
    assert.equal(record.kmsKeyArn, undefined);
    manifestDigest ||= record.manifestDigest;
    assert.equal(record.manifestDigest, manifestDigest, 'both copies are the same image');
    assert.equal(await inspect(registry.host, ami.image!), record.manifestDigest, registry.host);
    // Pulled back, the copy is the same manifest.
    const pulled = join(server.dataDir, 'pulled', ami.region!);
    await mkdir(join(server.dataDir, 'pulled'), { recursive: true });
    await runChecked([
      skopeo,
      '--insecure-policy',
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/kiln/amis/${ami.image}:latest`,
      `oci:${pulled}:latest`,
    ]);
    const index = JSON.parse(await readFile(join(pulled, 'index.json'), 'utf8'));
    assert.equal(index.manifests[0].digest, record.manifestDigest, `pulled from ${registry.host}`);
  }

  // DistributeImage of the same image to eu-west-1: a new copy (a new AMI id, its own
  // repository) of the same manifest, and the registry, content-addressed, stores no new blob.
  const blobsBefore = await storedBlobs(eu);
  assert.ok(blobsBefore.includes(manifestDigest), 'the registry stores the manifest by digest');
  const again = await api.send(
    new DistributeImageCommand({
      sourceImage: builtArn,
      distributionConfigurationArn: await distribution('eu-again', [
        {
          region: 'eu-west-1',
          amiDistributionConfiguration: { name: 'again-{{imagebuilder:buildVersion}}' },
        },
      ]),
      executionRole: 'kiln',
      clientToken: token(),
    }),
  );
  const copied = await settle(again.imageBuildVersionArn as string);
  assert.equal(copied.state?.status, 'AVAILABLE', `${copied.state?.reason}\n${server.output()}`);
  const second = copied.outputResources?.amis ?? [];
  assert.deepEqual(
    second.map((a) => [a.region, a.name]),
    [['eu-west-1', 'again-2']],
  );
  assert.notEqual(second[0]?.image, amis[1]?.image, 'a new copy');
  const record = (await listAmiRecords(server.dataDir, 'eu-west-1')).find(
    (r) => r.image === second[0]?.image,
  );
  assert.equal(record?.manifestDigest, manifestDigest);
  assert.equal(await inspect(eu.host, second[0]!.image!), manifestDigest);
  assert.deepEqual(await storedBlobs(eu), blobsBefore, 'no new blob in the registry');
});
