import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateComponentCommand,
  DeleteComponentCommand,
  GetComponentCommand,
  type ImagebuilderClient,
  ImportComponentCommand,
  ListComponentBuildVersionsCommand,
  ListComponentsCommand,
  paginateListComponents,
} from '@aws-sdk/client-imagebuilder';
import { rejectsWith as rejects } from '../support/assert.js';
import { type ServerProcess, sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';

const DOC = `name: hello
schemaVersion: 1.0
parameters:
  - Greeting:
      type: string
      default: hello
phases:
  - name: build
    steps:
      - name: Say
        action: ExecuteBash
        inputs:
          commands:
            - echo "{{ Greeting }}"
`;

const TEST_ONLY = `schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: Check
        action: ExecuteBash
        inputs:
          commands: ['true']
`;

describe('components through @aws-sdk/client-imagebuilder', () => {
  let server: ServerProcess;
  let client: ImagebuilderClient;
  before(async () => {
    server = await startServerProcess();
    client = sdkClient(server);
  });
  after(async () => server.stop());

  it('creates, resolves versions and wildcards, and counts builds', async () => {
    const created = await client.send(
      new CreateComponentCommand({
        name: 'Hello World',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'c1',
      }),
    );
    assert.equal(
      created.componentBuildVersionArn,
      'arn:aws:imagebuilder:us-east-1:000000000000:component/hello-world/1.0.0/1',
    );
    assert.equal(
      created.latestVersionReferences?.latestMajorVersionArn,
      'arn:aws:imagebuilder:us-east-1:000000000000:component/hello-world/1.x.x',
    );
    const again = await client.send(
      new CreateComponentCommand({
        name: 'Hello World',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'c2',
      }),
    );
    assert.match(again.componentBuildVersionArn ?? '', /\/1\.0\.0\/2$/);
    await client.send(
      new CreateComponentCommand({
        name: 'Hello World',
        semanticVersion: '1.2.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'c3',
      }),
    );
    await client.send(
      new CreateComponentCommand({
        name: 'Hello World',
        semanticVersion: '2.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'c4',
      }),
    );
    const base = 'arn:aws:imagebuilder:us-east-1:000000000000:component/hello-world';
    const cases: [string, string][] = [
      [`${base}/x.x.x`, `${base}/2.0.0/1`],
      [`${base}/1.x.x`, `${base}/1.2.0/1`],
      [`${base}/1.0.x`, `${base}/1.0.0/2`],
      [`${base}/1.0.0`, `${base}/1.0.0/2`],
      [`${base}/1.0.0/1`, `${base}/1.0.0/1`],
    ];
    for (const [ask, want] of cases) {
      const got = await client.send(new GetComponentCommand({ componentBuildVersionArn: ask }));
      assert.equal(got.component?.arn, want, ask);
    }
    const got = await client.send(new GetComponentCommand({ componentBuildVersionArn: `${base}/1.0.0/1` }));
    assert.equal(got.component?.name, 'Hello World');
    assert.equal(got.component?.type, 'BUILD');
    assert.deepEqual(got.component?.parameters, [
      { name: 'Greeting', type: 'string', defaultValue: ['hello'] },
    ]);
    assert.ok(got.component?.dateCreated && !Number.isNaN(Date.parse(String(got.component.dateCreated))));
    await rejects(
      client.send(new GetComponentCommand({ componentBuildVersionArn: `${base}/3.x.x` })),
      'ResourceNotFoundException',
    );
    await rejects(
      client.send(new GetComponentCommand({ componentBuildVersionArn: `${base}/x.1.x` })),
      'InvalidVersionNumberException',
    );

    const list = await client.send(new ListComponentsCommand({}));
    assert.deepEqual(
      list.componentVersionList?.map((c) => c.version),
      ['1.0.0', '1.2.0', '2.0.0'],
    );
    assert.equal(list.componentVersionList?.[0]?.arn, `${base}/1.0.0`);
    const builds = await client.send(
      new ListComponentBuildVersionsCommand({ componentVersionArn: `${base}/1.0.0` }),
    );
    assert.deepEqual(
      builds.componentSummaryList?.map((c) => c.arn),
      [`${base}/1.0.0/1`, `${base}/1.0.0/2`],
    );
  });

  it('rejects bad documents with line and column, bad versions and member combinations', async () => {
    const bad = `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          command: ['x']\n`;
    const err = await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'broken',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: bad,
          clientToken: 'b1',
        }),
      ),
      'InvalidParameterValueException',
      /data/,
    );
    assert.match(err.message, /[0-9]+:[0-9]+/);
    assert.match(err.message, /commands/);
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'vvv',
          semanticVersion: '1.0',
          platform: 'Linux',
          data: DOC,
          clientToken: 'b2',
        }),
      ),
      'InvalidVersionNumberException',
    );
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'vvv',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: DOC,
          uri: 'file:///x',
          clientToken: 'b3',
        }),
      ),
      'InvalidParameterCombinationException',
    );
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'vvv',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          clientToken: 'b4',
        }),
      ),
      'InvalidParameterCombinationException',
    );
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'vvv',
          semanticVersion: '1.0.0',
          platform: 'Solaris' as never,
          data: DOC,
          clientToken: 'b5',
        }),
      ),
      'InvalidParameterValueException',
      /platform/,
    );
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'dry',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: DOC,
          dryRun: true,
          clientToken: 'b6',
        }),
      ),
      'DryRunOperationException',
    );
    await rejects(
      client.send(
        new GetComponentCommand({
          componentBuildVersionArn: 'arn:aws:imagebuilder:us-east-1:000000000000:component/dry/1.0.0/1',
        }),
      ),
      'ResourceNotFoundException',
    );
  });

  it('reads uri documents, imports shell scripts and derives TEST type', async () => {
    const dir = tempDir('doc');
    const file = join(dir, 'doc.yaml');
    writeFileSync(file, TEST_ONLY);
    const fromFile = await client.send(
      new CreateComponentCommand({
        name: 'from-file',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        uri: `file://${file}`,
        clientToken: 'u1',
      }),
    );
    const got = await client.send(
      new GetComponentCommand({ componentBuildVersionArn: fromFile.componentBuildVersionArn }),
    );
    assert.equal(got.component?.type, 'TEST');
    assert.equal(got.component?.data, TEST_ONLY);
    await rejects(
      client.send(
        new CreateComponentCommand({
          name: 'nofile',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          uri: `file://${dir}/missing.yaml`,
          clientToken: 'u2',
        }),
      ),
      'InvalidParameterValueException',
      /uri/,
    );
    const imported = await client.send(
      new ImportComponentCommand({
        name: 'imported',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        type: 'BUILD',
        format: 'SHELL',
        data: 'echo hi\n',
        clientToken: 'u3',
      }),
    );
    const doc = await client.send(
      new GetComponentCommand({ componentBuildVersionArn: imported.componentBuildVersionArn }),
    );
    assert.match(doc.component?.data ?? '', /ExecuteBash/);
    assert.match(doc.component?.data ?? '', /echo hi/);
  });

  it('replays a clientToken and rejects it with other parameters', async () => {
    const req = {
      name: 'idem',
      semanticVersion: '1.0.0',
      platform: 'Linux' as const,
      data: DOC,
      clientToken: 'same-token',
    };
    const first = await client.send(new CreateComponentCommand(req));
    const second = await client.send(new CreateComponentCommand(req));
    assert.equal(second.componentBuildVersionArn, first.componentBuildVersionArn);
    assert.equal(second.requestId, first.requestId);
    await rejects(
      client.send(new CreateComponentCommand({ ...req, description: 'other' })),
      'IdempotentParameterMismatchException',
    );
    const builds = await client.send(
      new ListComponentBuildVersionsCommand({
        componentVersionArn: first.componentBuildVersionArn?.replace(/\/1$/, ''),
      }),
    );
    assert.equal(builds.componentSummaryList?.length, 1);
  });

  it('paginates more than 25 components with unique tokens and rejects forged ones', async () => {
    for (let i = 0; i < 30; i++) {
      await client.send(
        new CreateComponentCommand({
          name: `page-${String(i).padStart(2, '0')}`,
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: DOC,
          clientToken: `p${i}`,
        }),
      );
    }
    const filters = [{ name: 'platform', values: ['Linux'] }];
    const first = await client.send(new ListComponentsCommand({ filters, maxResults: 25 }));
    assert.equal(first.componentVersionList?.length, 25);
    assert.ok(first.nextToken);
    const seen = new Set<string>();
    const names: string[] = [];
    const arns: string[] = [];
    for await (const page of paginateListComponents({ client, pageSize: 7 }, { filters })) {
      if (page.nextToken) {
        assert.ok(!seen.has(page.nextToken), 'token repeated');
        seen.add(page.nextToken);
      }
      names.push(...(page.componentVersionList ?? []).map((c) => c.name ?? ''));
      arns.push(...(page.componentVersionList ?? []).map((c) => c.arn ?? ''));
    }
    assert.equal(names.filter((n) => n.startsWith('page-')).length, 30);
    assert.equal(new Set(arns).size, arns.length, 'no entry appears on two pages');
    await rejects(
      client.send(new ListComponentsCommand({ nextToken: 'forged.token' })),
      'InvalidPaginationTokenException',
    );
    await rejects(
      client.send(
        new ListComponentsCommand({
          nextToken: first.nextToken,
          filters: [{ name: 'type', values: ['TEST'] }],
        }),
      ),
      'InvalidPaginationTokenException',
    );
    await rejects(
      client.send(new ListComponentsCommand({ maxResults: 26 })),
      'InvalidParameterValueException',
      /maxResults/,
    );
  });

  it('deletes builds and answers 404 afterwards', async () => {
    const c = await client.send(
      new CreateComponentCommand({
        name: 'gone',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'd1',
      }),
    );
    const arn = c.componentBuildVersionArn as string;
    await rejects(
      client.send(new DeleteComponentCommand({ componentBuildVersionArn: arn.replace(/\/1$/, '') })),
      'InvalidParameterValueException',
    );
    const deleted = await client.send(new DeleteComponentCommand({ componentBuildVersionArn: arn }));
    assert.equal(deleted.componentBuildVersionArn, arn);
    await rejects(
      client.send(new GetComponentCommand({ componentBuildVersionArn: arn })),
      'ResourceNotFoundException',
    );
    await rejects(
      client.send(new DeleteComponentCommand({ componentBuildVersionArn: arn })),
      'ResourceNotFoundException',
    );
  });
});
