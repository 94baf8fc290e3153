import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startRegistry, type TestRegistry } from '../../../test/support/registry.js';
import { ManualClock } from '../../core/clock.js';
import { inspectRemote } from '../../distribution/registry.js';
import { makeTempDir, removeTree } from '../../host/fs.js';
import { requireTool } from '../../host/tools.js';
import { DirectoryBlobStore } from '../../images/blob-store.js';
import { captureBaseLayer } from '../../images/layers.js';
import { exportOciLayout, type OciImage, writeOciImage } from '../../images/oci.js';
import type { ActionContext } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import type { BuildEvent } from '../image-build.js';
import { containerTargets, distributeContainerImageAction } from './distribute-container-image.js';

const REGIONS = ['us-east-1', 'us-west-2', 'eu-west-1'];

test('container targets: each distribution, else the recipe repository in the build region', () => {
  const config = {
    distributions: [
      {
        region: 'us-west-2',
        containerDistributionConfiguration: { targetRepository: { repositoryName: 'a' } },
      },
      { region: 'eu-west-1', amiDistributionConfiguration: {} },
    ],
  };
  assert.deepEqual(
    containerTargets(config, 'recipe-repo', 'us-east-1', REGIONS).map((t) => [
      t.region,
      t.configuration.targetRepository.repositoryName,
    ]),
    [
      ['us-west-2', 'a'],
      ['us-east-1', 'recipe-repo'],
    ],
  );
  const inBuildRegion = {
    distributions: [
      {
        region: 'us-east-1',
        containerDistributionConfiguration: { targetRepository: { repositoryName: 'b' } },
      },
    ],
  };
  assert.deepEqual(
    containerTargets(inBuildRegion, 'recipe-repo', 'us-east-1', REGIONS).map((t) => t.region),
    ['us-east-1'],
  );
  assert.deepEqual(containerTargets(undefined, undefined, 'us-east-1', REGIONS), []);
  assert.throws(
    () =>
      containerTargets(
        { distributions: [{ region: 'mars-1', containerDistributionConfiguration: {} }] },
        undefined,
        'us-east-1',
        REGIONS,
      ),
    /distributions\[0\]\.region 'mars-1' is not one of Kiln's regions/,
  );
});

let live: TestRegistry;
let gone: TestRegistry;
let work: string;
let image: OciImage;
let blobs: DirectoryBlobStore;
let imageDir: string;

before(async () => {
  requireTool('skopeo', 'skopeo');
  [live, gone] = await Promise.all([startRegistry(), startRegistry()]);
  await gone.stop();
  work = await makeTempDir('kiln-distribute-container-test-', { memory: false });
  const root = join(work, 'root');
  await mkdir(join(root, 'srv'), { recursive: true });
  await writeFile(join(root, 'srv', 'hello'), 'hello\n');
  blobs = new DirectoryBlobStore(join(work, 'blobs'));
  image = await writeOciImage(blobs, [await captureBaseLayer(root, blobs, { sourceDateEpoch: 1 })], {
    created: 1,
  });
  imageDir = join(work, 'images', 'i-1');
  await exportOciLayout(blobs, image, join(imageDir, 'oci'));
});

after(async () => {
  await live?.stop();
  if (work) await removeTree(work);
});

/** The parts of a build the action reads, for a captured container image. */
function context(events: BuildEvent[]): BuildContext {
  const repo = (region: string) => ({
    region,
    containerDistributionConfiguration: { targetRepository: { service: 'ECR', repositoryName: 'team/app' } },
  });
  return {
    request: {
      region: 'us-east-1',
      imageArn: 'arn:aws:imagebuilder:us-east-1:111122223333:image/app/1.0.0/7',
    },
    image: { distributionConfiguration: { distributions: REGIONS.map(repo) } },
    recipe: { version: '1.0.0' },
    paths: { regionsDir: join(work, 'regions') },
    regionStores: {
      'us-west-2': { type: 'registry', url: live.host, tlsVerify: false },
      'eu-west-1': { type: 'registry', url: gone.host, tlsVerify: false },
    },
    clock: new ManualClock(Date.UTC(2024, 0, 1)),
    blobs,
    captured: { imageId: 'i-1', dir: imageDir, oci: image, lowerDirs: [], outputs: {} },
    stage: 'DISTRIBUTION',
    emit: async (e: BuildEvent) => {
      events.push(e);
    },
  } as unknown as BuildContext;
}

test('registry regions are pushed, directory regions get layouts, and one failed region fails alone', async () => {
  const events: BuildEvent[] = [];
  const action = distributeContainerImageAction(context(events), REGIONS);
  const actx = { signal: new AbortController().signal } as ActionContext;
  await assert.rejects(
    action.run({}, actx),
    new RegExp(`container distribution failed in eu-west-1 \\(.*${gone.host.replaceAll('.', '\\.')}`),
  );
  const emitted = events.find((e) => e.kind === 'image') as { members: Record<string, unknown> } | undefined;
  const layout = join(work, 'regions', 'us-east-1', 'repositories', 'team', 'app', '1.0.0-7');
  assert.deepEqual(emitted?.members, {
    outputResources: {
      containers: [
        { region: 'us-east-1', imageUris: [`oci:${layout}:1.0.0-7`] },
        { region: 'us-west-2', imageUris: [`${live.host}/team/app:1.0.0-7`] },
      ],
    },
  });
  assert.equal(
    await inspectRemote(`${live.host}/team/app:1.0.0-7`, { insecure: true }),
    image.manifestDigest,
  );
  const logs = events.flatMap((e) => (e.kind === 'log' ? [e.line.text] : []));
  assert.ok(
    logs.some((l) => l.startsWith('eu-west-1: ') && l.includes('connection refused')),
    logs.join('\n'),
  );
});
