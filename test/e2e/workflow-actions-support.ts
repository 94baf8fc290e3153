/** Workflow documents and helpers of workflow-actions.test.ts. */
import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { GetImageCommand, type ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { testCacheDir } from '../support/debian.js';
import { KILN_BIN, REPO_ROOT, type ServerProcess } from '../support/kiln-server.js';

const on = `instanceId.$: "$.stepOutputs.Launch.instanceId"`;
const launch = `  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent`;
const terminate = `  - name: Terminate
    action: TerminateInstance
    onFailure: Continue
    inputs:
      ${on}`;

export const BUILD_WORKFLOW = `schemaVersion: 1.0
parameters:
  - name: component
    type: string
steps:
${launch}
  - name: Components
    action: ExecuteComponents
    inputs:
      ${on}
  - name: Shell
    action: RunCommand
    inputs:
      ${on}
      documentName: AWS-RunShellScript
      parameters:
        commands:
          - echo run-command-was-here > kiln-run-command
          - pwd
          - echo line-one; echo line-two >&2
        workingDirectory: [/etc]
  - name: Validate
    action: RunCommand
    inputs:
      ${on}
      documentName.$: "$.parameters.component"
      parameters:
        phases: [validate]
  - name: Capture
    action: CreateImage
    inputs:
      ${on}
  - name: Register
    action: RegisterImage
    inputs:
      imageId.$: "$.stepOutputs.Capture.imageId"
      bootMode: legacy-bios
      rootDeviceName: /dev/xvda
${terminate}
`;

export const TEST_WORKFLOW = `schemaVersion: 1.0
steps:
${launch}
  - name: Check
    action: RunCommand
    inputs:
      ${on}
      documentName: AWS-RunShellScript
      parameters:
        commands: ["cat /etc/kiln-run-command"]
${terminate}
`;

export const DISTRIBUTION_WORKFLOW = `schemaVersion: 1.0
steps:
  - name: Distribute
    action: DistributeImage
  - name: Share
    action: ModifyImageAttributes
    inputs:
      distributedImages.$: "$.stepOutputs.Distribute.distributedImages"
      attributes:
        - region: us-east-1
          launchPermission:
            userIds: ["111122223333"]
            userGroups: [all]
  - name: Configure
    action: ApplyImageConfigurations
    onFailure: Continue
    inputs:
      distributedImages.$: "$.stepOutputs.Distribute.distributedImages"
      configurations:
        - region: us-east-1
          launchTemplateConfigurations:
            - launchTemplateId: lt-0123456789abcdef0
          ssmParameterConfigurations:
            - parameterName: /kiln-e2e/latest
              dataType: aws:ec2:image
`;

/** A build whose RunCommand asks a 127.0.0.1 HTTP server whether the world is fixed yet. */
export const debugWorkflow = (port: number) => `schemaVersion: 1.0
steps:
${launch}
  - name: AskServer
    action: RunCommand
    inputs:
      ${on}
      documentName: AWS-RunShellScript
      parameters:
        commands:
          - echo left-for-debugging > /root/marker
          - exec 3<>/dev/tcp/127.0.0.1/${port}
          - printf 'GET / HTTP/1.0\\r\\n\\r\\n' >&3
          - answer=$(cat <&3)
          - echo "server says $(tail -n 1 <<<"$answer")"
          - grep -q fixed <<<"$answer"
  - name: Capture
    action: CreateImage
    inputs:
      ${on}
${terminate}
`;

export async function until(client: ImagebuilderClient, arn: string, want: string) {
  for (;;) {
    const image = (await client.send(new GetImageCommand({ imageBuildVersionArn: arn }))).image;
    const status = image?.state?.status ?? '';
    if (status === want) return image;
    if (['AVAILABLE', 'FAILED', 'CANCELLED'].includes(status))
      assert.fail(`${arn} ended ${status} (${image?.state?.reason}) while waiting for ${want}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** `kiln ARGS` as a child process against the server, with `input` on stdin. */
export function kilnCli(server: ServerProcess, args: string[], input = '') {
  const run = spawnSync(process.execPath, [KILN_BIN, ...args], {
    cwd: REPO_ROOT,
    input,
    encoding: 'utf8',
    env: {
      ...process.env,
      KILN_FROM_SOURCE: '1',
      KILN_ENDPOINT: server.url,
      KILN_ACCESS_KEY_ID: server.accessKeyId,
      KILN_SECRET_ACCESS_KEY: server.secretAccessKey,
      KILN_CACHE_DIR: process.env.KILN_CACHE_DIR ?? testCacheDir(),
    },
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}
