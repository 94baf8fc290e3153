import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { launchTestSandbox, type TestSandbox } from './test-sandbox.js';

/** Real documents from the corpus that run on Debian without AWS, in real sandboxes. */
const CORPUS = '/work/shared/corpus/components/';
const read = (name: string) => ({ path: name, text: readFileSync(`${CORPUS}${name}`, 'utf8') });
const HANG_GUARD = { timeout: 300_000 };

let sb: TestSandbox;
before(async () => {
  sb = await launchTestSandbox();
});
after(async () => {
  await sb?.stop();
});

/** Step stdout by `phase.step` of the first document. */
function stdout(r: Awaited<ReturnType<TestSandbox['run']>>, doc = 0): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of r.record.documents[doc]?.phases ?? []) {
    for (const s of p.steps) out[`${p.name}.${s.name}`] = JSON.parse(s.outputs)[0]?.stdout;
  }
  return out;
}

const cases: {
  file: string;
  parameters?: Record<string, string>;
  phases?: string[];
  reboots?: number;
  stdout: Record<string, string>;
}[] = [
  {
    file: '107_hello-world-linux-local.yaml',
    stdout: {
      'build.HelloWorldStep': 'Hello World from the build phase.',
      'validate.HelloWorldStep': 'Hello World from the validate phase.',
      'test.HelloWorldStep': 'Hello World from the test phase.',
    },
  },
  {
    file: '148_doc-hello-world-params-linux.yaml',
    parameters: { MyInputParameter: 'Kiln' },
    phases: ['build'],
    stdout: { 'build.HelloWorldStep': 'Hello World! Build phase. My input parameter value is Kiln' },
  },
  {
    file: '081_hello-world-json.yaml',
    phases: ['test'],
    stdout: { 'test.HelloWorldStep': 'Hello World! Test.' },
  },
  { file: '021_hello-world-cdk-linux.yaml', stdout: { 'build.Assert': 'Hello world echo file created' } },
  {
    file: '008_reboot-linux.yaml',
    reboots: 1,
    stdout: { 'build.PostReboot': 'The system has restarted successfully.' },
  },
  { file: '009_reboot-test-linux.yaml', reboots: 1, stdout: { 'test.HelloWorldStep': 'Hello World! Test.' } },
  {
    file: '149_doc-exitcode-194-reboot.yaml',
    reboots: 1,
    stdout: { 'build.RestartTrigger': 'The reboot file exists. Deleting it and exiting with success.' },
  },
];

for (const c of cases) {
  test(c.file, HANG_GUARD, async (t) => {
    const started = Date.now();
    const r = await sb.run([read(c.file)], {
      ...(c.parameters ? { parameters: c.parameters } : {}),
      ...(c.phases ? { phases: c.phases } : {}),
    });
    t.diagnostic(`${c.file}: ${Date.now() - started} ms`);
    assert.equal(r.summary.status, 'success', r.summary.failureMessage);
    assert.equal(r.events.filter((e) => e.type === 'reboot').length, c.reboots ?? 0);
    const got = stdout(r);
    for (const [step, want] of Object.entries(c.stdout)) assert.equal(got[step], want, step);
  });
}

test('007_python-3-linux installs python3 with apt from the Debian mirror', HANG_GUARD, async (t) => {
  const own = await launchTestSandbox({ network: 'host' });
  try {
    const started = Date.now();
    // The document calls sudo, which Debian's minbase lacks (an EC2 AMI has it): install it first.
    const sudo = `schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: Sudo
        action: ExecuteBash
        inputs:
          commands:
            - apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq sudo >/dev/null
`;
    const r = await own.run([sudo, read('007_python-3-linux.yaml')]);
    t.diagnostic(`007_python-3-linux.yaml (with apt-get update and sudo): ${Date.now() - started} ms`);
    assert.equal(r.summary.status, 'success', r.summary.failureMessage);
    assert.match(
      stdout(r, 1)['validate.ValidatePython3'] ?? '',
      /^python3 exists\.\nPython 3\.\d+\.\d+ was successfully invoked\.$/,
    );
  } finally {
    await own.stop();
  }
});
