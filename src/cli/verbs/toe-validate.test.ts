import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { VerbIO } from '../verb.js';
import { toeValidateVerb } from './toe-validate.js';

const fixtures = fileURLToPath(new URL('../../../test/fixtures/toe-invalid', import.meta.url));

function capture(cwd: string): { io: VerbIO; out: () => string; err: () => string } {
  const chunks = { out: '', err: '' };
  const sink = (key: 'out' | 'err') =>
    new Writable({
      write(chunk, _enc, done) {
        chunks[key] += String(chunk);
        done();
      },
    });
  return {
    io: { stdout: sink('out'), stderr: sink('err'), env: {}, cwd },
    out: () => chunks.out,
    err: () => chunks.err,
  };
}

const VALID =
  'schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n      - name: Hi\n        action: ExecuteBash\n        inputs:\n          commands: [echo hi]\n';
const WINDOWS = VALID.replace('ExecuteBash', 'ExecutePowerShell');

describe('kiln toe validate', () => {
  let dir = '';
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'kiln-toe-validate-'));
    await writeFile(path.join(dir, 'ok.yaml'), VALID);
    await writeFile(path.join(dir, 'win.yaml'), WINDOWS);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('exits 0 when every file is valid', async () => {
    const c = capture(dir);
    assert.equal(await toeValidateVerb.run(['ok.yaml'], c.io), 0);
    assert.equal(c.out(), 'ok.yaml: valid for Linux\n');
  });

  it('lists every problem as file:line:col: path: message and exits 1', async () => {
    const c = capture(fixtures);
    assert.equal(await toeValidateVerb.run(['several-problems.yaml', path.join(dir, 'ok.yaml')], c.io), 1);
    const lines = c.out().trimEnd().split('\n');
    assert.deepEqual(lines.slice(0, 6), [
      'several-problems.yaml:2:16: schemaVersion: must be 1.0; got the number 1.1',
      "several-problems.yaml:9:17: phases[0].steps[0].inputs: Action S3Download has no inputs; it requires an 'inputs'",
      'several-problems.yaml:11:17: phases[0].steps[1].action: action ExecutePowerShell is Windows-only; it cannot be used in a Linux document',
      "several-problems.yaml:14:15: phases[0].steps[1].inputs.commands[0]: {{ build.Download.outputs.stdout }}: step 'Download' (S3Download) has no output 'stdout'; it has no outputs",
      "several-problems.yaml:15:15: phases[0].steps[2].name: step name 'Script' is already used by phases[0].steps[1]; step names must be unique within a phase",
      'several-problems.yaml:17:25: phases[0].steps[2].timeoutSeconds: must be a whole number of seconds, at least 1, or -1 for no limit; got the number 0',
    ]);
    assert.match(
      lines[6] ?? '',
      /^several-problems\.yaml:19:21: phases\[0\]\.steps\[2\]\.inputs\.commands: must be a list of strings/,
    );
    assert.equal(
      lines[7],
      "several-problems.yaml:3:1: version: warning: unknown top-level key 'version' is ignored",
    );
    assert.equal(lines[8], `${path.join(dir, 'ok.yaml')}: valid for Linux`);
  });

  it('validates for the platform given', async () => {
    const linux = capture(dir);
    assert.equal(await toeValidateVerb.run(['win.yaml'], linux.io), 1);
    const windows = capture(dir);
    assert.equal(await toeValidateVerb.run(['--platform', 'Windows', 'win.yaml'], windows.io), 0);
    assert.equal(windows.out(), 'win.yaml: valid for Windows\n');
  });

  it('reports unreadable files and usage errors with exit 1', async () => {
    const missing = capture(dir);
    assert.equal(await toeValidateVerb.run(['nope.yaml'], missing.io), 1);
    assert.equal(missing.out(), 'nope.yaml: cannot read: ENOENT\n');
    for (const args of [[], ['--platform', 'Solaris', 'ok.yaml'], ['--bogus', 'ok.yaml']]) {
      const c = capture(dir);
      assert.equal(await toeValidateVerb.run(args, c.io), 1, args.join(' '));
      assert.match(c.err(), /^kiln toe validate: .*\n\nUsage: kiln toe validate/);
    }
  });
});
