import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  CreateComponentCommand,
  CreateImageRecipeCommand,
  GetComponentCommand,
  GetComponentPolicyCommand,
  type ImagebuilderClient,
  ListComponentsCommand,
  PutComponentPolicyCommand,
  PutImageRecipePolicyCommand,
} from '@aws-sdk/client-imagebuilder';
import { rejectsWith as rejects } from '../support/assert.js';
import { type ServerProcess, sdkClient, startServerProcess, tempDir } from '../support/kiln-server.js';

const OWNER = '111111111111';
const FRIEND = '222222222222';
const STRANGER = '333333333333';
const DOC = `schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: S\n        action: ExecuteBash\n        inputs:\n          commands: ['true']\n`;

describe('accounts, sharing and SigV4 authentication', () => {
  let server: ServerProcess;
  const clients: Record<string, ImagebuilderClient> = {};
  before(async () => {
    const dir = tempDir('accounts');
    const config = join(dir, 'kiln.yaml');
    writeFileSync(
      config,
      [
        'regions: [us-east-1, eu-west-1]',
        'accessKeys:',
        ...[OWNER, FRIEND, STRANGER].map(
          (acct) =>
            `  - accessKeyId: AKIA${acct}\n    secretAccessKey: secret-of-${acct}\n    accountId: "${acct}"`,
        ),
        '  - accessKeyId: AKIAREADONLY0000\n    secretAccessKey: secret-readonly\n    accountId: "111111111111"\n    allowedActions: [ListComponents]',
      ].join('\n'),
    );
    server = await startServerProcess({ dataDir: join(dir, 'data'), args: ['--config', config] });
    for (const acct of [OWNER, FRIEND, STRANGER]) {
      clients[acct] = sdkClient(server, { accessKeyId: `AKIA${acct}`, secretAccessKey: `secret-of-${acct}` });
    }
  });
  after(async () => server.stop());

  it('keeps accounts apart and shares through a resource policy', async () => {
    const owner = clients[OWNER]!;
    const friend = clients[FRIEND]!;
    const stranger = clients[STRANGER]!;
    const c = await owner.send(
      new CreateComponentCommand({
        name: 'shared',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'a1',
      }),
    );
    const arn = c.componentBuildVersionArn as string;
    assert.match(arn, new RegExp(`:${OWNER}:component/shared/1.0.0/1$`));
    await rejects(
      friend.send(new GetComponentCommand({ componentBuildVersionArn: arn })),
      'ResourceNotFoundException',
    );
    assert.deepEqual((await friend.send(new ListComponentsCommand({}))).componentVersionList, []);
    await rejects(
      owner.send(new PutComponentPolicyCommand({ componentArn: arn, policy: '{"Statement": "nope"}' })),
      'InvalidParameterValueException',
      /policy/,
    );
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { AWS: [FRIEND] },
          Action: ['imagebuilder:GetComponent', 'imagebuilder:ListComponents'],
          Resource: [arn],
        },
      ],
    });
    await owner.send(new PutComponentPolicyCommand({ componentArn: arn, policy }));
    assert.equal((await owner.send(new GetComponentPolicyCommand({ componentArn: arn }))).policy, policy);
    const shared = await friend.send(new ListComponentsCommand({ owner: 'Shared' }));
    assert.deepEqual(
      shared.componentVersionList?.map((v) => v.arn),
      [arn.replace(/\/1$/, '')],
    );
    assert.equal(
      (await friend.send(new GetComponentCommand({ componentBuildVersionArn: arn }))).component?.owner,
      OWNER,
    );
    assert.deepEqual(
      (await stranger.send(new ListComponentsCommand({ owner: 'Shared' }))).componentVersionList,
      [],
    );
    await rejects(
      stranger.send(new GetComponentCommand({ componentBuildVersionArn: arn })),
      'ResourceNotFoundException',
    );
    // The friend can build on the shared component; the stranger cannot.
    const recipe = await friend.send(
      new CreateImageRecipeCommand({
        name: 'uses-shared',
        semanticVersion: '1.0.0',
        parentImage: 'debian:bookworm',
        components: [{ componentArn: arn }],
        clientToken: 'a2',
      }),
    );
    assert.match(recipe.imageRecipeArn ?? '', new RegExp(`:${FRIEND}:image-recipe/`));
    await rejects(
      stranger.send(
        new CreateImageRecipeCommand({
          name: 'uses-shared',
          semanticVersion: '1.0.0',
          parentImage: 'debian:bookworm',
          components: [{ componentArn: arn }],
          clientToken: 'a3',
        }),
      ),
      'InvalidParameterValueException',
    );
    await rejects(
      friend.send(
        new PutImageRecipePolicyCommand({
          imageRecipeArn: recipe.imageRecipeArn,
          policy: JSON.stringify({
            Statement: [{ Effect: 'Allow', Principal: '*', Action: 'imagebuilder:DeleteImageRecipe' }],
          }),
        }),
      ),
      'InvalidParameterValueException',
      /cannot be shared/,
    );
  });

  it('keeps regions apart', async () => {
    const eu = sdkClient(server, {
      accessKeyId: `AKIA${OWNER}`,
      secretAccessKey: `secret-of-${OWNER}`,
      region: 'eu-west-1',
    });
    await eu.send(
      new CreateComponentCommand({
        name: 'regional',
        semanticVersion: '1.0.0',
        platform: 'Linux',
        data: DOC,
        clientToken: 'r1',
      }),
    );
    const names = (await clients[OWNER]!.send(new ListComponentsCommand({}))).componentVersionList?.map(
      (c) => c.name,
    );
    assert.ok(!names?.includes('regional'));
    assert.deepEqual(
      (await eu.send(new ListComponentsCommand({}))).componentVersionList?.map((c) => c.arn),
      [`arn:aws:imagebuilder:eu-west-1:${OWNER}:component/regional/1.0.0`],
    );
  });

  it('answers SigV4 failures with the AWS exception names', async () => {
    await rejects(
      sdkClient(server, { accessKeyId: 'AKIAUNKNOWN00000', secretAccessKey: 'x' }).send(
        new ListComponentsCommand({}),
      ),
      'UnrecognizedClientException',
    );
    await rejects(
      sdkClient(server, { accessKeyId: `AKIA${OWNER}`, secretAccessKey: 'wrong-secret' }).send(
        new ListComponentsCommand({}),
      ),
      'InvalidSignatureException',
    );
    await rejects(
      sdkClient(server, {
        accessKeyId: `AKIA${OWNER}`,
        secretAccessKey: `secret-of-${OWNER}`,
        region: 'ap-south-1',
      }).send(new ListComponentsCommand({})),
      'InvalidSignatureException',
      /ap-south-1/,
    );
    const readonly = sdkClient(server, {
      accessKeyId: 'AKIAREADONLY0000',
      secretAccessKey: 'secret-readonly',
    });
    await readonly.send(new ListComponentsCommand({}));
    await rejects(
      readonly.send(
        new CreateComponentCommand({
          name: 'ro',
          semanticVersion: '1.0.0',
          platform: 'Linux',
          data: DOC,
          clientToken: 'ro',
        }),
      ),
      'AccessDeniedException',
    );
    const res = await fetch(`${server.url}/ListComponents`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 403);
    assert.equal(res.headers.get('x-amzn-errortype'), 'MissingAuthenticationTokenException');
    const unknown = await fetch(`${server.url}/NoSuchOperation`, { method: 'PUT', body: '{}' });
    assert.equal(unknown.status, 404);
    assert.equal(((await unknown.json()) as { __type: string }).__type, 'ResourceNotFoundException');
  });
});
