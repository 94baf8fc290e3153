import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchTestSandbox, type TestSandbox } from './test-sandbox.js';
import type { RunRecord } from './types.js';

/** Expected results of one fixture (`NN-topic.expect.json` beside `NN-topic.yaml`). */
interface Expect {
  parameters?: Record<string, string>;
  phases?: string[];
  status: 'success' | 'failed';
  exitCode?: number;
  /** [executedStepCount, failedStepCount, ignoredFailedStepCount] */
  counts?: [number, number, number];
  phaseStatus?: Record<string, string>;
  steps?: Record<
    string,
    { status?: string; outputs?: Record<string, unknown> | null; failureMessage?: string; nested?: boolean }
  >;
  /** `phase` or `phase.step` that never ran. */
  absent?: string[];
  /** Instance paths → content, or null for "must not exist". */
  files?: Record<string, string | null>;
  console?: string[];
  reboots?: number;
  nestedMessage?: string;
  /** Runs in its own sandbox (it changes the instance's apt sources). */
  own?: boolean;
}

const DIR = fileURLToPath(new URL('../../../test/fixtures/toe/', import.meta.url));
/** This file covers fixtures 01–49; 50–99 are the file and network modules' (their own test). */
const FIXTURES = readdirSync(DIR)
  .filter((f) => /^([0-4]\d)-.*\.yaml$/.test(f))
  .sort()
  .map((f) => ({
    file: f,
    expect: JSON.parse(readFileSync(`${DIR}${f.replace(/\.yaml$/, '.expect.json')}`, 'utf8')) as Expect,
  }));

const HANG_GUARD = { timeout: 120_000 };
let shared: TestSandbox;
before(async () => {
  shared = await launchTestSandbox();
});
after(async () => {
  await shared?.stop();
});

function stepOf(record: RunRecord, id: string) {
  const [phase, step] = id.split('.');
  return record.documents[0]?.phases.find((p) => p.name === phase)?.steps.find((s) => s.name === step);
}

async function check(sb: TestSandbox, file: string, e: Expect): Promise<void> {
  const text = readFileSync(`${DIR}${file}`, 'utf8');
  const r = await sb.run([{ path: file, text }], {
    ...(e.parameters ? { parameters: e.parameters } : {}),
    ...(e.phases ? { phases: e.phases } : {}),
  });
  const where = `${file} (log: ${r.logDir})`;
  assert.equal(r.summary.status, e.status, `${where}: status; ${r.summary.failureMessage}`);
  if (e.exitCode !== undefined) assert.equal(r.exitCode, e.exitCode, `${where}: exit code`);
  if (e.counts) {
    const { executedStepCount, failedStepCount, ignoredFailedStepCount } = r.summary;
    assert.deepEqual(
      [executedStepCount, failedStepCount, ignoredFailedStepCount],
      e.counts,
      `${where}: counts`,
    );
  }
  for (const [phase, status] of Object.entries(e.phaseStatus ?? {})) {
    assert.equal(
      r.record.documents[0]?.phases.find((p) => p.name === phase)?.status,
      status,
      `${where}: phase ${phase}`,
    );
  }
  for (const [id, want] of Object.entries(e.steps ?? {})) {
    const got = stepOf(r.record, id);
    assert.ok(got, `${where}: step ${id} has no record`);
    if (want.status) assert.equal(got.status, want.status, `${where}: ${id} status (${got.failureMessage})`);
    if (want.failureMessage)
      assert.match(got.failureMessage, new RegExp(want.failureMessage), `${where}: ${id}`);
    const outputs = (JSON.parse(got.outputs) as Record<string, unknown>[])[0];
    if (want.outputs === null) assert.equal(outputs, undefined, `${where}: ${id} has no outputs`);
    else
      for (const [k, v] of Object.entries(want.outputs ?? {}))
        assert.deepEqual(outputs?.[k], v, `${where}: ${id} outputs.${k}`);
    if (want.nested) assert.ok(got.detailedOutput?.documents.length, `${where}: ${id} nested run`);
  }
  for (const id of e.absent ?? []) {
    const missing = id.includes('.')
      ? !stepOf(r.record, id)
      : !r.record.documents[0]?.phases.some((p) => p.name === id);
    assert.ok(missing, `${where}: ${id} should not have run`);
  }
  for (const [path, content] of Object.entries(e.files ?? {})) {
    if (content === null) assert.equal(await sb.fs.exists(path), false, `${where}: ${path} should not exist`);
    else assert.equal((await sb.fs.readFile(path)).toString('utf8'), content, `${where}: ${path}`);
  }
  const consoleLog = readFileSync(`${r.logDir}/console.log`, 'utf8').split('\n');
  for (const line of e.console ?? [])
    assert.ok(consoleLog.includes(line), `${where}: console.log lacks '${line}'`);
  const reboots = r.events.filter((ev) => ev.type === 'reboot').length;
  assert.equal(reboots, e.reboots ?? 0, `${where}: reboots`);
  if (e.nestedMessage) {
    const failed = r.record.documents[0]?.phases.flatMap((p) => p.steps).find((s) => s.status === 'failed');
    assert.match(failed?.failureMessage ?? '', new RegExp(e.nestedMessage), `${where}: nested failure`);
  }
}

for (const { file, expect } of FIXTURES) {
  test(file, HANG_GUARD, async () => {
    if (!expect.own) return check(shared, file, expect);
    const own = await launchTestSandbox();
    try {
      await check(own, file, expect);
    } finally {
      await own.stop();
    }
  });
}
