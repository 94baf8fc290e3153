/**
 * The AMI workflow step actions through a real `kiln server` (bwrap instances over a Debian
 * tree): RunCommand (a shell script and a recipe component's phase) and RegisterImage in a
 * custom BUILD workflow, RunCommand in a TEST workflow, ModifyImageAttributes and
 * ApplyImageConfigurations in a DISTRIBUTION workflow; and debugging in place: a failed build
 * keeps its instance, `kiln instance shell` opens a shell in it, `kiln image retry` continues.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import {
  CreateComponentCommand,
  CreateImageCommand,
  CreateImageRecipeCommand,
  CreateInfrastructureConfigurationCommand,
  CreateWorkflowCommand,
  GetWorkflowStepExecutionCommand,
  type ImagebuilderClient,
  ListWorkflowExecutionsCommand,
  ListWorkflowStepExecutionsCommand,
} from '@aws-sdk/client-imagebuilder';
import { kilnCall } from '../../src/cli/kiln-http.js';
import { requireSandboxTools } from '../support/debian.js';
import { type ServerProcess, sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';
import {
  BUILD_WORKFLOW,
  DISTRIBUTION_WORKFLOW,
  debugWorkflow,
  kilnCli,
  TEST_WORKFLOW,
  until,
} from './workflow-actions-support.js';

let server: ServerProcess;
let client: ImagebuilderClient;
let n = 0;
const token = () => `t${++n}`;

const settings = () => ({
  endpoint: server.url,
  region: 'us-east-1',
  credentials: { accessKeyId: server.accessKeyId, secretAccessKey: server.secretAccessKey },
});
/** GetImage as the server answers it, with Kiln's extra members the SDK would drop. */
const rawImage = async (arn: string) =>
  (
    await kilnCall<{ image: Record<string, unknown> }>(settings(), 'GET', '/GetImage', {
      imageBuildVersionArn: arn,
    })
  ).image;

before(async () => {
  requireSandboxTools();
  server = await startServerProcess({ dataDir: tempDir('workflow-actions') });
  client = sdkClient(server);
});

after(async () => {
  client?.destroy();
  await server?.stop();
});

async function workflow(name: string, type: 'BUILD' | 'TEST' | 'DISTRIBUTION', data: string) {
  const wf = await client.send(
    new CreateWorkflowCommand({ name, semanticVersion: '1.0.0', type, data, clientToken: token() }),
  );
  return wf.workflowBuildVersionArn as string;
}

/** A recipe of one component (build writes a file, validate checks it); returns both ARNs. */
async function recipe(name: string) {
  const data = `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Write
        action: ExecuteBash
        inputs:
          commands: ["echo component > /etc/kiln-component"]
  - name: validate
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ["echo validated-by-run-command", "grep -q component /etc/kiln-component"]
`;
  const c = await client.send(
    new CreateComponentCommand({
      name,
      semanticVersion: '1.0.0',
      platform: 'Linux',
      data,
      clientToken: token(),
    }),
  );
  const r = await client.send(
    new CreateImageRecipeCommand({
      name,
      semanticVersion: '1.0.0',
      parentImage: 'debian:bookworm',
      components: [{ componentArn: c.componentBuildVersionArn }],
      clientToken: token(),
    }),
  );
  return { componentArn: c.componentBuildVersionArn as string, recipeArn: r.imageRecipeArn as string };
}

async function infra(name: string, terminateInstanceOnFailure: boolean) {
  const out = await client.send(
    new CreateInfrastructureConfigurationCommand({
      name,
      instanceProfileName: 'kiln',
      terminateInstanceOnFailure,
      clientToken: token(),
    }),
  );
  return out.infrastructureConfigurationArn as string;
}

async function steps(arn: string) {
  const wfs = await client.send(new ListWorkflowExecutionsCommand({ imageBuildVersionArn: arn }));
  const out: Record<string, { status?: string; message?: string; outputs: Record<string, unknown> }> = {};
  for (const wf of wfs.workflowExecutions ?? []) {
    const list = await client.send(
      new ListWorkflowStepExecutionsCommand({ workflowExecutionId: wf.workflowExecutionId }),
    );
    for (const s of list.steps ?? []) {
      const step = await client.send(
        new GetWorkflowStepExecutionCommand({ stepExecutionId: s.stepExecutionId }),
      );
      out[`${wf.type}/${s.name}`] = {
        status: step.status,
        message: step.message,
        outputs: JSON.parse(step.outputs ?? '{}') as Record<string, unknown>,
      };
    }
  }
  return out;
}

describe('workflow step actions in a real build', () => {
  it('RunCommand, RegisterImage, ModifyImageAttributes and ApplyImageConfigurations', async () => {
    const { componentArn, recipeArn } = await recipe('wf-actions');
    const created = await client.send(
      new CreateImageCommand({
        imageRecipeArn: recipeArn,
        infrastructureConfigurationArn: await infra('wf-actions', true),
        executionRole: 'kiln',
        workflows: [
          {
            workflowArn: await workflow('wf-build', 'BUILD', BUILD_WORKFLOW),
            parameters: [{ name: 'component', value: [componentArn] }],
          },
          { workflowArn: await workflow('wf-test', 'TEST', TEST_WORKFLOW) },
          { workflowArn: await workflow('wf-dist', 'DISTRIBUTION', DISTRIBUTION_WORKFLOW) },
        ],
        clientToken: token(),
      }),
    );
    const arn = created.imageBuildVersionArn as string;
    await until(client, arn, 'AVAILABLE');
    const s = await steps(arn);
    const shell = s['BUILD/Shell'];
    assert.equal(shell?.status, 'COMPLETED');
    assert.equal(shell?.outputs.status, 'Success');
    // stdout and stderr lines arrive through separate pipes: their interleaving is not fixed.
    assert.deepEqual([...(shell?.outputs.output as string[])].sort(), ['/etc', 'line-one', 'line-two']);
    assert.equal(s['BUILD/Validate']?.status, 'COMPLETED', s['BUILD/Validate']?.message);
    assert.match(String(s['BUILD/Register']?.outputs.imageId), /^ami-/);
    assert.deepEqual(s['TEST/Check']?.outputs.output, ['run-command-was-here']);
    const modified = s['DISTRIBUTION/Share']?.outputs.modifiedImages as { launchPermission: unknown }[];
    assert.deepEqual(modified[0]?.launchPermission, { userIds: ['111122223333'], userGroups: ['all'] });
    // The launch template target (no such template) fails on its own; the parameter is still written.
    const configure = s['DISTRIBUTION/Configure'];
    assert.equal(configure?.status, 'FAILED');
    assert.match(
      configure?.message ?? '',
      /launch template lt-0123456789abcdef0: The launch template 'lt-0123456789abcdef0' does not exist/,
    );
    const image = await rawImage(arn);
    const ami = (image.outputResources as { amis: { image: string }[] }).amis[0]?.image;
    assert.equal(ami, s['BUILD/Register']?.outputs.imageId);
    const { parameter } = await kilnCall<{ parameter: { value: string; type: string } }>(
      settings(),
      'GET',
      '/kiln/parameters',
      { name: '/kiln-e2e/latest' },
    );
    assert.deepEqual([parameter.value, parameter.type], [ami, 'aws:ec2:image']);
    assert.deepEqual(image.kilnLaunchPermissions, [
      {
        region: 'us-east-1',
        amiId: ami,
        launchPermission: { userIds: ['111122223333'], userGroups: ['all'] },
      },
    ]);
    assert.equal((image.kilnImageAttributes as { bootMode: string }).bootMode, 'legacy-bios');
  });

  it('keeps a failed build instance for kiln instance shell; kiln image retry continues', async () => {
    let answer = 'broken';
    const http: Server = createServer((_req, res) => res.end(`${answer}\n`));
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    let arn = '';
    try {
      const port = (http.address() as AddressInfo).port;
      const { recipeArn } = await recipe('wf-debug');
      const created = await client.send(
        new CreateImageCommand({
          imageRecipeArn: recipeArn,
          infrastructureConfigurationArn: await infra('wf-debug', false),
          executionRole: 'kiln',
          imageTestsConfiguration: { imageTestsEnabled: false },
          workflows: [{ workflowArn: await workflow('wf-debug', 'BUILD', debugWorkflow(port)) }],
          clientToken: token(),
        }),
      );
      arn = created.imageBuildVersionArn as string;
      const failed = await until(client, arn, 'FAILED');
      assert.match(failed?.state?.reason ?? '', /exited with code 1[\s\S]*server says broken/);
      const [kept] = (await rawImage(arn)).keptInstances as string[];
      assert.ok(kept, 'the failed instance is kept');
      const list = kilnCli(server, ['instance', 'list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, new RegExp(`${kept}.*BUILD instance of`));
      const shell = kilnCli(server, ['instance', 'shell', kept], 'echo ok; cat /root/marker; exit\n');
      assert.equal(shell.code, 0, shell.stderr);
      assert.match(shell.stdout, /ok\nleft-for-debugging/);
      answer = 'fixed';
      const retry = kilnCli(server, ['image', 'retry', arn]);
      assert.equal(retry.code, 0, retry.stderr);
      await until(client, arn, 'AVAILABLE');
      const stop = kilnCli(server, ['instance', 'stop', kept]);
      assert.equal(stop.code, 0, stop.stderr);
    } finally {
      http.close();
      // Whatever happened, the instances this build kept go (a no-op once the test stopped them).
      const kept = arn ? ((await rawImage(arn)).keptInstances as string[] | undefined) : undefined;
      for (const id of kept ?? []) kilnCli(server, ['instance', 'stop', id]);
    }
  });
});
