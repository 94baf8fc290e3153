/** `kiln image import` against a real server: the import answers with an AVAILABLE IMPORTED image. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { runChecked } from '../../src/host/process.js';
import { KILN_BIN, type ServerProcess, startServerProcess, tempDir } from '../support/kiln-server.js';
import { removeTree } from '../../src/host/fs.js';

let server: ServerProcess;
let work: string;

function kiln(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = {
    ...process.env,
    KILN_ENDPOINT: server.url,
    KILN_DATA_DIR: server.dataDir,
  };
  for (const k of [
    'AWS_ACCESS_KEY_ID',
    'AWS_SECRET_ACCESS_KEY',
    'KILN_ACCESS_KEY_ID',
    'KILN_SECRET_ACCESS_KEY',
  ])
    delete env[k];
  return new Promise((resolve) =>
    execFile(process.execPath, [KILN_BIN, ...args], { cwd: work, env }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 125) : 0, stdout, stderr }),
    ),
  );
}

before(async () => {
  server = await startServerProcess();
  work = tempDir('import-cli');
  mkdirSync(join(work, 'tree/etc'), { recursive: true });
  writeFileSync(join(work, 'tree/etc/os-release'), 'ID=tiny\n');
  await runChecked([
    'tar',
    '--create',
    `--file=${join(work, 'tiny.tar')}`,
    `--directory=${join(work, 'tree')}`,
    '.',
  ]);
});

after(async () => {
  await server?.stop();
  await removeTree(server?.dataDir ?? '/nonexistent-kiln');
  if (work) await removeTree(work);
});

test('kiln image import FILE records an AVAILABLE imported image', async () => {
  const imported = await kiln('image', 'import', 'tiny.tar', '--name', 'tiny', '--version', '1.0.0');
  assert.equal(imported.code, 0, imported.stderr);
  const arn = /imported (\S+)/.exec(imported.stdout)?.[1] ?? '';
  assert.match(arn, /:image\/tiny\/1\.0\.0\/1$/);
  const got = await kiln('image', 'get', arn, '--json');
  assert.equal(got.code, 0, got.stderr);
  const image = (JSON.parse(got.stdout) as { image: Record<string, unknown> }).image;
  assert.equal(image.imageSource, 'IMPORTED');
  assert.equal(image.buildType, 'IMPORT');
  assert.deepEqual(image.state, { status: 'AVAILABLE' });
  const bad = await kiln('image', 'import', 'missing.tar', '--name', 'tiny', '--version', '1.0.1');
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /vmImportTaskId.*does not exist/);
});
