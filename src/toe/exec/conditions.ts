import type { Comparison, ComparisonOperator, Condition, ConditionAction } from '../model.js';

/** What file-system operators ask of the instance (paths are instance paths). */
export interface FileProbe {
  fileExists(path: string): Promise<boolean>;
  folderExists(path: string): Promise<boolean>;
  /** A program name looked up on the instance's PATH, or a path to an executable file. */
  binaryExists(name: string): Promise<boolean>;
  /** Lowercase hex digest of a regular file, or undefined when there is none. */
  fileHash(algorithm: 'md5' | 'sha1' | 'sha256' | 'sha512', path: string): Promise<string | undefined>;
}

const HASHES = {
  fileMD5Equals: 'md5',
  fileSHA1Equals: 'sha1',
  fileSHA256Equals: 'sha256',
  fileSHA512Equals: 'sha512',
} as const;

/**
 * A number as AWSTOE converts one: decimal text with optional sign, fraction and exponent
 * (`"1.0"` works, `"a10"` does not). Surrounding whitespace is not trimmed (the docs say
 * comparisons do not trim).
 */
function toNumber(text: string): number | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

/**
 * `patternMatches` is a regular expression search (Go's regexp.MatchString: unanchored).
 * A leading `(?i)`/`(?s)`/`(?m)` group, which Go accepts and JavaScript does not, becomes a flag.
 */
function patternMatches(pattern: string, value: string): boolean {
  const flags = /^\(\?([ims]+)\)/.exec(pattern);
  try {
    return new RegExp(flags ? pattern.slice(flags[0].length) : pattern, flags?.[1] ?? '').test(value);
  } catch {
    return false;
  }
}

/**
 * One comparison with both operands resolved. Reading chosen for the AWS docs' wording "compares
 * the value to the baseline": `numberLessThan: 10, value: 5` is `5 < 10`. String operators are
 * case-insensitive (the docs say so for every string comparison, stringEquals included) and do
 * not trim; a number that does not convert makes the result false.
 */
export function compare(operator: ComparisonOperator, baseline: string, value: string): boolean {
  const a = value.toLowerCase();
  const b = baseline.toLowerCase();
  switch (operator) {
    case 'stringIsEmpty':
      return baseline === '';
    case 'stringIsWhitespace':
      return /^\s+$/.test(baseline);
    case 'stringEquals':
      return a === b;
    case 'stringLessThan':
      return a < b;
    case 'stringLessThanEquals':
      return a <= b;
    case 'stringGreaterThan':
      return a > b;
    case 'stringGreaterThanEquals':
      return a >= b;
    case 'patternMatches':
      return patternMatches(baseline, value);
    default:
      break;
  }
  const x = toNumber(value);
  const y = toNumber(baseline);
  if (x === undefined || y === undefined) return false;
  switch (operator) {
    case 'numberEquals':
      return x === y;
    case 'numberLessThan':
      return x < y;
    case 'numberLessThanEquals':
      return x <= y;
    case 'numberGreaterThan':
      return x > y;
    case 'numberGreaterThanEquals':
      return x >= y;
    default:
      throw new Error(`compare: ${operator} is not a value comparison`);
  }
}

async function comparison(
  c: Comparison,
  resolve: (text: string) => string,
  probe: FileProbe,
): Promise<boolean> {
  const baseline = resolve(c.operand);
  switch (c.operator) {
    case 'fileExists':
      return probe.fileExists(baseline);
    case 'folderExists':
      return probe.folderExists(baseline);
    case 'binaryExists':
      return probe.binaryExists(baseline);
    case 'fileMD5Equals':
    case 'fileSHA1Equals':
    case 'fileSHA256Equals':
    case 'fileSHA512Equals': {
      const digest = await probe.fileHash(HASHES[c.operator], resolve(c.value ?? ''));
      return digest !== undefined && digest === baseline.trim().toLowerCase();
    }
    default:
      return compare(c.operator, baseline, resolve(c.value ?? ''));
  }
}

/** Evaluates an `if` or Assert expression; `and` and `or` stop at the first operand that decides. */
export async function evaluateCondition(
  c: Condition,
  resolve: (text: string) => string,
  probe: FileProbe,
): Promise<boolean> {
  switch (c.kind) {
    case 'comparison':
      return comparison(c, resolve, probe);
    case 'not':
      return !(await evaluateCondition(c.operand, resolve, probe));
    case 'and':
      for (const o of c.operands) if (!(await evaluateCondition(o, resolve, probe))) return false;
      return true;
    case 'or':
      for (const o of c.operands) if (await evaluateCondition(o, resolve, probe)) return true;
      return false;
  }
}

/** What a step's `if` decides: the top-level then/else, defaulting to Execute when true, Skip when false. */
export function ifDecision(c: Condition, result: boolean): ConditionAction {
  return result ? (c.then ?? 'Execute') : (c.else ?? 'Skip');
}

/** A short text form of an expression for failure messages (`stringEquals('a', value 'b')`). */
export function describeCondition(c: Condition, resolve: (text: string) => string): string {
  switch (c.kind) {
    case 'comparison': {
      const value = c.value === undefined ? '' : `, '${resolve(c.value)}'`;
      return `${c.operator}('${resolve(c.operand)}'${value})`;
    }
    case 'not':
      return `not ${describeCondition(c.operand, resolve)}`;
    default:
      return `${c.kind}(${c.operands.map((o) => describeCondition(o, resolve)).join(', ')})`;
  }
}
