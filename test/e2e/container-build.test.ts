/**
 * A container recipe built end to end by the engine: Dockerfile template over the shared
 * bookworm parent, one component (build writes a file, test checks it on a fresh instance),
 * an OCI archive skopeo reads with the Dockerfile's runtime config, and a no-op rebuild served
 * from the cache.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import type { ImageBuildRequest } from '../../src/engine/image-build.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import { ACCOUNT, type BuildRecord, componentRecord, engineFor, REGION } from './build-support.js';

const PREFIX = `arn:aws:imagebuilder:${REGION}:${ACCOUNT}`;

const GREETER = `name: greeter
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: WriteGreeting
        action: ExecuteBash
        inputs:
          commands:
            - mkdir -p /opt/greeter
            - echo kiln-container-greeting > /opt/greeter/greeting.txt
  - name: test
    steps:
      - name: CheckGreeting
        action: ExecuteBash
        inputs:
          commands:
            - test "$(cat /opt/greeter/greeting.txt)" = kiln-container-greeting
            - test "$(cat /srv/app/run-line.txt)" = "hello from RUN"
            - echo kiln-container-test-passed
`;

// WORKDIR names a directory that does not exist yet and RUN writes relative to it, as Docker allows.
const DOCKERFILE = `FROM {{{ imagebuilder:parentImage }}}
{{{ imagebuilder:environments }}}
{{{ imagebuilder:components }}}
ENV GREETING="hello from RUN" APP_HOME=/srv/app
WORKDIR /srv/app
RUN echo "$GREETING" > run-line.txt && echo kiln-run-line-ran
LABEL org.example.app=greeter org.example.tier="demo tier"
CMD ["/bin/cat", "/srv/app/run-line.txt"]
`;

let dataDir: string;
let build: ReturnType<typeof engineFor>;
let first: BuildRecord;
let builds = 0;

function containerRequest(layerCache: boolean): ImageBuildRequest {
  builds += 1;
  return {
    imageArn: `${PREFIX}:image/greeter-container/1.0.0/${builds}`,
    account: ACCOUNT,
    region: REGION,
    layerCache,
    image: {
      name: 'greeter-container',
      version: '1.0.0',
      type: 'DOCKER',
      platform: 'Linux',
      containerRecipe: {
        arn: `${PREFIX}:container-recipe/greeter-container/1.0.0`,
        name: 'greeter-container',
        version: '1.0.0',
        containerType: 'DOCKER',
        platform: 'Linux',
        parentImage: 'debian:bookworm',
        components: [{ componentArn: `${PREFIX}:component/greeter/x.x.x` }],
        dockerfileTemplateData: DOCKERFILE,
        workingDirectory: '/tmp',
        targetRepository: { service: 'ECR', repositoryName: 'greeter' },
      },
      infrastructureConfiguration: { instanceTypes: ['kiln.small'] },
      imageTestsConfiguration: { imageTestsEnabled: true },
    },
  };
}

before(async () => {
  requireTool('skopeo', 'skopeo');
  requireTool('tar', 'tar');
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-container-e2e-');
  build = engineFor({ dataDir, cacheDir: testCacheDir() }, [componentRecord('greeter', GREETER)]);
});

after(async () => {
  if (dataDir) await removeTree(dataDir);
});

const launchedInstances = (record: BuildRecord) =>
  record.events.flatMap((e) =>
    e.kind === 'step' && e.record.action === 'LaunchInstance' && e.record.status === 'COMPLETED'
      ? [JSON.parse(String(e.record.outputs)).instanceId as string]
      : [],
  );

/** Every layer above the parent's base layer, extracted in order from the OCI layout. */
async function extractAddedLayers(layoutDir: string, into: string): Promise<number> {
  const blob = (digest: string) => join(layoutDir, 'blobs', ...digest.split(':'));
  const index = JSON.parse(await readFile(join(layoutDir, 'index.json'), 'utf8'));
  const manifest = JSON.parse(await readFile(blob(index.manifests[0].digest), 'utf8'));
  const added = (manifest.layers as { digest: string }[]).slice(1);
  for (const layer of added) await runChecked(['tar', '-xzf', blob(layer.digest), '-C', into]);
  return added.length;
}

/** BUILDING and TESTING both finished: the build reached DISTRIBUTING or beyond. */
function assertBuiltAndTested(record: BuildRecord): void {
  const statuses = record.events.flatMap((e) => (e.kind === 'status' ? [e.status] : []));
  assert.ok(statuses.includes('DISTRIBUTING'), `${record.outcome.reason}\n${record.logs.join('\n')}`);
}

test('builds a container recipe: OCI archive with the Dockerfile config, tested on a fresh instance', async () => {
  first = await build(containerRequest(false));
  assertBuiltAndTested(first);
  // The engine built it as a Docker image: the Docker-only bootstrap step ran, not skipped.
  const bootstrap = first.events.flatMap((e) =>
    e.kind === 'step' && e.record.action === 'BootstrapInstanceForContainer' ? [e.record.status] : [],
  );
  assert.equal(bootstrap.at(-1), 'COMPLETED');

  const artifacts = first.image.kilnArtifacts as Record<string, string>;
  assert.equal(artifacts.rawDisk, undefined, 'a container image has no disks');
  const inspect = JSON.parse(
    (await runChecked(['skopeo', 'inspect', `oci-archive:${artifacts.ociArchive}`])).stdout,
  );
  assert.ok(inspect.Layers.length >= 2, 'the base layer and the Dockerfile layer');
  assert.ok(inspect.Env.includes('GREETING=hello from RUN'), inspect.Env.join(' '));
  assert.ok(inspect.Env.includes('APP_HOME=/srv/app'));
  assert.ok(inspect.Env.some((e: string) => e.startsWith('PATH=')));
  assert.equal(inspect.Labels['org.example.app'], 'greeter');
  assert.equal(inspect.Labels['org.example.tier'], 'demo tier');
  const config = JSON.parse(
    (await runChecked(['skopeo', 'inspect', '--config', `oci-archive:${artifacts.ociArchive}`])).stdout,
  );
  assert.equal(config.config.WorkingDir, '/srv/app');
  assert.deepEqual(config.config.Cmd, ['/bin/cat', '/srv/app/run-line.txt']);

  const tree = await makeTempDir('layers-', { parent: dataDir });
  assert.ok((await extractAddedLayers(artifacts.ociLayout as string, tree)) >= 1);
  assert.equal(await readFile(join(tree, 'opt/greeter/greeting.txt'), 'utf8'), 'kiln-container-greeting\n');
  assert.equal(await readFile(join(tree, 'srv/app/run-line.txt'), 'utf8'), 'hello from RUN\n');

  assert.ok(first.logs.some((l) => l.startsWith('BUILD ') && l.includes('kiln-run-line-ran')));
  assert.ok(first.logs.some((l) => l.startsWith('TEST ') && l.includes('kiln-container-test-passed')));
  const launched = launchedInstances(first);
  assert.ok(launched.length >= 2, 'a build instance and a test instance');
  assert.notEqual(launched[0], launched[1]);
});

test('the container image ends AVAILABLE, published as an OCI layout skopeo reads', async () => {
  assert.equal(first.outcome.status, 'AVAILABLE', first.outcome.reason);
  const output = first.image.outputResources as { containers?: { region: string; imageUris: string[] }[] };
  const uri = output.containers?.[0]?.imageUris[0] ?? '';
  assert.ok(uri?.startsWith('oci:'), JSON.stringify(output));
  const inspected = JSON.parse(
    (await runChecked([requireTool('skopeo', 'skopeo'), 'inspect', uri])).stdout,
  ) as {
    Digest: string;
  };
  assert.equal(inspected.Digest, (first.image.kilnArtifacts as Record<string, string>).manifestDigest);
});

test('a container rebuild with nothing changed is served from the cache', async () => {
  await build(containerRequest(true)); // fills the cache (the first build had it turned off)
  const again = await build(containerRequest(true));
  assertBuiltAndTested(again);
  assert.ok(
    again.logs.some((l) => l.includes('Dockerfile: cached:')),
    again.logs.join('\n'),
  );
  assert.ok(!again.logs.some((l) => l.includes('kiln-run-line-ran')), 'RUN ran again');
  assert.ok(!again.logs.some((l) => l.startsWith('BUILD ') && l.includes('WriteGreeting')));
  const manifest = (r: BuildRecord) => (r.image.kilnArtifacts as Record<string, string>).manifestDigest;
  assert.equal(manifest(again), manifest(first), 'the same image as the uncached build');
  assert.ok(again.logs.some((l) => l.startsWith('TEST ') && l.includes('kiln-container-test-passed')));
});
