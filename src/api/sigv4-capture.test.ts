/**
 * verifySigV4 against requests captured from the real clients: the pip-installed AWS CLI v1 (`aws`
 * on PATH), Debian's AWS CLI v2 (/usr/bin/aws) and @aws-sdk/client-imagebuilder. A throwaway HTTP
 * server records what each client sends; every capture must verify with the right secret and
 * fail with a wrong one. The CLIs read the credentials file ensureAdminCredentials writes.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  CreateComponentCommand,
  GetComponentCommand,
  ImagebuilderClient,
  ListComponentsCommand,
  ListTagsForResourceCommand,
  UntagResourceCommand,
} from '@aws-sdk/client-imagebuilder';
import type { AccessKey } from '../config/config.js';
import { type AdminCredentials, ensureAdminCredentials } from '../config/credentials.js';
import { ManualClock } from '../core/clock.js';
import { KilnError } from '../core/errors.js';
import { accessKeyLookup, type SignedRequest, verifySigV4 } from './sigv4.js';

const run = promisify(execFile);
const ARN = 'arn:aws:imagebuilder:us-east-1:000000000000:component/x/1.0.0/1';
const DEBIAN_AWS = '/usr/bin/aws';

const CLI_CALLS: string[][] = [
  ['list-tags-for-resource', '--resource-arn', ARN],
  ['list-components'],
  ['untag-resource', '--resource-arn', ARN, '--tag-keys', 'a b', 'c'],
  ['get-component', '--component-build-version-arn', ARN],
  [
    'create-component',
    '--name',
    'x',
    '--semantic-version',
    '1.0.0',
    '--platform',
    'Linux',
    '--data',
    'name: x',
  ],
];

let server: Server;
let endpoint: string;
let admin: AdminCredentials;
let credentialsFile: string;
const captures: SignedRequest[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      captures.push({
        method: req.method ?? 'GET',
        rawPath: q < 0 ? url : url.slice(0, q),
        rawQuery: q < 0 ? '' : url.slice(q + 1),
        headers: req.headers,
        body: Buffer.concat(chunks),
      });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const dataDir = await mkdtemp(join(tmpdir(), 'kiln-sigv4-capture-'));
  admin = await ensureAdminCredentials(dataDir, {}, '000000000000');
  credentialsFile = admin.credentialsFile!;
});

after(async () => {
  server.close();
  await rm(join(credentialsFile, '..'), { recursive: true, force: true });
});

/** Runs one CLI with the credentials file, as credentialsUsageText tells users to. */
async function captureCli(binary: string): Promise<SignedRequest[]> {
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: join(credentialsFile, '..'),
    AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
    AWS_PROFILE: 'kiln',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: join(credentialsFile, '..', 'no-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
  };
  const start = captures.length;
  for (const call of CLI_CALLS) {
    await run(binary, ['--endpoint-url', endpoint, 'imagebuilder', ...call], { env });
  }
  assert.equal(captures.length - start, CLI_CALLS.length, 'one request per CLI call');
  return captures.slice(start);
}

async function captureSdk(): Promise<SignedRequest[]> {
  const { accessKeyId, secretAccessKey } = admin.accessKey;
  const client = new ImagebuilderClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId, secretAccessKey },
  });
  const start = captures.length;
  await client.send(new ListTagsForResourceCommand({ resourceArn: ARN }));
  await client.send(new ListComponentsCommand({}));
  await client.send(new UntagResourceCommand({ resourceArn: ARN, tagKeys: ['a b', 'c'] }));
  await client.send(new GetComponentCommand({ componentBuildVersionArn: ARN }));
  await client.send(
    new CreateComponentCommand({
      name: 'x',
      semanticVersion: '1.0.0',
      platform: 'Linux',
      data: 'name: x',
      clientToken: 't',
    }),
  );
  client.destroy();
  return captures.slice(start);
}

function assertVerifies(requests: readonly SignedRequest[]): void {
  const right: AccessKey = admin.accessKey;
  const wrong: AccessKey = { ...right, secretAccessKey: `${right.secretAccessKey.slice(1)}x` };
  for (const req of requests) {
    const what = `${req.method} ${req.rawPath}?${req.rawQuery}`;
    const amzDate = String(req.headers['x-amz-date']);
    const signedAt = Date.UTC(
      +amzDate.slice(0, 4),
      +amzDate.slice(4, 6) - 1,
      +amzDate.slice(6, 8),
      +amzDate.slice(9, 11),
      +amzDate.slice(11, 13),
      +amzDate.slice(13, 15),
    );
    const options = { regions: ['us-east-1'], clock: new ManualClock(signedAt + 1000) };
    const caller = verifySigV4(req, accessKeyLookup([right]), options);
    assert.equal(caller.region, 'us-east-1', what);
    assert.throws(
      () => verifySigV4(req, accessKeyLookup([wrong]), options),
      (err: unknown) => err instanceof KilnError && err.code === 'InvalidSignatureException',
      what,
    );
  }
  // The captures cover what the canonical request must get right.
  const tags = requests.filter((r) => r.rawPath.startsWith('/tags/'));
  assert.ok(
    tags.some((r) => r.rawPath === `/tags/${encodeURIComponent(ARN)}`),
    'ARN fully percent-encoded in the path',
  );
  assert.ok(
    requests.some(
      (r) => r.method === 'DELETE' && /tagKeys=a%20b&tagKeys=c|tagKeys=c&tagKeys=a%20b/.test(r.rawQuery),
    ),
  );
  assert.ok(requests.some((r) => r.method === 'PUT' && r.body.length > 0));
}

describe('verifySigV4 with captured client requests', () => {
  it('AWS CLI v1 (pip, `aws` on PATH)', async () => {
    const version = await run('aws', ['--version']).catch(() => undefined);
    assert.match(
      `${version?.stdout ?? ''}${version?.stderr ?? ''}`,
      /^aws-cli\/1\./,
      'the pip-installed AWS CLI v1 must be first on PATH as `aws` (pip install awscli)',
    );
    assertVerifies(await captureCli('aws'));
  });

  it('AWS CLI v2 (Debian, /usr/bin/aws)', async () => {
    assert.ok(existsSync(DEBIAN_AWS), `${DEBIAN_AWS} is missing: install the Debian package awscli`);
    assertVerifies(await captureCli(DEBIAN_AWS));
  });

  it('SDK v3 (@aws-sdk/client-imagebuilder)', async () => {
    const requests = await captureSdk();
    assert.ok(requests.every((r) => typeof r.headers['x-amz-content-sha256'] === 'string'));
    assertVerifies(requests);
  });
});
