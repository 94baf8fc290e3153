import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ToeInputError } from './prepare.js';
import { launchTestSandbox, type TestSandbox } from './test-sandbox.js';

const HANG_GUARD = { timeout: 120_000 };
let sb: TestSandbox;
before(async () => {
  sb = await launchTestSandbox();
});
after(async () => {
  await sb?.stop();
});

const bash = (name: string, command: string, extra = '') => `
      - name: ${name}
        action: ExecuteBash${extra}
        inputs:
          commands:
            - ${command}`;
const doc = (phases: Record<string, string>, head = '') =>
  `${head}schemaVersion: 1.0\nphases:\n${Object.entries(phases)
    .map(([name, steps]) => `  - name: ${name}\n    steps:${steps}`)
    .join('\n')}\n`;

test('documents run one after another; an Abort stops the later documents', HANG_GUARD, async () => {
  const first = doc({
    build: bash('A', 'echo first >> /tmp/e1'),
    test: bash('T', 'echo first-test >> /tmp/e1'),
  });
  const failing = doc({ build: bash('Fail', 'exit 9') });
  const third = doc({ build: bash('C', 'echo third >> /tmp/e1') });
  const r = await sb.run([first, failing, third], { phases: ['build'] });
  assert.equal(r.summary.status, 'failed');
  assert.equal(r.exitCode, 9);
  assert.equal((await sb.fs.readFile('/tmp/e1')).toString(), 'first\n');
  assert.deepEqual(
    r.record.documents.map((d) => d.status),
    ['success', 'failed'],
  );
  assert.match(r.summary.failureMessage, /^Document doc\d+\.yaml failed!$/);
});

test(
  'the log folder is laid out like awstoe: copies, console.log, application.log, detailed output, chaining',
  HANG_GUARD,
  async () => {
    const text = doc(
      { build: bash('Hello', "echo 'Hello World'"), validate: bash('V', 'echo v') },
      'name: Hello\n',
    );
    const r = await sb.run([{ path: '/some/where/hello-world-linux.yml', text }], {
      phases: ['build'],
      executionId: 'exec-1',
    });
    assert.match(r.logDir, /\/TOE_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d_UTC-0_exec-1$/);
    assert.deepEqual(readdirSync(r.logDir).sort(), [
      'D0__hello-world-linux.yml',
      'application.log',
      'chaining.json',
      'console.log',
      'detailedoutput.json',
    ]);
    assert.equal(readFileSync(join(r.logDir, 'D0__hello-world-linux.yml'), 'utf8'), text);
    const consoleLog = readFileSync(join(r.logDir, 'console.log'), 'utf8');
    for (const line of [
      'Document /some/where/hello-world-linux.yml',
      'Phase build',
      'Step Hello',
      'Stdout: Hello World',
      'CmdExecution: ExitCode 0',
      'TOE has completed execution successfully',
    ]) {
      assert.ok(consoleLog.split('\n').includes(line), `console.log has '${line}'`);
    }
    const app = readFileSync(join(r.logDir, 'application.log'), 'utf8').split('\n')[0] ?? '';
    assert.match(app, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z Info Setup: STARTED SETUP$/);
    const detailed = JSON.parse(readFileSync(join(r.logDir, 'detailedoutput.json'), 'utf8'));
    assert.deepEqual(detailed, JSON.parse(JSON.stringify(r.record)));
    const step = detailed.documents[0].phases[0].steps[0];
    assert.equal(detailed.documents[0].name, 'Hello');
    assert.deepEqual(
      {
        status: step.status,
        timeoutSeconds: step.timeoutSeconds,
        onFailure: step.onFailure,
        maxAttempts: step.maxAttempts,
      },
      { status: 'success', timeoutSeconds: 7200, onFailure: 'Abort', maxAttempts: 1 },
    );
    assert.equal(step.inputs, JSON.stringify([{ commands: ["echo 'Hello World'"] }]));
    assert.equal(step.outputs, JSON.stringify([{ stdout: 'Hello World' }]));
    const chaining = JSON.parse(readFileSync(join(r.logDir, 'chaining.json'), 'utf8'));
    assert.deepEqual(
      chaining[0].phases.map((p: { name: string; isSelected: boolean }) => [p.name, p.isSelected]),
      [
        ['build', true],
        ['validate', false],
      ],
    );
    assert.deepEqual(r.summary, {
      executionId: 'exec-1',
      status: 'success',
      failedStepCount: 0,
      executedStepCount: 1,
      ignoredFailedStepCount: 0,
      failureMessage: '',
      logUrl: r.logDir,
    });
  },
);

test(
  'events: step start/end with status and every output line, in order per stream',
  HANG_GUARD,
  async () => {
    const r = await sb.run([doc({ build: bash('Two', 'echo one; echo two >&2; echo three') })]);
    const seen = r.events.map((e) =>
      e.type === 'output' ? `${e.stream}:${e.line}` : e.type === 'step-end' ? `end:${e.status}` : e.type,
    );
    // stdout and stderr are separate pipes: their relative order is not defined, each one's is.
    const flow = seen.filter((s) => !s.startsWith('info:') && !s.startsWith('stderr:'));
    assert.deepEqual(flow, [
      'document-start',
      'phase-start',
      'step-start',
      'stdout:one',
      'stdout:three',
      'end:success',
      'run-end',
    ]);
    const stderrAt = seen.indexOf('stderr:two');
    assert.ok(
      stderrAt > seen.indexOf('step-start') && stderrAt < seen.indexOf('end:success'),
      seen.join(' '),
    );
  },
);

test(
  'a missing parameter or an invalid document stops the run before anything runs',
  HANG_GUARD,
  async () => {
    const needs = `parameters:\n  - Needed:\n      type: string\n${doc({ build: bash('Touch', 'touch /tmp/e4-{{ Needed }}') })}`;
    const invalid = doc({ build: '\n      - name: X\n        action: NoSuchAction' });
    await assert.rejects(
      sb.run([doc({ build: bash('First', 'touch /tmp/e4-first') }), needs, invalid]),
      (err: unknown) => {
        assert.ok(err instanceof ToeInputError);
        assert.equal(err.problems.length, 2, err.message);
        assert.match(err.problems[0] ?? '', /parameter 'Needed' has no default/);
        return true;
      },
    );
    assert.equal(await sb.fs.exists('/tmp/e4-first'), false);
    const ok = await sb.run([needs], { parameters: { Needed: 'given' } });
    assert.equal(ok.summary.status, 'success');
    assert.equal(await sb.fs.exists('/tmp/e4-given'), true);
  },
);

test('cancelling kills the running step and runs nothing else', HANG_GUARD, async () => {
  const controller = new AbortController();
  const running = sb.run(
    [
      doc({
        build:
          bash('Long', 'echo go; sleep 60', '\n        onFailure: Continue') + bash('Next', 'touch /tmp/e5'),
      }),
    ],
    {
      signal: controller.signal,
      onEvent: (e) => {
        if (e.type === 'output' && e.line === 'go') controller.abort();
      },
    },
  );
  const r = await running;
  assert.equal(r.summary.status, 'failed');
  assert.match(r.record.documents[0]?.phases[0]?.steps[0]?.failureMessage ?? '', /cancelled/);
  assert.equal(await sb.fs.exists('/tmp/e5'), false);
});

test('a step whose module Kiln lacks fails with a clear message', HANG_GUARD, async () => {
  const r = await sb.run([doc({ build: bash('NoModule', 'true') })], { modules: {} });
  assert.match(
    r.record.documents[0]?.phases[0]?.steps[0]?.failureMessage ?? '',
    /ExecuteBash cannot run on this Linux instance: Kiln has no module/,
  );
});

test('a step that asks for a reboot every time fails after maxReboots', HANG_GUARD, async () => {
  const r = await sb.run([doc({ build: bash('Forever', 'exit 194') })], { maxReboots: 2 });
  assert.equal(r.summary.status, 'failed');
  assert.equal(r.events.filter((e) => e.type === 'reboot').length, 2);
  assert.match(r.record.documents[0]?.phases[0]?.steps[0]?.failureMessage ?? '', /after 2 reboots/);
});
