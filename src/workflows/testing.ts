/** Helpers for the workflow tests: small documents and a problem matcher. */
import assert from 'node:assert/strict';
import type { WorkflowType } from './actions.js';
import { parseWorkflowDocument, type WorkflowDocument, type WorkflowDocumentResult } from './document.js';
import { formatProblem } from './problems.js';

/** A first step every test document can read `instanceId` from. */
export const LAUNCH = `  - name: Launch
    action: LaunchInstance
    inputs:
      waitFor: ssmAgent
`;

/** A document with the Launch step followed by `steps` (YAML list items at two spaces). */
export const withSteps = (steps: string, extra = ''): string =>
  `schemaVersion: 1.0\n${extra}steps:\n${LAUNCH}${steps}`;

/** An expected problem: its exact path, a fragment of its message and optionally its line. */
export interface Expected {
  readonly path: string;
  readonly message: string;
  readonly line?: number;
}

export function parseOk(
  text: string,
  type: WorkflowType = 'BUILD',
): Extract<WorkflowDocumentResult, { ok: true }> {
  const result = parseWorkflowDocument(text, type);
  assert.ok(result.ok, result.ok ? '' : result.problems.map((p) => formatProblem(p)).join('\n'));
  return result;
}

export function stepsOf(text: string, type: WorkflowType = 'BUILD'): WorkflowDocument['steps'] {
  return parseOk(text, type).document.steps;
}

/** Asserts the document fails with exactly the expected problems, in order. */
export function assertProblems(text: string, type: WorkflowType, expected: readonly Expected[]): void {
  const result = parseWorkflowDocument(text, type);
  assert.equal(result.ok, false, 'the document should be rejected');
  if (result.ok) return;
  const got = result.problems.map((p) => formatProblem(p)).join('\n');
  assert.equal(result.problems.length, expected.length, `problems:\n${got}`);
  expected.forEach((e, i) => {
    const p = result.problems[i];
    assert.ok(p, `problem ${i} missing:\n${got}`);
    assert.equal(p.path, e.path, `problem ${i} path:\n${got}`);
    assert.ok(p.message.includes(e.message), `problem ${i} lacks "${e.message}":\n${got}`);
    if (e.line !== undefined) assert.equal(p.line, e.line, `problem ${i} line:\n${got}`);
  });
}
