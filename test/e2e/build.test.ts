import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { mountsUnder } from '../../src/host/mount.js';
import { runChecked } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';
import type { Digest } from '../../src/images/blob-store.js';
import { ensureSigningKey, parsePublicKey } from '../../src/signing/keys.js';
import { verifyImage } from '../../src/signing/verify.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import {
  type BuildRecord,
  componentRecord,
  engineFor,
  imageRequest,
  nginxDocument,
} from './build-support.js';

const PORT = '18473';
let dataDir: string;
let build: ReturnType<typeof engineFor>;
let first: BuildRecord;

const FAILING = `name: failing
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Explode
        action: ExecuteBash
        inputs:
          commands:
            - echo about to fail kiln-boom-marker
            - exit 7
`;

const SLOW = `name: slow
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sleep
        action: ExecuteBash
        inputs:
          commands:
            - echo kiln-slow-started
            - sleep 120 # kiln-cancel-marker
`;

before(async () => {
  for (const [tool, pkg] of [
    ['skopeo', 'skopeo'],
    ['debugfs', 'e2fsprogs'],
    ['qemu-img', 'qemu-utils'],
  ] as const)
    requireTool(tool, pkg);
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-build-e2e-');
  const records = [
    componentRecord('nginx-web', await nginxDocument()),
    componentRecord('failing', FAILING),
    componentRecord('slow', SLOW),
  ];
  build = engineFor({ dataDir, cacheDir: testCacheDir() }, records);
});

after(async () => {
  if (dataDir) await removeTree(dataDir);
});

const nginx = [{ name: 'nginx-web', parameters: [{ name: 'port', value: [PORT] }] }];

const statNginx = async (raw: string) =>
  (await runChecked(['debugfs', '-R', 'stat /usr/sbin/nginx', raw])).stdout;

test('builds nginx-golden: OCI archive, raw and qcow2 disks, tested on a fresh instance', async () => {
  first = await build(imageRequest({ components: nginx }, false));
  assert.equal(first.outcome.status, 'AVAILABLE', first.outcome.reason);
  const artifacts = first.image.kilnArtifacts as Record<string, string>;
  const inspect = JSON.parse(
    (await runChecked(['skopeo', 'inspect', `oci-archive:${artifacts.ociArchive}`])).stdout,
  );
  assert.ok(inspect.Layers.length >= 3, 'base, component and cleanup layers');
  // The layout is signed with the data directory's key, with a provenance attestation.
  const key = await ensureSigningKey(dataDir);
  const report = await verifyImage({
    layoutDir: artifacts.ociLayout as string,
    manifestDigest: artifacts.manifestDigest as Digest,
    publicKey: parsePublicKey(key.publicKeyPem, 'the data directory key'),
  });
  assert.ok(report.ok, report.failures.join('; '));
  // One changed byte in one layer of a copy of the layout fails verification, naming the layer.
  const tampered = join(dataDir, 'tampered-layout');
  await runChecked(['cp', '-a', artifacts.ociLayout as string, tampered]);
  const layerHex = (inspect.Layers as string[])[1]!.replace('sha256:', '');
  const blob = join(tampered, 'blobs', 'sha256', layerHex);
  const bytes = readFileSync(blob);
  bytes[bytes.length >> 1] = (bytes[bytes.length >> 1] ?? 0) ^ 0xff;
  rmSync(blob);
  writeFileSync(blob, bytes);
  const broken = await verifyImage({
    layoutDir: tampered,
    manifestDigest: artifacts.manifestDigest as Digest,
    publicKey: parsePublicKey(key.publicKeyPem, 'the data directory key'),
  });
  assert.equal(broken.ok, false);
  assert.ok(
    broken.failures.some((f) => f.includes(layerHex)),
    broken.failures.join('; '),
  );
  assert.match(await statNginx(artifacts.rawDisk as string), /Type: regular/);
  const fromQcow = join(dataDir, 'from-qcow2.raw');
  await runChecked([
    'qemu-img',
    'convert',
    '-f',
    'qcow2',
    '-O',
    'raw',
    artifacts.qcow2Disk as string,
    fromQcow,
  ]);
  assert.match(await statNginx(fromQcow), /Type: regular/);
  // The test phase fetched the page, on an instance other than the build instance.
  assert.ok(
    first.logs.some((l) => l.startsWith('TEST ') && l.includes('Hello from the Kiln nginx-golden image')),
  );
  const launched = first.events.flatMap((e) =>
    e.kind === 'step' && e.record.action === 'LaunchInstance' && e.record.status === 'COMPLETED'
      ? [JSON.parse(String(e.record.outputs)).instanceId as string]
      : [],
  );
  assert.equal(launched.length, 2);
  assert.notEqual(launched[0], launched[1]);
  assert.ok(first.logs.some((l) => l.includes('not cached: layer cache turned off')));
  const amis = (first.image.outputResources as { amis: { name: string; image: string }[] }).amis;
  assert.match(amis[0]?.name ?? '', /^nginx-golden-\d{4}-\d\d-\d\dT/);
  assert.match(amis[0]?.image ?? '', /^ami-[0-9a-f]{17}$/);
  assert.match(String(first.image.osVersion), /Debian GNU\/Linux 12/);
});

test('a second build is served from the layer cache', async () => {
  const second = await build(imageRequest({ components: nginx }));
  assert.equal(second.outcome.status, 'AVAILABLE', second.outcome.reason);
  assert.ok(
    second.logs.some((l) => l.includes('nginx-web: cached:')),
    second.logs.join('\n'),
  );
  assert.ok(!second.logs.some((l) => l.includes('apt-get install')));
  assert.ok(second.timing('BUILDING') < first.timing('BUILDING'));
});

test('a failing component fails the image with the step and its output', async () => {
  const failed = await build(imageRequest({ name: 'failing-image', components: [{ name: 'failing' }] }));
  assert.equal(failed.outcome.status, 'FAILED');
  assert.equal(failed.outcome.failedStage, 'BUILD');
  assert.match(failed.outcome.reason ?? '', /ApplyBuildComponents/);
  assert.match(failed.outcome.reason ?? '', /exit code 7/);
  assert.match(failed.outcome.reason ?? '', /kiln-boom-marker/);
});

const markerProcesses = () =>
  readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('kiln-cancel-marker');
      } catch {
        return false;
      }
    });

test('cancelling mid-step ends CANCELLED with no instance, mount or process left', async () => {
  const controller = new AbortController();
  const cancelled = await build(imageRequest({ name: 'slow-image', components: [{ name: 'slow' }] }), {
    signal: controller.signal,
    onEvent: (e) => {
      if (e.kind === 'log' && e.line.text.includes('kiln-slow-started'))
        controller.abort(new Error('test cancels'));
    },
  });
  assert.equal(cancelled.outcome.status, 'CANCELLED');
  const stateDir = join(testCacheDir(), 'instances');
  const ours = cancelled.events.flatMap((e) =>
    e.kind === 'step' && e.record.action === 'LaunchInstance' && e.record.outputs
      ? [JSON.parse(String(e.record.outputs)).instanceId as string]
      : [],
  );
  for (const id of ours) assert.ok(!existsSync(join(stateDir, `${id}.json`)), `instance record ${id} left`);
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  for (const id of ours) assert.ok(!mountinfo.includes(id), `a mount of ${id} is left`);
  assert.deepEqual(mountsUnder(dataDir), []);
  assert.deepEqual(markerProcesses(), []);
});
