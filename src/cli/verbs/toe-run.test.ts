import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedBookworm } from '../../../test/support/debian.js';
import { mountsUnder } from '../../host/mount.js';
import type { VerbIO } from '../verb.js';
import { instanceVerbs } from './instance.js';
import { toeRunVerb } from './toe-run.js';
import { toeValidateVerb } from './toe-validate.js';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/toe/', import.meta.url));
const HANG_GUARD = { timeout: 120_000 };
let root: string;
let work: string;

before(async () => {
  root = await sharedBookworm();
  work = await mkdtemp(join(tmpdir(), 'kiln-toe-run-'));
});
after(async () => {
  await rm(work, { recursive: true, force: true });
});

async function call(verb: { run(args: string[], io: VerbIO): Promise<number> }, args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => {
    out += d;
  });
  stderr.on('data', (d) => {
    err += d;
  });
  const code = await verb.run(args, {
    stdout,
    stderr,
    env: { ...process.env, KILN_CACHE_DIR: join(work, 'cache') },
    cwd: work,
  });
  return { code, out, err };
}

const verb = (name: string) =>
  instanceVerbs.find((v) => v.path[1] === name) as (typeof instanceVerbs)[number];

test('every toe fixture 01-49 passes kiln toe validate', async () => {
  const files = readdirSync(FIXTURES).filter((f) => /^[0-4]\d-.*\.yaml$/.test(f));
  assert.ok(files.length >= 30, `only ${files.length} fixtures`);
  const r = await call(
    toeValidateVerb,
    files.map((f) => join(FIXTURES, f)),
  );
  assert.equal(r.code, 0, r.out);
});

test('kiln toe run lists every problem and exits 1 before launching anything', async () => {
  await writeFile(
    join(work, 'bad.yaml'),
    'schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: X\n        action: ExecuteBash\n',
  );
  const r = await call(toeRunVerb, [
    '--documents',
    `bad.yaml,${join(FIXTURES, '02-parameters.yaml')}`,
    '--root',
    root,
    '--parameters',
    'Supplied=',
  ]);
  assert.equal(r.code, 1);
  assert.match(r.err, /parameter 'Supplied' has no value/);
  const r2 = await call(toeRunVerb, ['--documents', 'bad.yaml', '--root', root]);
  assert.equal(r2.code, 1);
  assert.match(r2.err, /^bad\.yaml:5:\d+: .*Action ExecuteBash has no inputs/m);
});

test(
  'kiln toe run prints progress and the summary, and exits with the failed step status',
  HANG_GUARD,
  async () => {
    const r = await call(toeRunVerb, [
      '--documents',
      join(FIXTURES, '24-bash-exit-status.yaml'),
      '--root',
      root,
      '--network',
      'none',
      '--log-directory',
      'logs',
      '--execution-id',
      'cli-1',
    ]);
    assert.equal(r.code, 3, r.err);
    assert.match(r.out, /^\[build\] Step 1\/2 Code … success \(\d+\.\d s\)$/m);
    assert.match(
      r.out,
      /^\[build\] Step 2\/2 Exit … failed \(\d+\.\d s\): the script failed with exit status 3$/m,
    );
    assert.match(r.out, /"executionId": "cli-1",\n\s+"status": "failed"/);
    assert.equal(readdirSync(join(work, 'logs')).length, 1);
  },
);

test('--keep leaves the sandbox for kiln instance list and stop', HANG_GUARD, async () => {
  const r = await call(toeRunVerb, [
    '--documents',
    join(FIXTURES, '01-hello.yaml'),
    '--root',
    root,
    '--network',
    'none',
    '--keep',
  ]);
  assert.equal(r.code, 0, r.err);
  const id = /kept sandbox (\S+):/.exec(r.out)?.[1];
  assert.ok(id, r.out);
  const list = await call(verb('list'), []);
  assert.match(list.out, new RegExp(`^${id}\\s+\\S+\\s+kept\\s`, 'm'));
  const scratch = /(\S+)\/merged$/m.exec(list.out)?.[1] as string;
  assert.equal(mountsUnder(scratch).length, 1);
  assert.equal((await call(verb('stop'), [id])).code, 0);
  assert.equal(mountsUnder(scratch).length, 0);
  assert.equal(existsSync(scratch), false);
  assert.doesNotMatch((await call(verb('list'), [])).out, new RegExp(id));
  assert.equal((await call(verb('shell'), [id])).code, 1);
});
