/**
 * Typed access to the Image Builder API model (src/contract/imagebuilder-model.json, generated
 * by scripts/gen-contract-model.mjs from the service's rest-json model, prose removed).
 */
import raw from './imagebuilder-model.json' with { type: 'json' };
import { deepFreeze } from '../core/freeze.js';

export type ShapeType =
  | 'structure'
  | 'string'
  | 'list'
  | 'map'
  | 'integer'
  | 'long'
  | 'double'
  | 'boolean'
  | 'timestamp';

/** Where a member travels on the wire; absent means the JSON body. */
export type MemberLocation = 'querystring' | 'uri' | 'header';

export interface MemberRef {
  readonly shape: string;
  readonly location?: MemberLocation;
  readonly locationName?: string;
  /** The member is the operation's `clientToken` (the CLI and SDKs fill it in). */
  readonly idempotencyToken?: boolean;
  readonly timestampFormat?: string;
}

export interface Shape {
  readonly type: ShapeType;
  readonly members?: Readonly<Record<string, MemberRef>>;
  readonly required?: readonly string[];
  readonly enum?: readonly string[];
  /** A Java regular expression, matched against the whole value (see compilePattern). */
  readonly pattern?: string;
  /** Length for strings (code points), item count for lists and maps, value for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Element shape name of a list. */
  readonly member?: string;
  /** Key and value shape names of a map. */
  readonly key?: string;
  readonly value?: string;
  readonly timestampFormat?: string;
  /** Present on exception shapes. */
  readonly error?: { readonly httpStatusCode: number; readonly senderFault?: boolean };
  readonly exception?: boolean;
}

export interface Pagination {
  readonly inputToken: string;
  readonly outputToken: string;
  readonly resultKey: string;
  readonly limitKey?: string;
}

export interface Operation {
  readonly name: string;
  readonly http: { readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE'; readonly requestUri: string };
  readonly input: string;
  readonly output: string;
  /** Exception shape names the model lists for this operation. */
  readonly errors: readonly string[];
  readonly pagination?: Pagination;
}

interface ModelFile {
  readonly metadata: Readonly<Record<string, string>>;
  readonly operations: Readonly<Record<string, Operation>>;
  readonly shapes: Readonly<Record<string, Shape>>;
}

const MODEL = deepFreeze(raw as unknown as ModelFile);

export const MODEL_METADATA = MODEL.metadata;

/** Every operation of the model, by name. */
export const OPERATIONS: Readonly<Record<string, Operation>> = MODEL.operations;

/** Operation names in alphabetical order. */
export const OPERATION_NAMES: readonly string[] = Object.freeze(Object.keys(OPERATIONS).sort());

export function isOperationName(name: string): boolean {
  return Object.hasOwn(OPERATIONS, name);
}

export function operation(name: string): Operation {
  const op = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!op) throw new Error(`unknown Image Builder operation '${name}'`);
  return op;
}

export function hasShape(name: string): boolean {
  return Object.hasOwn(MODEL.shapes, name);
}

export function shape(name: string): Shape {
  const s = Object.hasOwn(MODEL.shapes, name) ? MODEL.shapes[name] : undefined;
  if (!s) throw new Error(`unknown Image Builder shape '${name}'`);
  return s;
}

export const inputShape = (op: string): Shape => shape(operation(op).input);
export const outputShape = (op: string): Shape => shape(operation(op).output);

/** The `clientToken` member name of a mutating operation, if it has one. */
export function idempotencyTokenMember(op: string): string | undefined {
  const members = inputShape(op).members ?? {};
  return Object.keys(members).find((m) => members[m]?.idempotencyToken === true);
}

const patternCache = new Map<string, RegExp>();

/**
 * Compiles a model pattern for full-string matching. The service checks values with Java's
 * `Matcher.matches()`, so unanchored patterns such as `[^\x00]+` and alternations such as
 * `^String|Integer|Boolean|StringList$` must cover the whole value; wrapping in `^(?:…)$`
 * gives exactly that. The `u` flag makes `.` and classes work on code points as Java does.
 * Java's `\s` is ASCII-only (JS's also matches Unicode spaces), so it is spelled out.
 */
export function compilePattern(javaPattern: string): RegExp {
  let re = patternCache.get(javaPattern);
  if (!re) {
    re = new RegExp(`^(?:${translateJavaRegex(javaPattern)})$`, 'u');
    patternCache.set(javaPattern, re);
  }
  return re;
}

const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';

/** Rewrites the Java-only parts of a pattern; the model uses `\s` (and nothing else exotic). */
export function translateJavaRegex(pattern: string): string {
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1] ?? '';
      i++;
      if (next === 's') out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`;
      else if (next === 'S' && !inClass) out += `[^${JAVA_SPACE}]`;
      else if (next === 'p' || next === 'P' || (next === 'S' && inClass)) {
        throw new Error(`pattern ${pattern}: \\${next} needs a translation to JavaScript`);
      } else out += `\\${next}`;
      continue;
    }
    if (c === '[' && !inClass) inClass = true;
    else if (c === ']' && inClass) inClass = false;
    out += c;
  }
  return out;
}

/** String length as the service counts it: Unicode code points, not UTF-16 units. */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/**
 * Milliseconds since the epoch for a request timestamp, which clients send as epoch seconds
 * (a number, or a numeric string); undefined when the value is not one.
 */
export function timestampInputToMs(value: unknown): number | undefined {
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  return Number.isFinite(n) ? Math.round(n * 1000) : undefined;
}
