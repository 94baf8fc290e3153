/**
 * Real pipelines through the AWS SDK against `kiln server` as a child process, with whatever
 * build engine the server wires (the bwrap sandboxes over a Debian tree): success, a build
 * failure whose reason shows the step's output, a test failure, cancel during a long step,
 * retry, WaitForAction resumed and stopped, a signed webhook to a 127.0.0.1 receiver, and
 * kill -9 during a build followed by a restart.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CancelImageCreationCommand,
  CreateComponentCommand,
  CreateImagePipelineCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  CreateWorkflowCommand,
  GetImageCommand,
  type ImagebuilderClient,
  ListWaitingWorkflowStepsCommand,
  ListWorkflowExecutionsCommand,
  RetryImageCommand,
  SendWorkflowStepActionCommand,
  StartImagePipelineExecutionCommand,
} from '@aws-sdk/client-imagebuilder';
import { kilnCall } from '../../src/cli/kiln-http.js';
import { verifySignature } from '../../src/events/webhooks.js';
import { requireSandboxTools } from '../support/debian.js';
import { type ServerProcess, sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';

const bash = (phase: string, commands: string[]) =>
  `schemaVersion: 1.0\nphases:\n  - name: ${phase}\n    steps:\n      - name: Run\n        action: ExecuteBash\n        inputs:\n          commands:\n${commands.map((c) => `            - ${JSON.stringify(c)}`).join('\n')}\n`;

const WAIT_WORKFLOW = `schemaVersion: 1.0
steps:
  - name: LaunchBuildInstance
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
  - name: Approve
    action: WaitForAction
  - name: ApplyBuildComponents
    action: ExecuteComponents
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
  - name: CreateOutputAMI
    action: CreateImage
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
  - name: TerminateBuildInstance
    action: TerminateInstance
    onFailure: Continue
    inputs:
      instanceId.$: "$.stepOutputs.LaunchBuildInstance.instanceId"
`;

let dataDir: string;
let server: ServerProcess;
let client: ImagebuilderClient;
let infraArn: string;
let n = 0;

const settings = () => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
});

before(async () => {
  requireSandboxTools();
  dataDir = tempDir('pipelines');
  server = await startServerProcess({ dataDir });
  client = sdkClient(server);
  await kilnCall(settings(), 'POST', '/kiln/topics', {}, { name: 'builds' });
  const infra = await client.send(
    new CreateInfrastructureConfigurationCommand({
      name: 'e2e',
      instanceProfileName: 'kiln',
      snsTopicArn: 'arn:aws:sns:us-east-1:000000000000:builds',
      clientToken: 'infra',
    }),
  );
  infraArn = infra.infrastructureConfigurationArn as string;
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

/** A pipeline over one component made of `phases`; returns its ARN. */
async function pipelineOf(phases: Record<string, string[]>, extra: Record<string, unknown> = {}) {
  const name = `e2e-pipe-${++n}`;
  const data = Object.entries(phases)
    .map(([phase, commands]) => bash(phase, commands))
    .map((doc, i) => (i === 0 ? doc : doc.split('phases:\n')[1]))
    .join('');
  const component = await client.send(
    new CreateComponentCommand({
      name,
      semanticVersion: '1.0.0',
      platform: 'Linux',
      data,
      clientToken: `${name}-c`,
    }),
  );
  const recipe = await client.send(
    new CreateImageRecipeCommand({
      name,
      semanticVersion: '1.0.0',
      parentImage: 'debian:bookworm',
      components: [{ componentArn: component.componentBuildVersionArn }],
      clientToken: `${name}-r`,
    }),
  );
  const pipeline = await client.send(
    new CreateImagePipelineCommand({
      name,
      imageRecipeArn: recipe.imageRecipeArn,
      infrastructureConfigurationArn: infraArn,
      clientToken: `${name}-p`,
      ...extra,
    }),
  );
  return pipeline.imagePipelineArn as string;
}

async function start(pipelineArn: string) {
  const out = await client.send(
    new StartImagePipelineExecutionCommand({ imagePipelineArn: pipelineArn, clientToken: `s${++n}` }),
  );
  return out.imageBuildVersionArn as string;
}

async function until(arn: string, done: (status: string) => boolean, what: string, c = client) {
  for (;;) {
    const image = (await c.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image;
    const status = image?.state?.status ?? '';
    if (done(status)) return image;
    if (['AVAILABLE', 'FAILED', 'CANCELLED'].includes(status) && !done(status))
      assert.fail(`${arn} ended ${status} (${image?.state?.reason}) while waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('real pipelines through the AWS SDK', () => {
  it('builds, tests and distributes an image', async () => {
    const arn = await start(
      await pipelineOf({ build: ['echo built > /etc/kiln-e2e'], test: ['grep built /etc/kiln-e2e'] }),
    );
    const image = await until(arn, (s) => s === 'AVAILABLE', 'AVAILABLE');
    assert.ok(image?.outputResources, 'outputResources are set');
    const wfs = await client.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: arn }));
    assert.ok(wfs.workflowExecutions?.some((w) => w.type === 'BUILD' && w.status === 'COMPLETED'));
  });

  it('a build failure names the step and shows its output; retry runs it again', async () => {
    const arn = await start(await pipelineOf({ build: ['echo the-failing-output >&2', 'exit 3'] }));
    const image = await until(arn, (s) => s === 'FAILED', 'FAILED');
    assert.match(image?.state?.reason ?? '', /the-failing-output/);
    assert.match(image?.state?.reason ?? '', /3/);
    await client.send(new RetryImageCommand({ imageBuildVersionArn: arn, clientToken: `r${++n}` }));
    await until(arn, (s) => s === 'FAILED', 'FAILED again');
    const wfs = await client.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: arn }));
    assert.ok(wfs.workflowExecutions?.some((w) => w.retried === true));
  });

  it('a test failure fails the image in TESTING', async () => {
    const arn = await start(await pipelineOf({ build: ['true'], test: ['echo test-said-no >&2', 'exit 1'] }));
    const image = await until(arn, (s) => s === 'FAILED', 'FAILED');
    assert.match(image?.state?.reason ?? '', /test-said-no/);
  });

  it('cancels a long step', async () => {
    const arn = await start(await pipelineOf({ build: ['sleep 600'] }));
    await until(arn, (s) => s === 'BUILDING', 'BUILDING');
    await client.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn, clientToken: `c${++n}` }));
    await until(arn, (s) => s === 'CANCELLED', 'CANCELLED');
  });

  it('WaitForAction holds the build until RESUME, and STOP fails it', async () => {
    const wf = await client.send(
      new CreateWorkflowCommand({
        name: 'approve',
        semanticVersion: '1.0.0',
        type: 'BUILD',
        data: WAIT_WORKFLOW,
        clientToken: 'wf',
      }),
    );
    const extra = { workflows: [{ workflowArn: wf.workflowBuildVersionArn }], executionRole: 'kiln' };
    const [resumed, stopped] = [
      await start(await pipelineOf({ build: ['true'] }, extra)),
      await start(await pipelineOf({ build: ['true'] }, extra)),
    ];
    for (const [arn, action] of [
      [resumed, 'RESUME'],
      [stopped, 'STOP'],
    ] as const) {
      let step: string | undefined;
      while (!step) {
        const waiting = await client.send(new ListWaitingWorkflowStepsCommand({}));
        step = waiting.steps?.find((s) => s.imageBuildVersionArn === arn)?.stepExecutionId;
        if (!step)
          await until(arn, (s) => !['AVAILABLE', 'FAILED', 'CANCELLED'].includes(s), 'a waiting step');
        if (!step) await new Promise((r) => setTimeout(r, 250));
      }
      await client.send(
        new SendWorkflowStepActionCommand({
          stepExecutionId: step,
          imageBuildVersionArn: arn,
          action,
          reason: 'e2e',
          clientToken: `a${++n}`,
        }),
      );
    }
    await until(resumed, (s) => s === 'AVAILABLE', 'AVAILABLE');
    await until(stopped, (s) => s === 'FAILED', 'FAILED');
  });

  it('delivers a signed webhook to a 127.0.0.1 receiver', async () => {
    const bodies: { body: string; signature: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        bodies.push({ body, signature: String(req.headers['x-kiln-signature']) });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    const sub = await kilnCall<{ subscription: { secret: string } }>(
      settings(),
      'POST',
      '/kiln/subscriptions',
      {},
      {
        topicArn: 'arn:aws:sns:us-east-1:000000000000:builds',
        endpoint: url,
      },
    );
    const arn = await start(await pipelineOf({ build: ['true'] }));
    await until(arn, (s) => s === 'AVAILABLE', 'AVAILABLE');
    while (!bodies.some((b) => b.body.includes(arn) && b.body.includes('"AVAILABLE"')))
      await new Promise((r) => setTimeout(r, 100));
    receiver.close();
    for (const b of bodies) assert.ok(verifySignature(sub.subscription.secret, b.signature, b.body));
  });

  it('after kill -9 during a build, the restarted server resumes it or fails it as interrupted', async () => {
    const arn = await start(await pipelineOf({ build: ['sleep 20'] }));
    await until(arn, (s) => s === 'BUILDING', 'BUILDING');
    await server.kill();
    client.destroy();
    server = await startServerProcess({ dataDir });
    client = sdkClient(server);
    const image = await until(
      arn,
      (s) => s === 'AVAILABLE' || s === 'FAILED',
      'the end of the interrupted build',
    );
    if (image?.state?.status === 'FAILED')
      assert.match(image.state.reason ?? '', /^interrupted: the Kiln server stopped during BUILDING/);
  });
});
