/**
 * Lifecycle executions through the real edges: the five API operations with the AWS SDK, the
 * /kiln/lifecycle endpoints through `kiln lifecycle preview|run|executions`, over images built
 * by the scripted engine (the engine seam's fake) with AMI records on disk. The lifecycle
 * runner is started here on the server's store; when the composition root runs one too, the
 * two share the queue safely (claims are compare-and-set).
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import {
  CancelLifecycleExecutionCommand,
  CreateImageCommand,
  CreateLifecyclePolicyCommand,
  GetImageCommand,
  GetLifecycleExecutionCommand,
  ImagebuilderClient,
  ListImagesCommand,
  ListLifecycleExecutionResourcesCommand,
  ListLifecycleExecutionsCommand,
  StartResourceStateUpdateCommand,
} from '@aws-sdk/client-imagebuilder';
import { type KilnServer, startKilnServer } from '../../src/app/kiln-server.js';
import { systemClock } from '../../src/core/clock.js';
import { readAmiRecord, writeAmiRecord } from '../../src/distribution/ami-store.js';
import { main } from '../../src/cli/main.js';
import { LifecycleRunner } from '../../src/lifecycle/runner.js';
import { fetchDocument } from '../../src/service/documents.js';
import { basics, openHarness, ScriptedEngine, TEST_CONFIG } from '../../src/worker/testing.js';
import { tempDir } from '../support/kiln-server.js';

let server: KilnServer;
let runner: LifecycleRunner;
let client: ImagebuilderClient;
let env: Record<string, string>;
let refs: Awaited<ReturnType<typeof basics>>;
const images: string[] = [];
const amiOf = (n: number) => `ami-${(0xabc00000 + n).toString(16)}`;

before(async () => {
  const dataDir = tempDir('lifecycle');
  const h = await openHarness({ dataDir });
  refs = await basics(h);
  await h.store.close();
  server = await startKilnServer(TEST_CONFIG(dataDir), {
    env: {},
    engine: new ScriptedEngine(),
    timings: { workerPollMs: 50, heartbeatMs: 100 },
  });
  runner = new LifecycleRunner({
    deps: { store: server.store, clock: systemClock, config: server.config, fetchDocument },
    pollMs: 100,
  });
  runner.start();
  const credentials = {
    accessKeyId: server.admin.accessKey.accessKeyId,
    secretAccessKey: server.admin.accessKey.secretAccessKey,
  };
  client = new ImagebuilderClient({
    endpoint: server.api.url,
    region: 'us-east-1',
    credentials,
    maxAttempts: 1,
  });
  env = {
    KILN_ENDPOINT: server.api.url,
    KILN_ACCESS_KEY_ID: credentials.accessKeyId,
    KILN_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };
  // Three builds of web/1.0.0, each distributed as one AMI.
  for (let n = 0; n < 3; n++) {
    const made = await client.send(
      new CreateImageCommand({
        imageRecipeArn: refs.imageRecipeArn,
        infrastructureConfigurationArn: refs.infrastructureConfigurationArn,
        clientToken: `image-${n}`,
      }),
    );
    const arn = made.imageBuildVersionArn as string;
    await until(async () => (await image(arn)).state?.status === 'AVAILABLE');
    await writeAmiRecord(dataDir, {
      region: 'us-east-1',
      image: amiOf(n),
      name: `web-${n}`,
      accountId: '111122223333',
      tags: {},
      manifestDigest: `sha256:${'c'.repeat(64)}`,
      imageArn: arn,
      creationDate: new Date().toISOString(),
    });
    images.push(arn);
  }
});

after(async () => {
  client?.destroy();
  await runner?.stop();
  await server?.stop();
});

/** Polls until `check` holds; gives up (failing the test) after 1,200 tries, not hanging it. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 1_200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail('the condition never held');
}

const image = async (arn: string) =>
  (await client.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image ?? {};

async function kiln(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d: Buffer) => {
    stdout += d.toString();
  });
  err.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await main(args, { stdout: out, stderr: err, env, cwd: process.cwd() });
  return { code, stdout, stderr };
}

const execution = async (id: string) =>
  (await client.send(new GetLifecycleExecutionCommand({ lifecycleExecutionId: id }))).lifecycleExecution ??
  {};

describe('lifecycle executions through the SDK and the CLI', () => {
  let policyArn: string;

  it('previews a COUNT policy without changing anything, then runs it with kiln lifecycle run --wait', async () => {
    const made = await client.send(
      new CreateLifecyclePolicyCommand({
        name: 'keep-newest',
        executionRole: 'lifecycle',
        resourceType: 'AMI_IMAGE',
        policyDetails: [
          {
            action: { type: 'DELETE', includeResources: { amis: true } },
            filter: { type: 'COUNT', value: 1 },
          },
        ],
        resourceSelection: { recipes: [{ name: 'web', semanticVersion: '1.x.x' }] },
        clientToken: 'policy',
      }),
    );
    policyArn = made.lifecyclePolicyArn as string;
    const preview = await kiln('lifecycle', 'preview', 'keep-newest');
    assert.equal(preview.code, 0, preview.stderr);
    const rows = preview.stdout.split('\n');
    assert.match(rows[0] ?? '', /^IMAGE\s+ACTION\s+REASON$/);
    assert.match(rows.find((r) => r.startsWith(images[2] as string)) ?? '', /KEEP\s+DELETE: retained/);
    assert.match(
      rows.find((r) => r.startsWith(images[0] as string)) ?? '',
      /DELETE\s+not among the newest 1/,
    );
    assert.match(preview.stdout, /0 DEPRECATE, 0 DISABLE, 2 DELETE, 0 SKIPPED, 1 KEEP/);
    for (const arn of images) assert.equal((await image(arn)).state?.status, 'AVAILABLE');
    const none = await client.send(new ListLifecycleExecutionsCommand({ resourceArn: policyArn }));
    assert.deepEqual(none.lifecycleExecutions, []);

    const run = await kiln('lifecycle', 'run', 'keep-newest', '--wait');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^lce-[0-9a-f-]{36} SUCCESS\n/);
    await assert.rejects(image(images[0] as string), { name: 'ResourceNotFoundException' });
    await assert.rejects(image(images[1] as string), { name: 'ResourceNotFoundException' });
    assert.equal((await image(images[2] as string)).state?.status, 'AVAILABLE');
    assert.equal(await readAmiRecord(server.config.dataDir, 'us-east-1', amiOf(0)), undefined);
    assert.ok(await readAmiRecord(server.config.dataDir, 'us-east-1', amiOf(2)));
  });

  it('lists, gets and lists the resources of the execution in the model shapes', async () => {
    const list = await client.send(new ListLifecycleExecutionsCommand({ resourceArn: policyArn }));
    assert.equal(list.lifecycleExecutions?.length, 1);
    const [exec] = list.lifecycleExecutions ?? [];
    const id = exec?.lifecycleExecutionId as string;
    assert.match(id, /^lce-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.equal(exec?.lifecyclePolicyArn, policyArn);
    assert.deepEqual(exec?.state, { status: 'SUCCESS' });
    assert.deepEqual(exec?.resourcesImpactedSummary, { hasImpactedResources: true });
    assert.ok(exec?.startTime instanceof Date && exec.endTime instanceof Date);
    assert.ok((exec?.endTime as Date) >= (exec?.startTime as Date));
    assert.deepEqual(await execution(id), exec);

    const top = await client.send(new ListLifecycleExecutionResourcesCommand({ lifecycleExecutionId: id }));
    assert.deepEqual(top.lifecycleExecutionState, { status: 'SUCCESS' });
    assert.deepEqual(
      top.resources?.map((r) => [r.resourceId, r.action?.name, r.state?.status, r.region, r.accountId]),
      [
        [images[1], 'DELETE', 'SUCCESS', 'us-east-1', '111122223333'],
        [images[0], 'DELETE', 'SUCCESS', 'us-east-1', '111122223333'],
      ],
    );
    const page = await client.send(
      new ListLifecycleExecutionResourcesCommand({ lifecycleExecutionId: id, maxResults: 1 }),
    );
    assert.equal(page.resources?.length, 1);
    const rest = await client.send(
      new ListLifecycleExecutionResourcesCommand({
        lifecycleExecutionId: id,
        maxResults: 1,
        nextToken: page.nextToken,
      }),
    );
    assert.equal(rest.resources?.[0]?.resourceId, images[0]);
    assert.equal(rest.nextToken, undefined);
    const amis = await client.send(
      new ListLifecycleExecutionResourcesCommand({ lifecycleExecutionId: id, parentResourceId: images[0] }),
    );
    assert.deepEqual(
      amis.resources?.map((r) => [r.resourceId, r.action?.name, r.state?.status]),
      [[amiOf(0), 'DELETE', 'SUCCESS']],
    );
    const byImage = await client.send(new ListLifecycleExecutionsCommand({ resourceArn: images[0] }));
    assert.deepEqual(
      byImage.lifecycleExecutions?.map((e) => e.lifecycleExecutionId),
      [id],
    );
    const table = await kiln('lifecycle', 'executions', policyArn);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, new RegExp(`${id}\\s+SUCCESS`));
  });

  it('StartResourceStateUpdate deprecates an image: it leaves ListImages until includeDeprecated', async () => {
    const arn = images[2] as string;
    const started = await client.send(
      new StartResourceStateUpdateCommand({
        resourceArn: arn,
        state: { status: 'DEPRECATED' },
        includeResources: { amis: true },
        clientToken: 'deprecate',
      }),
    );
    const id = started.lifecycleExecutionId as string;
    assert.equal(started.resourceArn, arn);
    await until(async () => (await execution(id)).state?.status === 'SUCCESS');
    const img = await image(arn);
    assert.equal(img.state?.status, 'DEPRECATED');
    assert.equal(img.lifecycleExecutionId, id);
    assert.ok(img.deprecationTime instanceof Date);
    assert.equal((await readAmiRecord(server.config.dataDir, 'us-east-1', amiOf(2)))?.state, 'deprecated');
    const listed = await client.send(new ListImagesCommand({}));
    assert.deepEqual(listed.imageVersionList, []);
    const all = await client.send(new ListImagesCommand({ includeDeprecated: true }));
    assert.deepEqual(
      all.imageVersionList?.map((i) => i.arn),
      [arn.replace(/\/\d+$/, '')],
    );
    const byImage = await client.send(new ListLifecycleExecutionsCommand({ resourceArn: arn }));
    assert.ok(
      byImage.lifecycleExecutions?.some((e) => e.lifecycleExecutionId === id && !e.lifecyclePolicyArn),
    );
  });

  it('refuses a DELETED update without includeResources, and cancels a scheduled update', async () => {
    const arn = images[2] as string;
    await assert.rejects(
      client.send(
        new StartResourceStateUpdateCommand({
          resourceArn: arn,
          state: { status: 'DELETED' },
          clientToken: 'd',
        }),
      ),
      { name: 'InvalidParameterCombinationException' },
    );
    const later = await client.send(
      new StartResourceStateUpdateCommand({
        resourceArn: arn,
        state: { status: 'AVAILABLE' },
        updateAt: new Date(Date.now() + 3_600_000),
        clientToken: 'later',
      }),
    );
    const id = later.lifecycleExecutionId as string;
    assert.equal((await execution(id)).state?.status, 'PENDING');
    const cancelled = await client.send(
      new CancelLifecycleExecutionCommand({ lifecycleExecutionId: id, clientToken: 'c1' }),
    );
    assert.equal(cancelled.lifecycleExecutionId, id);
    assert.equal((await execution(id)).state?.status, 'CANCELLED');
    await assert.rejects(
      client.send(new CancelLifecycleExecutionCommand({ lifecycleExecutionId: id, clientToken: 'c2' })),
      { name: 'ResourceInUseException' },
    );
    assert.equal((await image(arn)).state?.status, 'DEPRECATED');
    await assert.rejects(execution('lce-00000000-0000-0000-0000-000000000000'), {
      name: 'ResourceNotFoundException',
    });
  });
});
