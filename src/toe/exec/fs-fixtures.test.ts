import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { formatProblem } from '../problems.js';
import { validateComponentDocument } from '../validate.js';

const DIR = fileURLToPath(new URL('../../../test/fixtures/toe/', import.meta.url));
const STATUSES = ['success', 'failed', 'ignoredfailure', 'skipped'];

/** The file-module fixtures (50-99): `NN-name.yaml` with its `NN-name.expect.json`. */
const fixtures = readdirSync(DIR)
  .filter((f) => /^(5|6|7|8|9)\d-.*\.yaml$/.test(f))
  .sort();

test('there are file and network module fixtures', () => {
  assert.ok(fixtures.length >= 30, `only ${fixtures.length} fixtures`);
});

test('every fixture is a valid Linux component document with an expectation that names its steps', () => {
  for (const file of fixtures) {
    const result = validateComponentDocument(readFileSync(DIR + file, 'utf8'), {
      platform: 'Linux',
      fileName: file,
    });
    assert.ok(
      result.ok,
      `${file}:\n${result.ok ? '' : result.problems.map((p) => formatProblem(p)).join('\n')}`,
    );
    assert.deepEqual(result.warnings, [], `${file} has warnings`);
    const expect = JSON.parse(readFileSync(DIR + file.replace(/\.yaml$/, '.expect.json'), 'utf8'));
    assert.ok(['success', 'failed'].includes(expect.status), `${file}: status`);
    const names = new Set(result.document.phases.flatMap((p) => p.steps.map((s) => s.name)));
    for (const [step, status] of Object.entries(expect.steps)) {
      assert.ok(names.has(step), `${file}: no step ${step}`);
      assert.ok(STATUSES.includes(status as string), `${file}: step ${step} status ${status}`);
    }
    for (const step of Object.keys(expect.outputs ?? {}))
      assert.ok(names.has(step), `${file}: outputs of unknown ${step}`);
    for (const [path, want] of Object.entries(expect.files ?? {}) as [string, Record<string, string>][]) {
      assert.ok(path.startsWith('/'), `${file}: ${path}`);
      assert.deepEqual(
        Object.keys(want).filter((k) => !['content', 'mode', 'owner'].includes(k)),
        [],
        `${file}: ${path}`,
      );
      if (want.mode !== undefined) assert.match(want.mode, /^0[0-7]{3}$/, `${file}: ${path} mode`);
    }
    assert.equal(
      expect.status === 'failed',
      Object.values(expect.steps).includes('failed'),
      `${file}: status vs steps`,
    );
  }
});
