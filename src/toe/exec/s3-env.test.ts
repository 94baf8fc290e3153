import assert from 'node:assert/strict';
import { test } from 'node:test';
import { s3SettingsFromEnv } from './s3-env.js';

test('no endpoint means no S3 settings', () => {
  assert.equal(s3SettingsFromEnv({}), undefined);
});

test('reads the endpoint, region and Kiln keys, falling back to the AWS keys', () => {
  assert.deepEqual(
    s3SettingsFromEnv({
      KILN_S3_ENDPOINT: 'http://127.0.0.1:9000/',
      AWS_ACCESS_KEY_ID: 'a',
      AWS_SECRET_ACCESS_KEY: 'b',
    }),
    {
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      accessKeyId: 'a',
      secretAccessKey: 'b',
      forcePathStyle: true,
    },
  );
  const kiln = s3SettingsFromEnv({
    KILN_S3_ENDPOINT: 'https://s3.example.test',
    KILN_S3_REGION: 'eu-west-1',
    KILN_S3_ACCESS_KEY_ID: 'k',
    KILN_S3_SECRET_ACCESS_KEY: 's',
    AWS_ACCESS_KEY_ID: 'a',
  });
  assert.equal(kiln?.accessKeyId, 'k');
  assert.equal(kiln?.region, 'eu-west-1');
});

test('a bad endpoint or missing credentials are clear errors', () => {
  assert.throws(() => s3SettingsFromEnv({ KILN_S3_ENDPOINT: 'not a url' }), /is not a URL/);
  assert.throws(() => s3SettingsFromEnv({ KILN_S3_ENDPOINT: 'ftp://x' }), /must be http/);
  assert.throws(
    () => s3SettingsFromEnv({ KILN_S3_ENDPOINT: 'http://127.0.0.1:9000' }),
    /KILN_S3_ACCESS_KEY_ID/,
  );
});
