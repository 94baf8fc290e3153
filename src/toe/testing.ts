import assert from 'node:assert/strict';
import type { Platform } from './model.js';
import { formatProblem, type Problem } from './problems.js';
import { type ValidationResult, validateComponentDocument } from './validate.js';

/** Removes the common leading indentation of a template literal (and its first/last blank lines). */
export function dedent(text: string): string {
  const lines = text
    .replace(/^\n/, '')
    .replace(/\n\s*$/, '')
    .split('\n');
  const indent = Math.min(...lines.filter((l) => l.trim() !== '').map((l) => /^ */.exec(l)?.[0].length ?? 0));
  return lines.map((l) => l.slice(indent)).join('\n');
}

/** A document with one `build` phase holding `steps` (YAML list text), after an optional `head`. */
export function stepsDoc(steps: string, head = ''): string {
  const body = dedent(steps)
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return `${head ? `${dedent(head)}\n` : ''}schemaVersion: 1.0\nphases:\n  - name: build\n    steps:\n${body}\n`;
}

export interface ProblemCase {
  readonly name: string;
  readonly text: string;
  readonly platform?: Platform;
  /** Exact path of the expected problem. */
  readonly path: string;
  /** A fragment of its message. */
  readonly message: string;
  readonly line?: number;
}

function show(list: readonly Problem[]): string {
  return list.map((p) => `  ${formatProblem(p)}`).join('\n') || '  (none)';
}

export function validate(text: string, platform: Platform = 'Linux'): ValidationResult {
  return validateComponentDocument(text, { platform });
}

/** Asserts the document is invalid with a problem at exactly `c.path` whose message has `c.message`. */
export function assertProblem(c: ProblemCase): void {
  const result = validate(c.text, c.platform);
  assert.equal(result.ok, false, `${c.name}: expected invalid; warnings:\n${show(result.warnings)}`);
  if (result.ok) return;
  const hit = result.problems.find((p) => p.path === c.path && p.message.includes(c.message));
  assert.ok(hit, `${c.name}: no problem at ${c.path} with '${c.message}'; got:\n${show(result.problems)}`);
  if (c.line !== undefined) assert.equal(hit.line, c.line, `${c.name}: line`);
  assert.ok(hit.line !== undefined && hit.column !== undefined, `${c.name}: problem has no position`);
}

/** Asserts the document is valid and has a warning at `path` containing `message`. */
export function assertWarning(c: ProblemCase): void {
  const result = validate(c.text, c.platform);
  assert.ok(result.ok, `${c.name}: expected valid; got:\n${result.ok ? '' : show(result.problems)}`);
  const hit = result.warnings.find((p) => p.path === c.path && p.message.includes(c.message));
  assert.ok(hit, `${c.name}: no warning at ${c.path} with '${c.message}'; got:\n${show(result.warnings)}`);
}

export function assertValid(name: string, text: string, platform: Platform = 'Linux'): ValidationResult {
  const result = validate(text, platform);
  assert.ok(result.ok, `${name}: expected valid; got:\n${result.ok ? '' : show(result.problems)}`);
  return result;
}
