import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { launchTestSandbox, type TestSandbox } from './test-sandbox.js';

/** Expectations of fixtures 50–99 (file-system, download and S3 modules), beside each document. */
interface Expect {
  status: 'success' | 'failed';
  steps?: Record<string, string>;
  outputs?: Record<string, Record<string, unknown>>;
  files?: Record<string, { content?: string; mode?: string; owner?: string; group?: string } | null>;
}

const DIR = fileURLToPath(new URL('../../../test/fixtures/toe/', import.meta.url));
const FIXTURES = readdirSync(DIR)
  .filter((f) => /^([5-9]\d)-.*\.yaml$/.test(f))
  .sort();

/** What the instance itself sees for a path (following links): content, octal mode, owner, group. */
async function observe(sb: TestSandbox, path: string) {
  const meta = await sb.instance.exec(['stat', '-L', '-c', '%a %U %G %F', path]);
  if (meta.exitCode !== 0) return undefined;
  const [mode, owner, group, ...type] = meta.stdout.trim().split(' ');
  const isFile = type.join(' ').includes('regular');
  const content = isFile ? (await sb.instance.exec(['cat', path])).stdout : undefined;
  return { mode: (mode ?? '').padStart(4, '0'), owner, group, content };
}

for (const file of FIXTURES) {
  test(file, { timeout: 120_000 }, async () => {
    const expect = JSON.parse(
      readFileSync(`${DIR}${file.replace(/\.yaml$/, '.expect.json')}`, 'utf8'),
    ) as Expect;
    // Each fixture gets a fresh sandbox (launching one costs milliseconds), so none sees another's files.
    const sb = await launchTestSandbox();
    try {
      const r = await sb.run([{ path: file, text: readFileSync(`${DIR}${file}`, 'utf8') }]);
      const where = `${file} (log: ${r.logDir})`;
      assert.equal(r.summary.status, expect.status, `${where}: ${r.summary.failureMessage}`);
      const steps = r.record.documents[0]?.phases.flatMap((p) => p.steps) ?? [];
      for (const [name, status] of Object.entries(expect.steps ?? {})) {
        const step = steps.find((s) => s.name === name);
        assert.equal(step?.status, status, `${where}: step ${name} (${step?.failureMessage ?? 'no record'})`);
      }
      for (const [name, outputs] of Object.entries(expect.outputs ?? {})) {
        const step = steps.find((s) => s.name === name);
        const got = (JSON.parse(step?.outputs ?? '[]') as Record<string, unknown>[])[0] ?? {};
        for (const [k, v] of Object.entries(outputs))
          assert.deepEqual(got[k], v, `${where}: ${name}.outputs.${k}`);
      }
      for (const [path, want] of Object.entries(expect.files ?? {})) {
        const seen = await observe(sb, path);
        if (want === null) {
          assert.equal(seen, undefined, `${where}: ${path} should not exist`);
          continue;
        }
        assert.ok(seen, `${where}: ${path} is missing`);
        if (want.content !== undefined) assert.equal(seen.content, want.content, `${where}: ${path} content`);
        if (want.mode !== undefined)
          assert.equal(seen.mode, want.mode.padStart(4, '0'), `${where}: ${path} mode`);
        if (want.owner !== undefined) assert.equal(seen.owner, want.owner, `${where}: ${path} owner`);
        if (want.group !== undefined) assert.equal(seen.group, want.group, `${where}: ${path} group`);
      }
    } finally {
      await sb.stop();
    }
  });
}
