/**
 * Run-time decisions about a step that read the run's data: its `if` condition and its
 * `rollbackEnabled` (api.md §8.2). A JSONPath that does not resolve, or a value of the wrong
 * type, is an error that fails the step rather than a silent `false`: a typo in a condition
 * should not quietly skip a step.
 */
import { COMPARATORS, type WorkflowCondition } from './conditions.js';
import { describe, type PathScope, ResolveError, resolvePath } from './jsonpath.js';

type Compare = Extract<WorkflowCondition, { kind: 'compare' }>;

/** Whether the step runs. Throws ResolveError naming the `if` value at fault. */
export function evaluateCondition(condition: WorkflowCondition, scope: PathScope): boolean {
  switch (condition.kind) {
    case 'and':
      return condition.conditions.every((c) => evaluateCondition(c, scope));
    case 'or':
      return condition.conditions.some((c) => evaluateCondition(c, scope));
    case 'not':
      return !evaluateCondition(condition.condition, scope);
    case 'compare':
      return compare(condition, scope);
  }
}

function compare(c: Compare, scope: PathScope): boolean {
  const isPath = typeof c.value === 'string' && c.value.startsWith('$');
  const actual = isPath ? atPath(String(c.value), scope) : c.value;
  const type = COMPARATORS[c.comparator];
  if (typeof actual !== type || (type === 'number' && !Number.isFinite(actual))) {
    const source = isPath ? `"${c.value}" is` : 'the value is';
    throw new ResolveError(`if: ${source} ${describe(actual)}; ${c.comparator} compares a ${type}`);
  }
  const expected = c.expected;
  switch (c.comparator) {
    case 'booleanEquals':
    case 'numberEquals':
    case 'stringEquals':
      return actual === expected;
    case 'numberGreaterThan':
      return (actual as number) > (expected as number);
    case 'numberGreaterThanEquals':
      return (actual as number) >= (expected as number);
    case 'numberLessThan':
      return (actual as number) < (expected as number);
    case 'numberLessThanEquals':
      return (actual as number) <= (expected as number);
  }
}

function atPath(path: string, scope: PathScope): unknown {
  try {
    return resolvePath(path, scope);
  } catch (err) {
    if (err instanceof ResolveError) throw new ResolveError(`if: ${err.message}`);
    throw err;
  }
}

/** A step's `rollbackEnabled`: the boolean as written, or the boolean its JSONPath holds. */
export function resolveRollbackEnabled(value: boolean | string, scope: PathScope): boolean {
  if (typeof value === 'boolean') return value;
  let resolved: unknown;
  try {
    resolved = resolvePath(value, scope);
  } catch (err) {
    if (err instanceof ResolveError) throw new ResolveError(`rollbackEnabled: ${err.message}`);
    throw err;
  }
  if (typeof resolved !== 'boolean') {
    throw new ResolveError(`rollbackEnabled: "${value}" is ${describe(resolved)}, not true or false`);
  }
  return resolved;
}
