/**
 * Parent images with real tools: a layered build on a Kiln image ARN with wildcards (a new
 * parent build changes key_0 and the app rebuilds), an `ssm:` parent from the parameter store,
 * imports of a root tar (ImportVmImage) and of a raw disk (ImportDiskImage) built upon, and
 * RetryImage from the TEST stage.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import { IMPORT_HANDLERS } from '../../src/service/imports.js';
import { putParameter } from '../../src/service/parameters.js';
import { openSqliteStore } from '../../src/store/sqlite/open.js';
import type { Store } from '../../src/store/store.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import type { BuildRecord } from './build-support.js';
import {
  CTX,
  PREFIX,
  putComponent,
  recordImage,
  requestOn,
  serviceDeps,
  storeEngine,
} from './parents-support.js';

const marker = (name: string, file: string, text: string, check = 'true') => `name: ${name}
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands:
            - mkdir -p $(dirname ${file}) && echo ${text} > ${file}
  - name: validate
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands:
            - ${check}
`;

const PORT = 18491;
const PROBE = `name: probe
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Nothing
        action: ExecuteBash
        inputs:
          commands:
            - echo built > /etc/kiln-probe
  - name: test
    steps:
      - name: Reach
        action: ExecuteBash
        inputs:
          commands:
            - exec 3<>/dev/tcp/127.0.0.1/${PORT} && echo kiln-probe-reached
`;

let dataDir: string;
let store: Store;
let build: ReturnType<typeof storeEngine>;
let baseArtifacts: Record<string, string>;

const app = [{ name: 'app-marker' }];

async function built(request: Parameters<typeof build>[0]): Promise<BuildRecord> {
  const result = await build(request);
  assert.equal(result.outcome.status, 'AVAILABLE', `${result.outcome.reason}\n${result.logs.join('\n')}`);
  await recordImage(store, request, result);
  return result;
}

const cat = async (raw: string, path: string) =>
  (await runChecked(['debugfs', '-R', `cat ${path}`, raw])).stdout.trim();
const parentOf = (b: BuildRecord) =>
  (b.image.resolvedReferences as { parentImage: { resolved: string; digest: string; via?: string[] } })
    .parentImage;

before(async () => {
  requireTool('debugfs', 'e2fsprogs');
  requireTool('qemu-img', 'qemu-utils');
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-parents-e2e-');
  store = await openSqliteStore(dataDir);
  await putComponent(store, 'base-marker', marker('base-marker', '/etc/kiln-base-marker', 'base-1'));
  await putComponent(
    store,
    'app-marker',
    marker('app-marker', '/opt/kiln-app-marker', 'app', 'test -s /etc/debian_version && test -u /usr/bin/su'),
  );
  await putComponent(store, 'probe', PROBE);
  build = storeEngine({ dataDir, cacheDir: testCacheDir() }, store);
});

after(async () => {
  await store?.close();
  if (dataDir) await removeTree(dataDir);
});

test('an app recipe builds on the newest base image; a new base build changes key_0 and the app rebuilds', async () => {
  const base1 = await built(
    requestOn('debian:bookworm', { name: 'base', components: [{ name: 'base-marker' }] }),
  );
  baseArtifacts = base1.image.kilnArtifacts as Record<string, string>;
  const app1 = await built(requestOn(`${PREFIX}:image/base/1.x.x`, { name: 'app', components: app }));
  assert.match(parentOf(app1).resolved, /:image\/base\/1\.0\.0\/\d+$/);
  assert.equal(parentOf(app1).digest, baseArtifacts.manifestDigest);
  const raw = (app1.image.kilnArtifacts as Record<string, string>).rawDisk as string;
  assert.equal(await cat(raw, '/etc/kiln-base-marker'), 'base-1');
  assert.equal(await cat(raw, '/opt/kiln-app-marker'), 'app');

  // A new build of the base component makes a new base image: the app's key_0 changes. (Builds
  // are reproducible: the nonce keeps the shared layer cache of earlier runs from serving it.)
  const second = `base-2-${randomUUID().slice(0, 8)}`;
  await putComponent(
    store,
    'base-marker',
    marker('base-marker', '/etc/kiln-base-marker', second),
    '1.0.0',
    2,
  );
  const base2 = await built(
    requestOn('debian:bookworm', { name: 'base', components: [{ name: 'base-marker' }] }),
  );
  const app2 = await built(requestOn(`${PREFIX}:image/base/1.x.x`, { name: 'app', components: app }));
  assert.equal(parentOf(app2).digest, (base2.image.kilnArtifacts as Record<string, string>).manifestDigest);
  assert.notEqual(parentOf(app2).digest, parentOf(app1).digest);
  assert.ok(
    app2.logs.some((l) => l.includes('not cached: the parent image or an earlier component changed')),
  );
  const raw2 = (app2.image.kilnArtifacts as Record<string, string>).rawDisk as string;
  assert.equal(await cat(raw2, '/etc/kiln-base-marker'), second);
});

test('an ssm: parent resolves through the parameter store to an image id', async () => {
  const newest = (
    await store.findByName({ account: CTX.account, region: CTX.region, type: 'image' }, 'base')
  ).sort((a, b) => b.build - a.build)[0];
  const ami = (newest?.body.kilnArtifacts as { imageId: string }).imageId;
  await putParameter(serviceDeps(store, dataDir), CTX, {
    name: '/kiln/base',
    value: ami,
    type: 'aws:ec2:image',
  });
  const app3 = await built(requestOn('ssm:/kiln/base', { name: 'app', components: app }));
  assert.equal(parentOf(app3).resolved, newest?.arn);
  assert.ok(parentOf(app3).via?.[0]?.startsWith(`ssm:/kiln/base = ${ami}`));
  // The same parent content as the last ARN build: the app's layer comes from the cache.
  assert.ok(
    app3.logs.some((l) => l.includes('app-marker: cached:')),
    app3.logs.join('\n'),
  );
});

test('an imported root tar is a parent (ImportVmImage)', async () => {
  const tar = join(dataDir, 'root.tar');
  await runChecked([
    'tar',
    '--create',
    `--file=${tar}`,
    `--directory=${await sharedBookworm()}`,
    '--xattrs',
    '.',
  ]);
  const answer = await IMPORT_HANDLERS.ImportVmImage?.(serviceDeps(store, dataDir), CTX, {
    name: 'imported-tar',
    semanticVersion: '1.0.0',
    platform: 'Linux',
    vmImportTaskId: `tar:${tar}`,
    clientToken: 't1',
  });
  const arn = String(answer?.imageArn);
  const record = await store.getResource(arn);
  assert.equal(record?.body.imageSource, 'IMPORTED');
  assert.equal(record?.body.buildType, 'IMPORT');
  assert.deepEqual(record?.body.state, { status: 'AVAILABLE' });
  const app4 = await built(requestOn(`${PREFIX}:image/imported-tar/x.x.x`, { name: 'app', components: app }));
  assert.equal(parentOf(app4).resolved, arn);
  const raw = (app4.image.kilnArtifacts as Record<string, string>).rawDisk as string;
  assert.equal(await cat(raw, '/opt/kiln-app-marker'), 'app');
});

test('an imported raw disk is a parent by its image id (ImportDiskImage)', async () => {
  const infra = `${PREFIX}:infrastructure-configuration/infra`;
  await store.insert(
    {
      ...{ arn: infra, account: CTX.account, region: CTX.region, type: 'infrastructure-configuration' },
      ...{ nameKey: 'infra', versionKey: '', build: 0, body: { arn: infra, name: 'infra' }, tags: {} },
      ...{ policy: undefined, dateCreated: 0, dateUpdated: 0 },
    },
    [],
  );
  const answer = await IMPORT_HANDLERS.ImportDiskImage?.(serviceDeps(store, dataDir), CTX, {
    name: 'imported-disk',
    semanticVersion: '2.0.0',
    platform: 'Linux',
    osVersion: 'Debian 12',
    infrastructureConfigurationArn: infra,
    uri: `file://${baseArtifacts.rawDisk}`,
    clientToken: 't2',
  });
  const record = await store.getResource(String(answer?.imageBuildVersionArn));
  const ami = (record?.body.outputResources as { amis: { image: string }[] }).amis[0]?.image as string;
  // The app's validate phase checks that setuid bits survived the disk import (test -u /usr/bin/su).
  const app5 = await built(requestOn(ami, { name: 'app', components: app }));
  assert.equal(parentOf(app5).resolved, record?.arn);
  const raw = (app5.image.kilnArtifacts as Record<string, string>).rawDisk as string;
  assert.equal(await cat(raw, '/etc/kiln-base-marker'), 'base-1');
  assert.equal(await cat(raw, '/opt/kiln-app-marker'), 'app');
});

test('RetryImage from TEST reuses the failed run’s image and runs only TEST and DISTRIBUTION', async () => {
  const request = requestOn(
    'debian:bookworm',
    { name: 'probe-image', components: [{ name: 'probe' }] },
    true,
  );
  const failed = await build(request);
  assert.equal(failed.outcome.status, 'FAILED');
  assert.equal(failed.outcome.failedStage, 'TEST');
  const server: Server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(PORT, '127.0.0.1', resolve));
  try {
    const retried = await build({
      ...request,
      image: { ...request.image, ...failed.image },
      resumeFromStage: 'TEST',
    });
    assert.equal(retried.outcome.status, 'AVAILABLE', retried.logs.join('\n'));
    const statuses = retried.events.flatMap((e) => (e.kind === 'status' ? [e.status] : []));
    assert.deepEqual(statuses, ['CREATING', 'TESTING', 'DISTRIBUTING', 'INTEGRATING', 'AVAILABLE']);
    const imageId = (failed.image.kilnArtifacts as { imageId: string }).imageId;
    assert.ok(retried.logs.some((l) => l.includes(`reusing image ${imageId}`)));
    assert.ok(retried.logs.some((l) => l.includes('kiln-probe-reached')));
    const amis = (retried.image.outputResources as { amis: { image: string }[] }).amis;
    assert.equal(amis[0]?.image, imageId);
  } finally {
    server.close();
  }
});
