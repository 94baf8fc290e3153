import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Platform } from './model.js';
import { formatProblem } from './problems.js';
import { type ValidationResult, validateComponentDocument } from './validate.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const corpus = path.resolve(repoRoot, '..', 'shared', 'corpus', 'components');

/** Known-invalid documents and a fragment of the message that names their problem. */
const INVALID: Readonly<Record<string, string>> = {
  '901': 'YAML:',
  '902': 'YAML:',
  '903': 'YAML:',
  '904': 'YAML:',
  '906': "the step needs a 'name'",
  '907': "step name 'SettingFileEncodingProperty' is already used",
  '908': "Action S3Download has no inputs; it requires an 'inputs'",
};

/**
 * Documents the manifest does not mark invalid but that break a rule of awstoe.md as copied.
 * Each is rejected on purpose; the reason says why the copy, not the validator, is at fault.
 */
const REJECTED_AS_COPIED: Readonly<Record<string, { message: string; reason: string }>> = {
  '004': {
    message: 'Action ExecuteBash has no inputs',
    reason: 'the copy ends mid-step: the last step has an empty inputs:',
  },
  '015': {
    message: "refers to step 'ScriptUrlScheme'",
    reason: 'a pcluster template: pcluster adds the chained steps before upload',
  },
  '112': {
    message: 'must be 1.0; got the number 1.1',
    reason: 'schemaVersion 1.1 (only 1, 1.0 and "1.0" are accepted)',
  },
  '130': {
    message: "'owner' is not supported for CreateFile on Windows",
    reason: 'Linux owner/group/permissions examples in a Windows-labelled fixture',
  },
  '146': {
    message: "loop name 'string' is already used",
    reason: 'a syntax fixture: duplicate loop names and names, a multi-character delimiter',
  },
};

interface Row {
  readonly file: string;
  readonly id: string;
  readonly platform: Platform;
}

function manifest(): Row[] {
  const lines = readFileSync(path.join(corpus, 'MANIFEST.tsv'), 'utf8').split('\n').slice(1);
  return lines
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const cols = l.split('\t');
      const file = cols[0] ?? '';
      return { file, id: file.slice(0, 3), platform: (cols[4] ?? 'Linux') as Platform };
    });
}

function problemsText(r: ValidationResult, file: string): string {
  return r.ok ? '(valid)' : r.problems.map((p) => `  ${formatProblem(p, file)}`).join('\n');
}

describe(
  'corpus of real component documents',
  { skip: !existsSync(corpus) && `corpus not found at ${corpus}` },
  () => {
    if (!existsSync(corpus)) return;
    const rows = manifest();
    const counts = { valid: 0, invalidAsExpected: 0, rejectedAsCopied: 0 };

    for (const row of rows) {
      it(`${row.file} (${row.platform})`, (t) => {
        const text = readFileSync(path.join(corpus, row.file), 'utf8');
        const result = validateComponentDocument(text, { platform: row.platform, fileName: row.file });
        const expected = INVALID[row.id] ?? REJECTED_AS_COPIED[row.id]?.message;
        if (row.id === '905') {
          t.diagnostic(
            `905 (suspected invalid) is ${result.ok ? 'accepted' : 'rejected'}: ${problemsText(result, row.file).trim()}`,
          );
          return;
        }
        if (expected === undefined) {
          assert.ok(result.ok, `expected valid:\n${problemsText(result, row.file)}`);
          counts.valid++;
          return;
        }
        assert.equal(result.ok, false, `expected invalid (${expected})`);
        if (result.ok) return;
        const hit = result.problems.some((p) => p.message.includes(expected));
        assert.ok(hit, `no problem mentions '${expected}':\n${problemsText(result, row.file)}`);
        if (INVALID[row.id]) counts.invalidAsExpected++;
        else {
          counts.rejectedAsCopied++;
          t.diagnostic(`rejected as copied: ${REJECTED_AS_COPIED[row.id]?.reason}`);
        }
      });
    }

    it('covers the whole manifest', (t) => {
      const total = counts.valid + counts.invalidAsExpected + counts.rejectedAsCopied + 1;
      t.diagnostic(
        `${rows.length} documents: ${counts.valid} valid, ${counts.invalidAsExpected} known-invalid rejected, ` +
          `${counts.rejectedAsCopied} rejected as copied, 1 suspected (905)`,
      );
      assert.equal(total, rows.length, 'every document was checked (see failures above)');
    });
  },
);
