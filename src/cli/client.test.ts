import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ResourceNotFoundException, ServiceException } from '@aws-sdk/client-imagebuilder';
import { parseArgs, UsageError } from './args.js';
import { CLIENT_FLAGS, describeClientError, resolveClientSettings } from './client.js';

const noFlags = parseArgs([], CLIENT_FLAGS);

test('resolveClientSettings: flags, then KILN_*, then AWS_*, then the data directory', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-client-'));
  try {
    await writeFile(
      join(dir, 'credentials'),
      '[kiln]\naws_access_key_id = FILEKEY\naws_secret_access_key = filesecret\n',
    );
    const base = { KILN_DATA_DIR: dir };
    const cases: {
      env: NodeJS.ProcessEnv;
      args?: string[];
      key: string;
      endpoint: string;
      region: string;
    }[] = [
      { env: base, key: 'FILEKEY', endpoint: 'http://127.0.0.1:8700', region: 'us-east-1' },
      {
        env: { ...base, AWS_ACCESS_KEY_ID: 'AWSKEY', AWS_SECRET_ACCESS_KEY: 's', AWS_REGION: 'eu-west-1' },
        key: 'AWSKEY',
        endpoint: 'http://127.0.0.1:8700',
        region: 'eu-west-1',
      },
      {
        env: {
          ...base,
          AWS_ACCESS_KEY_ID: 'AWSKEY',
          AWS_SECRET_ACCESS_KEY: 's',
          KILN_ACCESS_KEY_ID: 'K',
          KILN_SECRET_ACCESS_KEY: 's',
        },
        key: 'K',
        endpoint: 'http://127.0.0.1:8700',
        region: 'us-east-1',
      },
      {
        env: { KILN_ENDPOINT: 'http://127.0.0.1:1' },
        args: ['--endpoint', 'http://127.0.0.1:9', '--region', 'ap-south-1', '--data-dir', dir],
        key: 'FILEKEY',
        endpoint: 'http://127.0.0.1:9',
        region: 'ap-south-1',
      },
    ];
    for (const c of cases) {
      const s = await resolveClientSettings(parseArgs(c.args ?? [], CLIENT_FLAGS), c.env, '/');
      assert.deepEqual([s.credentials.accessKeyId, s.endpoint, s.region], [c.key, c.endpoint, c.region]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('resolveClientSettings says how to fix missing credentials', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-client-'));
  try {
    await assert.rejects(
      resolveClientSettings(noFlags, { KILN_DATA_DIR: dir }, '/'),
      (err: unknown) =>
        err instanceof UsageError &&
        err.message.includes('KILN_ACCESS_KEY_ID') &&
        err.message.includes(join(dir, 'credentials')),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('describeClientError: one line, exit 1 for client errors and 125 for a down or failing server', () => {
  const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
  const aggregate = Object.assign(new AggregateError([refused], ''), {});
  const notFound = new ResourceNotFoundException({
    message: "The component 'x' does not exist.",
    $metadata: { httpStatusCode: 404 },
  });
  const failed = new ServiceException({ message: 'disk full\nat …', $metadata: { httpStatusCode: 500 } });
  const cases: [unknown, RegExp, number][] = [
    [
      refused,
      /^kiln: the server isn't running at http:\/\/e:1 \(ECONNREFUSED\)\. Start it with 'kiln server/,
      125,
    ],
    [aggregate, /isn't running/, 125],
    [notFound, /^kiln: ResourceNotFoundException: The component 'x' does not exist\.$/, 1],
    [failed, /^kiln: ServiceException: disk full$/, 125],
    [new UsageError('bad flag'), /^kiln: bad flag$/, 1],
  ];
  for (const [err, line, code] of cases) {
    const d = describeClientError(err, 'http://e:1');
    assert.match(d.line, line);
    assert.equal(d.exitCode, code);
  }
});
