import { isMap, isSeq, type Node } from 'yaml';
import {
  COMPARISON_OPERATORS,
  type ComparisonOperator,
  CONDITION_ACTIONS,
  type Condition,
  type ConditionAction,
  FILE_OPERATORS,
  HASH_OPERATORS,
  LOGICAL_OPERATORS,
} from './model.js';
import { hasReference } from './references.js';
import { joinPath } from './source-map.js';
import { caseHint, describe, type Entry, isNull, type Reader, scalarText } from './yaml-nodes.js';

/** AWSTOE rejects logical operators nested deeper than this. */
export const MAX_LOGICAL_DEPTH = 4;

const SINGLE_OPERAND: ReadonlySet<string> = new Set<string>([
  'stringIsEmpty',
  'stringIsWhitespace',
  ...FILE_OPERATORS,
]);
const HASH: ReadonlySet<string> = new Set<string>(HASH_OPERATORS);
const NUMBER = /^number/;
const OPERATORS: readonly string[] = [...COMPARISON_OPERATORS, ...LOGICAL_OPERATORS];
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

/**
 * Reads an `if` block or an Assert step's inputs: one operator (comparison or and/or/not) with
 * its operands, plus optional `then`/`else` siblings.
 */
export function readCondition(r: Reader, path: string, node: Node | undefined): Condition | undefined {
  // The docs' syntax block shows `if: - <expr>` but every example uses a map; take a lone item.
  if (isSeq(node) && node.items.length === 1) {
    r.warn(path, node, 'write the expression as a map, not a one-item list');
    return readExpression(r, joinPath(path, 0), r.resolve(node.items[0]), 0);
  }
  return readExpression(r, path, node, 0);
}

function readExpression(
  r: Reader,
  path: string,
  node: Node | undefined,
  depth: number,
): Condition | undefined {
  if (!isMap(node)) {
    r.error(
      path,
      node,
      `must be a map with one operator, such as 'fileExists: /etc/os-release'; got ${describe(node)}`,
    );
    return undefined;
  }
  const entries = r.entries(path, node);
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const operators = entries.filter((e) => OPERATOR_SET.has(e.key));
  for (const e of entries) {
    if (OPERATOR_SET.has(e.key) || ['value', 'then', 'else'].includes(e.key)) continue;
    if (e.key === 'path' && operators.some((o) => HASH.has(o.key))) continue;
    r.error(joinPath(path, e.key), e.keyNode, `unknown operator '${e.key}'${caseHint(e.key, OPERATORS)}`);
  }
  if (operators.length !== 1) {
    const message =
      operators.length === 0
        ? `has no operator; use one of ${OPERATORS.join(', ')}`
        : `has several operators (${operators.map((o) => o.key).join(', ')}); combine them with 'and' or 'or'`;
    r.error(path, node, message);
    return undefined;
  }
  const op = operators[0] as Entry;
  const base = { path, ...readThenElse(r, path, byKey) };
  if (op.key === 'and' || op.key === 'or' || op.key === 'not') {
    const opPath = joinPath(path, op.key);
    if (depth + 1 > MAX_LOGICAL_DEPTH) {
      r.error(opPath, op.keyNode, `logical operators nest more than ${MAX_LOGICAL_DEPTH} levels deep`);
      return undefined;
    }
    if (byKey.has('value'))
      r.error(joinPath(path, 'value'), byKey.get('value')?.keyNode, `'${op.key}' takes no 'value'`);
    if (op.key === 'not') {
      const operand = readExpression(r, opPath, op.value, depth + 1);
      return operand && Object.freeze({ kind: 'not', operand, ...base });
    }
    if (!isSeq(op.value) || op.value.items.length === 0) {
      r.error(
        opPath,
        op.value,
        `'${op.key}' takes a non-empty list of expressions; got ${describe(op.value)}`,
      );
      return undefined;
    }
    const operands = r
      .items(opPath, op.value)
      .map((item, i) => readExpression(r, joinPath(opPath, i), item, depth + 1));
    if (operands.some((o) => o === undefined)) return undefined;
    return Object.freeze({ kind: op.key, operands: operands as Condition[], ...base });
  }
  return readComparison(r, path, op, byKey, base);
}

function readComparison(
  r: Reader,
  path: string,
  op: Entry,
  byKey: ReadonlyMap<string, Entry>,
  base: { path: string; then?: ConditionAction; else?: ConditionAction },
): Condition | undefined {
  const operator = op.key as ComparisonOperator;
  const opPath = joinPath(path, op.key);
  const operand = isNull(op.value) && SINGLE_OPERAND.has(operator) ? '' : scalarText(op.value);
  if (operand === undefined) {
    r.error(
      opPath,
      op.value ?? op.keyNode,
      `'${operator}' needs a string or number; got ${describe(op.value)}`,
    );
    return undefined;
  }
  const second = HASH.has(operator) ? (byKey.get('path') ?? byKey.get('value')) : byKey.get('value');
  if (SINGLE_OPERAND.has(operator)) {
    if (second)
      r.error(
        joinPath(path, second.key),
        second.keyNode,
        `'${operator}' takes one operand; remove '${second.key}'`,
      );
    return Object.freeze({ kind: 'comparison', operator, operand, ...base });
  }
  if (!second) {
    const want = HASH.has(operator) ? "a 'path' (the file to hash)" : "a 'value' to compare with";
    r.error(path, undefined, `'${operator}' needs ${want}`);
    return undefined;
  }
  const value = isNull(second.value) ? '' : scalarText(second.value);
  if (value === undefined) {
    r.error(
      joinPath(path, second.key),
      second.value,
      `must be a string or number; got ${describe(second.value)}`,
    );
    return undefined;
  }
  if (NUMBER.test(operator) && !hasReference(operand) && !Number.isFinite(Number(operand.trim() || 'x'))) {
    r.error(opPath, op.value, `'${operator}' compares numbers; '${operand}' is not a number`);
  }
  if (operator === 'patternMatches' && !hasReference(operand)) {
    try {
      new RegExp(operand);
    } catch (err) {
      r.error(opPath, op.value, `not a valid regular expression: ${(err as Error).message}`);
    }
  }
  return Object.freeze({ kind: 'comparison', operator, operand, value, ...base });
}

function readThenElse(
  r: Reader,
  path: string,
  byKey: ReadonlyMap<string, Entry>,
): { then?: ConditionAction; else?: ConditionAction } {
  const out: { then?: ConditionAction; else?: ConditionAction } = {};
  for (const key of ['then', 'else'] as const) {
    const entry = byKey.get(key);
    if (!entry) continue;
    const text = scalarText(entry.value);
    if (text !== undefined && (CONDITION_ACTIONS as readonly string[]).includes(text)) {
      out[key] = text as ConditionAction;
    } else {
      const hint = text ? caseHint(text, CONDITION_ACTIONS) : '';
      r.error(
        joinPath(path, key),
        entry.value,
        `must be Abort, Execute or Skip; got ${describe(entry.value)}${hint}`,
      );
    }
  }
  return out;
}
