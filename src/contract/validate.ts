/**
 * Request validation against the model: required members, JSON types, enums, lengths, ranges,
 * item counts and patterns, recursively. SDK v3 checks none of this and botocore only some, so
 * the server is the one place that enforces it. Checks are compiled once per shape.
 */
import { type ErrorName, KilnError } from '../core/errors.js';
import { codePointLength, compilePattern, operation, type Shape, shape } from './model.js';
import { describeValue, problemMessage, SHAPE_HINTS } from './problems.js';

export type ProblemKind = 'required' | 'type' | 'enum' | 'length' | 'pattern' | 'range' | 'count';

export interface Problem {
  /** The member as the user wrote it: `distributions[0].region`, `tags.mykey`. */
  readonly path: string;
  /** The model shape that failed, e.g. `VersionNumber` (lets callers pick a narrower error). */
  readonly shape: string;
  readonly kind: ProblemKind;
  /** One sentence (or two) saying what is wrong, without the parameter preamble. */
  readonly detail: string;
}

/**
 * A request that fails the model. `problems` lists the failures found; within one object,
 * missing members come first, then the other members by name.
 */
export class InputValidationError extends KilnError {
  readonly operation: string;
  readonly problems: readonly Problem[];

  constructor(op: string, code: ErrorName, problems: readonly Problem[]) {
    super(code, combinedMessage(problems));
    this.operation = op;
    this.problems = problems;
  }
}

/** Tag operations report every argument problem as InvalidParameterException (their model). */
const TAG_OPERATIONS = new Set(['TagResource', 'UntagResource', 'ListTagsForResource']);
/** A pathological request (a list of 10 000 bad items) need not be reported item by item. */
const MAX_PROBLEMS = 20;
const SHOWN_PROBLEMS = 5;

type Check = (value: unknown, path: string, out: Problem[]) => void;

const checks = new Map<string, Check>();

/** The problems of `input` for `op`: empty when valid, at most MAX_PROBLEMS otherwise. */
export function findProblems(op: string, input: Record<string, unknown>): Problem[] {
  const out: Problem[] = [];
  checkFor(operation(op).input)(input, '', out);
  return out;
}

/**
 * Throws InputValidationError when `input` breaks the model of `op`. Members the model does
 * not know are ignored (clients may be newer). The code follows the first problem: a missing
 * member is InvalidRequestException, a bad value InvalidParameterValueException; tag
 * operations always use InvalidParameterException.
 */
export function validateInput(op: string, input: Record<string, unknown>): void {
  const problems = findProblems(op, input);
  const first = problems[0];
  if (!first) return;
  const code: ErrorName = TAG_OPERATIONS.has(op)
    ? 'InvalidParameterException'
    : first.kind === 'required'
      ? 'InvalidRequestException'
      : 'InvalidParameterValueException';
  throw new InputValidationError(op, code, problems);
}

function combinedMessage(problems: readonly Problem[]): string {
  const shown = problems.slice(0, SHOWN_PROBLEMS).map(problemMessage);
  const more = problems.length - SHOWN_PROBLEMS;
  if (more > 0) shown.push(`(${more} more problem${more === 1 ? '' : 's'} not shown.)`);
  return shown.join(' ');
}

function checkFor(shapeName: string): Check {
  const known = checks.get(shapeName);
  if (known) return known;
  // Register a forwarder first so recursive shapes compile without looping.
  let compiled: Check | undefined;
  checks.set(shapeName, (v, p, o) => compiled?.(v, p, o));
  compiled = compile(shapeName, shape(shapeName));
  checks.set(shapeName, compiled);
  return compiled;
}

const join = (path: string, member: string): string => (path === '' ? member : `${path}.${member}`);

function push(out: Problem[], path: string, shapeName: string, kind: ProblemKind, detail: string): void {
  if (out.length < MAX_PROBLEMS) out.push({ path, shape: shapeName, kind, detail });
}

function compile(name: string, s: Shape): Check {
  switch (s.type) {
    case 'structure':
      return compileStructure(name, s);
    case 'list':
      return compileList(name, s);
    case 'map':
      return compileMap(name, s);
    case 'string':
      return compileString(name, s, 'It');
    case 'integer':
    case 'long':
    case 'double':
      return compileNumber(name, s);
    case 'boolean':
      return (v, p, o) => {
        if (typeof v !== 'boolean')
          push(o, p, name, 'type', `It must be a boolean, not ${describeValue(v)}.`);
      };
    case 'timestamp':
      return (v, p, o) => {
        const ok =
          typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v);
        if (!ok)
          push(o, p, name, 'type', `It must be a timestamp in epoch seconds, not ${describeValue(v)}.`);
      };
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileStructure(name: string, s: Shape): Check {
  const required = s.required ?? [];
  const members = Object.entries(s.members ?? {}).map(([m, ref]) => ({
    m,
    check: checkFor(ref.shape),
  }));
  return (v, path, out) => {
    if (!isObject(v)) {
      push(out, path, name, 'type', `It must be an object, not ${describeValue(v)}.`);
      return;
    }
    for (const m of required) {
      if (v[m] === undefined || v[m] === null)
        push(out, join(path, m), s.members?.[m]?.shape ?? name, 'required', '');
    }
    for (const { m, check } of members) {
      const value = v[m];
      // null is how some clients spell "absent"; required members were reported above.
      if (value !== undefined && value !== null) check(value, join(path, m), out);
    }
  };
}

function countRule(s: Shape, unit: string, units: string): ((n: number) => string | undefined) | undefined {
  const { min, max } = s;
  if (min === undefined && max === undefined) return undefined;
  return (n) => {
    if ((min === undefined || n >= min) && (max === undefined || n <= max)) return undefined;
    const plural = (k: number) => `${k} ${k === 1 ? unit : units}`;
    const want =
      min !== undefined && max !== undefined
        ? `${min} to ${plural(max)}`
        : min !== undefined
          ? `at least ${plural(min)}`
          : `at most ${plural(max ?? 0)}`;
    return want;
  };
}

function compileList(name: string, s: Shape): Check {
  const element = checkFor(s.member ?? 'String');
  const count = countRule(s, 'item', 'items');
  return (v, path, out) => {
    if (!Array.isArray(v))
      return push(out, path, name, 'type', `It must be a list, not ${describeValue(v)}.`);
    const bad = count?.(v.length);
    if (bad) push(out, path, name, 'count', `It must have ${bad} (got ${v.length}).`);
    for (let i = 0; i < v.length; i++) element(v[i], `${path}[${i}]`, out);
  };
}

function compileMap(name: string, s: Shape): Check {
  const keyName = s.key ?? 'String';
  const key = compileString(keyName, shape(keyName), 'The key');
  const value = checkFor(s.value ?? 'String');
  const count = countRule(s, 'entry', 'entries');
  return (v, path, out) => {
    if (!isObject(v)) return push(out, path, name, 'type', `It must be an object, not ${describeValue(v)}.`);
    const keys = Object.keys(v);
    const bad = count?.(keys.length);
    if (bad) push(out, path, name, 'count', `It must have ${bad} (got ${keys.length}).`);
    for (const k of keys) {
      const p = join(path, k);
      key(k, p, out);
      if (v[k] === null || v[k] === undefined)
        push(out, p, s.value ?? name, 'type', 'A map value may not be null.');
      else value(v[k], p, out);
    }
  };
}

function compileString(name: string, s: Shape, subject: string): Check {
  const allowed = s.enum ? new Set(s.enum) : undefined;
  const length = countRule(s, 'character', 'characters');
  const pattern = s.pattern === undefined ? undefined : compilePattern(s.pattern);
  const hint = SHAPE_HINTS[name] ? ` ${SHAPE_HINTS[name]}` : '';
  return (v, path, out) => {
    if (typeof v !== 'string')
      return push(out, path, name, 'type', `${subject} must be a string, not ${describeValue(v)}.`);
    if (allowed && !allowed.has(v)) {
      return push(
        out,
        path,
        name,
        'enum',
        `${subject} must be one of ${[...allowed].join(', ')} (got ${describeValue(v)}).`,
      );
    }
    const n = length ? codePointLength(v) : 0;
    const bad = length?.(n);
    if (bad) return push(out, path, name, 'length', `${subject} must be ${bad} long (got ${n}).${hint}`);
    if (pattern && !pattern.test(v)) {
      push(out, path, name, 'pattern', `${subject} must match the pattern ${s.pattern}.${hint}`);
    }
  };
}

function compileNumber(name: string, s: Shape): Check {
  const whole = s.type !== 'double';
  const { min, max } = s;
  return (v, path, out) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      return push(
        out,
        path,
        name,
        'type',
        `It must be ${whole ? 'an integer' : 'a number'}, not ${describeValue(v)}.`,
      );
    }
    if (whole && !Number.isInteger(v))
      return push(out, path, name, 'type', `It must be a whole number (got ${v}).`);
    if ((min !== undefined && v < min) || (max !== undefined && v > max)) {
      const want =
        min !== undefined && max !== undefined
          ? `between ${min} and ${max}`
          : min !== undefined
            ? `at least ${min}`
            : `at most ${max}`;
      push(out, path, name, 'range', `It must be ${want} (got ${v}).`);
    }
  };
}

/** Compiles every input shape now, so the first request does not pay for it (and bad patterns fail early). */
export function precompileAll(ops: readonly string[]): void {
  for (const op of ops) checkFor(operation(op).input);
}
