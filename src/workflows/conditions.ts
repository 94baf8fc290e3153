/**
 * A step's `if`: `and`/`or` lists, `not`, and comparators that each pair an expected operand
 * with a `value` (usually a JSONPath such as `$.imagebuilder.imageType`).
 */
import type { PathSegment, Report } from './problems.js';

export const COMPARATORS = {
  booleanEquals: 'boolean',
  numberEquals: 'number',
  numberGreaterThan: 'number',
  numberGreaterThanEquals: 'number',
  numberLessThan: 'number',
  numberLessThanEquals: 'number',
  stringEquals: 'string',
} as const;

export type Comparator = keyof typeof COMPARATORS;

export type WorkflowCondition =
  | { readonly kind: 'and' | 'or'; readonly conditions: readonly WorkflowCondition[] }
  | { readonly kind: 'not'; readonly condition: WorkflowCondition }
  | {
      readonly kind: 'compare';
      readonly comparator: Comparator;
      readonly expected: boolean | number | string;
      /** A JSONPath (`$.…`, resolved at run time) or a literal of the comparator's type. */
      readonly value: boolean | number | string;
    };

const OPERATORS = ['and', 'or', 'not', ...Object.keys(COMPARATORS)];

/**
 * Parses a condition, reporting problems under `path`; `checkPath` reports a bad JSONPath.
 * Returns undefined when the condition is unusable.
 */
export function parseCondition(
  raw: unknown,
  path: readonly PathSegment[],
  report: Report,
  checkPath: (jsonPath: string, path: readonly PathSegment[]) => void,
): WorkflowCondition | undefined {
  if (!isRecord(raw)) {
    report(path, `must be a condition such as { stringEquals: "AMI", value: "$.imagebuilder.imageType" }`);
    return undefined;
  }
  const operators = Object.keys(raw).filter((k) => OPERATORS.includes(k));
  const unknown = Object.keys(raw).filter((k) => k !== 'value' && !OPERATORS.includes(k));
  for (const key of unknown)
    report([...path, key], `is not a condition operator; use ${OPERATORS.join(', ')}`, 'key');
  if (operators.length !== 1) {
    report(path, `must have exactly one operator (${OPERATORS.join(', ')}); found ${operators.length}`);
    return undefined;
  }
  const op = operators[0] ?? '';
  const operand = raw[op];
  if (op === 'and' || op === 'or') {
    if ('value' in raw) report([...path, 'value'], `doesn't belong beside "${op}"`, 'key');
    if (!Array.isArray(operand) || operand.length === 0) {
      report([...path, op], 'must be a non-empty list of conditions');
      return undefined;
    }
    const conditions = operand.map((c, i) => parseCondition(c, [...path, op, i], report, checkPath));
    return conditions.every((c) => c !== undefined) ? { kind: op, conditions } : undefined;
  }
  if (op === 'not') {
    if ('value' in raw) report([...path, 'value'], `doesn't belong beside "not"`, 'key');
    const condition = parseCondition(operand, [...path, op], report, checkPath);
    return condition && { kind: 'not', condition };
  }
  return parseComparison(op as Comparator, raw, path, report, checkPath);
}

function parseComparison(
  comparator: Comparator,
  raw: Record<string, unknown>,
  path: readonly PathSegment[],
  report: Report,
  checkPath: (jsonPath: string, path: readonly PathSegment[]) => void,
): WorkflowCondition | undefined {
  const type = COMPARATORS[comparator];
  const expected = raw[comparator];
  let ok = true;
  if (typeof expected !== type || (type === 'number' && !Number.isFinite(expected))) {
    report([...path, comparator], `must be a ${type}`);
    ok = false;
  }
  const value = raw.value;
  if (value === undefined || value === null) {
    report(path, `${comparator} needs a "value" to compare with, e.g. a JSONPath like "$.parameters.name"`);
    return undefined;
  }
  if (typeof value === 'string' && value.startsWith('$')) {
    checkPath(value, [...path, 'value']);
  } else if (typeof value !== type) {
    report([...path, 'value'], `must be a JSONPath ("$.…") or a ${type} to compare with ${comparator}`);
    ok = false;
  }
  return ok
    ? { kind: 'compare', comparator, expected: expected as string, value: value as string }
    : undefined;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
