import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { KilnError } from '../core/errors.js';
import {
  credentialsUsageText,
  ensureAdminCredentials,
  generateKeyPair,
  readProfileCredentials,
  withAdminKey,
} from './credentials.js';
import { loadConfig } from './load.js';

const ACCOUNT = '000000000000';
const freshDir = () => mkdtemp(join(tmpdir(), 'kiln-creds-'));

describe('ensureAdminCredentials', () => {
  it('generates a key on first start, writes it 0600, and reuses it later', async () => {
    const dataDir = join(await freshDir(), 'data');
    const first = await ensureAdminCredentials(dataDir, {}, ACCOUNT);
    assert.equal(first.generated, true);
    assert.equal(first.credentialsFile, join(dataDir, 'credentials'));
    assert.match(first.accessKey.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.match(first.accessKey.secretAccessKey, /^[A-Za-z0-9+/]{40}$/);
    assert.equal(first.accessKey.accountId, ACCOUNT);
    assert.equal((await stat(join(dataDir, 'credentials'))).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(dataDir), ['credentials'], 'no temporary file left behind');

    const second = await ensureAdminCredentials(dataDir, {}, '123456789012');
    assert.equal(second.generated, false);
    assert.equal(second.accessKey.accessKeyId, first.accessKey.accessKeyId);
    assert.equal(second.accessKey.secretAccessKey, first.accessKey.secretAccessKey);
    assert.equal(second.accessKey.accountId, '123456789012');
  });

  it('gives two concurrent first starts the same key', async () => {
    const dataDir = await freshDir();
    const [a, b] = await Promise.all([
      ensureAdminCredentials(dataDir, {}, ACCOUNT),
      ensureAdminCredentials(dataDir, {}, ACCOUNT),
    ]);
    assert.equal(a.accessKey.secretAccessKey, b.accessKey.secretAccessKey);
    assert.equal([a.generated, b.generated].filter(Boolean).length, 1);
  });

  it('lets the environment win and writes nothing', async () => {
    const dataDir = await freshDir();
    const env = { KILN_ACCESS_KEY_ID: 'AKIAFROMENVIRONMENT1', KILN_SECRET_ACCESS_KEY: 'env-secret-value' };
    const admin = await ensureAdminCredentials(dataDir, env, ACCOUNT);
    assert.deepEqual(admin, {
      accessKey: {
        accessKeyId: 'AKIAFROMENVIRONMENT1',
        secretAccessKey: 'env-secret-value',
        accountId: ACCOUNT,
      },
      generated: false,
    });
    assert.deepEqual(await readdir(dataDir), []);
  });

  it('refuses a credentials file without the kiln profile', async () => {
    const dataDir = await freshDir();
    await writeFile(
      join(dataDir, 'credentials'),
      '[default]\naws_access_key_id = A\naws_secret_access_key = B\n',
    );
    await assert.rejects(ensureAdminCredentials(dataDir, {}, ACCOUNT), /has no \[kiln\] profile/);
    assert.deepEqual(await readdir(dataDir), ['credentials']);
  });
});

describe('readProfileCredentials', () => {
  it('reads the named profile and ignores comments and other profiles', async () => {
    const file = join(await freshDir(), 'credentials');
    await writeFile(
      file,
      '# comment\n[default]\naws_access_key_id=OTHER\n\n[ kiln ]\r\n; note\naws_access_key_id = AKIDK\naws_secret_access_key = s/e+c=\n',
    );
    assert.deepEqual(await readProfileCredentials(file, 'kiln'), {
      accessKeyId: 'AKIDK',
      secretAccessKey: 's/e+c=',
    });
    assert.equal(await readProfileCredentials(file, 'missing'), undefined);
    assert.equal(await readProfileCredentials(join(file, '..', 'nope'), 'kiln'), undefined);
  });

  it('reports a profile without a secret', async () => {
    const file = join(await freshDir(), 'credentials');
    await writeFile(file, '[kiln]\naws_access_key_id = AKIDK\n');
    await assert.rejects(readProfileCredentials(file, 'kiln'), (err: unknown) => {
      return (
        err instanceof KilnError &&
        /Profile \[kiln\] in .* needs aws_access_key_id and aws_secret_access_key/.test(err.message)
      );
    });
  });

  it('round-trips what ensureAdminCredentials wrote', async () => {
    const dataDir = await freshDir();
    const admin = await ensureAdminCredentials(dataDir, {}, ACCOUNT);
    const text = await readFile(join(dataDir, 'credentials'), 'utf8');
    assert.match(text, /^\[kiln\]$/m);
    const read = await readProfileCredentials(join(dataDir, 'credentials'), 'kiln');
    assert.equal(read?.secretAccessKey, admin.accessKey.secretAccessKey);
  });
});

describe('credentialsUsageText', () => {
  const accessKey = {
    accessKeyId: 'AKIAEXAMPLEEXAMPLE12',
    secretAccessKey: 'x'.repeat(40),
    accountId: ACCOUNT,
  };
  it('tells how to use a generated key file', () => {
    const text = credentialsUsageText({
      credentials: { accessKey, generated: true, credentialsFile: '/var/lib/my kiln/credentials' },
      host: '0.0.0.0',
      port: 8700,
      region: 'us-east-1',
    });
    assert.match(text, /^Generated an admin access key AKIAEXAMPLEEXAMPLE12 \(account 000000000000\)/);
    assert.match(
      text,
      /export AWS_SHARED_CREDENTIALS_FILE='\/var\/lib\/my kiln\/credentials' AWS_PROFILE=kiln AWS_DEFAULT_REGION=us-east-1\n/,
    );
    assert.match(text, /aws --endpoint-url http:\/\/127\.0\.0\.1:8700 imagebuilder list-components\n$/);
    assert.ok(!text.includes(accessKey.secretAccessKey));
  });

  it('does not print a secret that came from the environment', () => {
    const text = credentialsUsageText({
      credentials: { accessKey, generated: false },
      host: '::1',
      port: 1,
      region: 'eu-west-1',
    });
    assert.match(text, /from KILN_ACCESS_KEY_ID/);
    assert.match(text, /http:\/\/\[::1\]:1 /);
    assert.ok(!text.includes(accessKey.secretAccessKey));
  });
});

describe('withAdminKey', () => {
  it('adds the admin key once and refuses a clash', () => {
    const config = loadConfig({ env: {}, cwd: '/' });
    const admin = { ...generateKeyPair(), accountId: ACCOUNT };
    const merged = withAdminKey(config, admin);
    assert.deepEqual(merged.accessKeys, [admin]);
    assert.ok(Object.isFrozen(merged) && Object.isFrozen(merged.accessKeys));
    assert.equal(withAdminKey(merged, admin).accessKeys.length, 1);
    assert.throws(() => withAdminKey(merged, { ...admin, secretAccessKey: 'different' }), /another secret/);
  });
});
