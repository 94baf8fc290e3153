/**
 * A really built container image distributed to three regions: two whose artifact stores are
 * OCI registries (two Debian docker-registry servers on 127.0.0.1) and one directory store.
 * The registries are checked by pulling the image back with skopeo.
 */
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { systemClock } from '../../src/core/clock.js';
import { createImageBuildEngine } from '../../src/engine/build-engine.js';
import type { BuildEvent, ImageBuildRequest } from '../../src/engine/image-build.js';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
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

before(async () => {
  requireTool('skopeo', 'skopeo');
  await sharedBookworm();
  registries = await Promise.all([startRegistry(), startRegistry()]);
  dataDir = await makeTempDir('kiln-distribution-registries-e2e-');
});

after(async () => {
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
