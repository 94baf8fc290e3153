import assert from 'node:assert/strict';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';
import type { S3Settings } from './module.js';
import { parseS3Url, s3Download, s3Upload } from './net-s3.js';
import { startTestS3Server, type TestS3Server } from './net-s3-server.js';

const BUCKET = 'kiln-bucket';
let t: TestInstance;
let dataDir: string;
let server: TestS3Server;
let recorder: http.Server;
let s3: S3Settings;
let client: S3Client;
/** x-amz-expected-bucket-owner of each request through the recorder. */
const owners: (string | undefined)[] = [];

before(async () => {
  t = await launchTestInstance('net-s3-test');
  dataDir = await mkdtemp(join(tmpdir(), 'kiln-s3rver-'));
  server = await startTestS3Server(dataDir, [BUCKET]);
  const { port } = server;
  // A pass-through proxy that records the header S3 modules must send for expectedBucketOwner.
  recorder = http.createServer((req, res) => {
    owners.push(req.headers['x-amz-expected-bucket-owner'] as string | undefined);
    const upstream = http.request(
      { host: '127.0.0.1', port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
  const endpoint = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  s3 = {
    endpoint,
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
  };
  client = new S3Client({ ...s3, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  for (const [key, body] of Object.entries({
    'single.txt': 'single',
    'app/config.yml': 'config',
    'app/bin/tool': 'tool',
    'app/bin/sub/x': 'x',
    'other/y': 'y',
  })) {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
  }
});

after(async () => {
  client?.destroy();
  recorder?.close();
  await server?.stop();
  await t?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function object(key: string): Promise<string> {
  const res = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return (await res.Body?.transformToString()) ?? '';
}

test('parseS3Url', () => {
  assert.deepEqual(parseS3Url('s3://b/k/e/y'), { bucket: 'b', key: 'k/e/y' });
  assert.deepEqual(parseS3Url('s3://b'), { bucket: 'b', key: '' });
  assert.equal(parseS3Url('https://b/k'), undefined);
});

test('without an S3 endpoint the modules fail and say what to configure', async () => {
  for (const module of [s3Download, s3Upload]) {
    assertFailed(
      await t.run(module, [{ source: `s3://${BUCKET}/single.txt`, destination: '/opt/x' }]),
      /needs an S3 endpoint.*configure/,
    );
  }
});

test('S3Download: a key to a file or into a folder, a prefix/* recursively; expectedBucketOwner sent', async () => {
  await t.sh('mkdir -p /opt/s3/one /opt/s3/tree');
  owners.length = 0;
  assertSuccess(
    await t.run(
      s3Download,
      [
        {
          source: `s3://${BUCKET}/single.txt`,
          destination: '/opt/s3/renamed.txt',
          expectedBucketOwner: '111122223333',
        },
        { source: `s3://${BUCKET}/app/config.yml`, destination: '/opt/s3/one/' },
        { source: `s3://${BUCKET}/app/*`, destination: '/opt/s3/tree' },
      ],
      { s3 },
    ),
  );
  assert.equal(owners[0], '111122223333');
  assert.equal(await t.sh('cat /opt/s3/renamed.txt /opt/s3/one/config.yml'), 'singleconfig');
  assert.equal(
    await t.sh('cd /opt/s3/tree && find . -type f | sort'),
    './bin/sub/x\n./bin/tool\n./config.yml\n',
  );
  assert.equal(await t.stat('/opt/s3/tree/bin/tool'), '644 root root regular file');
});

test('S3Download: destination folders must exist, overwrite rules, missing objects', async () => {
  assertFailed(
    await t.run(
      s3Download,
      [{ source: `s3://${BUCKET}/single.txt`, destination: '/opt/s3/nofolder/x.txt' }],
      { s3 },
    ),
    /^inputs\[0\]\.destination: folder \/opt\/s3\/nofolder does not exist/,
  );
  assertFailed(
    await t.run(s3Download, [{ source: `s3://${BUCKET}/app/*`, destination: '/opt/s3/absent/' }], { s3 }),
    /^inputs\[0\]\.destination: folder \/opt\/s3\/absent does not exist/,
  );
  await t.sh('echo old > /opt/s3/keep.txt');
  assertFailed(
    await t.run(
      s3Download,
      [{ source: `s3://${BUCKET}/single.txt`, destination: '/opt/s3/keep.txt', overwrite: false }],
      { s3 },
    ),
    /^inputs\[0\]\.destination: \/opt\/s3\/keep\.txt already exists and overwrite is false$/,
  );
  assertSuccess(
    await t.run(s3Download, [{ source: `s3://${BUCKET}/single.txt`, destination: '/opt/s3/keep.txt' }], {
      s3,
    }),
  );
  assert.equal(await t.sh('cat /opt/s3/keep.txt'), 'single');
  assertFailed(
    await t.run(s3Download, [{ source: `s3://${BUCKET}/no/such/key`, destination: '/opt/s3/k' }], { s3 }),
    /^inputs\[0\]\.source: s3:\/\/kiln-bucket\/no\/such\/key: NoSuchKey/,
  );
});

test('S3Upload: a file to a key or a prefix, wildcards, recurse; expectedBucketOwner sent', async () => {
  await t.sh(
    'mkdir -p /up/logs/old && echo a > /up/logs/a.log && echo b > /up/logs/b.log && echo t > /up/logs/t.txt',
  );
  await t.sh('echo o > /up/logs/old/o.log && echo f > /up/file.bin');
  owners.length = 0;
  assertSuccess(
    await t.run(
      s3Upload,
      [
        {
          source: '/up/file.bin',
          destination: `s3://${BUCKET}/up/renamed.bin`,
          expectedBucketOwner: '444455556666',
        },
        { source: '/up/file.bin', destination: `s3://${BUCKET}/up/prefix/` },
        { source: '/up/logs/*.log', destination: `s3://${BUCKET}/up/logs` },
        { source: '/up/logs/*', destination: `s3://${BUCKET}/up/all/`, recurse: true },
        { source: '/up/logs', destination: `s3://${BUCKET}/up/tree/`, recurse: true },
      ],
      { s3 },
    ),
  );
  assert.equal(owners[0], '444455556666');
  assert.equal(await object('up/renamed.bin'), 'f\n');
  assert.equal(await object('up/prefix/file.bin'), 'f\n');
  const keys = (await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'up/' }))).Contents?.map(
    (o) => o.Key,
  );
  assert.deepEqual(keys?.sort(), [
    'up/all/a.log',
    'up/all/b.log',
    'up/all/old/o.log',
    'up/all/t.txt',
    'up/logs/a.log',
    'up/logs/b.log',
    'up/prefix/file.bin',
    'up/renamed.bin',
    'up/tree/a.log',
    'up/tree/b.log',
    'up/tree/old/o.log',
    'up/tree/t.txt',
  ]);
  assertFailed(
    await t.run(s3Upload, [{ source: '/up/logs', destination: `s3://${BUCKET}/x/` }], { s3 }),
    /^inputs\[0\]\.source: \/up\/logs is a folder; end it with '\/\*' or set recurse: true$/,
  );
  assertFailed(
    await t.run(s3Upload, [{ source: '/up/none', destination: `s3://${BUCKET}/x/` }], { s3 }),
    /^inputs\[0\]\.source: \/up\/none does not exist$/,
  );
});
