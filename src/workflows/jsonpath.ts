/**
 * Run-time JSONPath for workflow documents (api.md §8.2): `$.<root>.<name>` followed by
 * `.name`, `['name']` or `[n]` segments, evaluated against the run's data; `{{ $.path }}`
 * interpolation inside strings; and the `key.$` input convention. The parser checks roots and
 * names statically (references.ts); what is deeper is data a step produced, so only a run can
 * tell whether it is there.
 */
import { isRecord } from './conditions.js';
import { interpolations } from './references.js';

/** The data a document's JSONPaths read while a workflow runs. */
export interface PathScope {
  readonly parameters: Readonly<Record<string, unknown>>;
  readonly stepOutputs: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  readonly workflowOutputs: Readonly<Record<string, unknown>>;
  readonly imagebuilder: Readonly<Record<string, unknown>>;
}

/** A path that does not resolve or a value of the wrong type; the message is for the user. */
export class ResolveError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ResolveError';
  }
}

type Segment = string | number;

const SEGMENT = /\.([^.[\]'"]+)|\[(\d+)\]|\['([^']*)'\]|\["([^"]*)"\]/y;

function segmentsOf(path: string): Segment[] {
  if (!path.startsWith('$')) throw new ResolveError(`"${path}" is not a JSONPath; it must start with "$."`);
  const out: Segment[] = [];
  SEGMENT.lastIndex = 1;
  while (SEGMENT.lastIndex < path.length) {
    const at = SEGMENT.lastIndex;
    const m = SEGMENT.exec(path);
    if (!m) {
      throw new ResolveError(
        `"${path}" can't be evaluated at "${path.slice(at)}"; ` +
          `Kiln's JSONPath has .name, ['name'] and [index] segments`,
      );
    }
    out.push(m[2] !== undefined ? Number(m[2]) : (m[1] ?? m[3] ?? m[4] ?? ''));
  }
  return out;
}

/** The value at `path`, or a ResolveError saying where the path stops matching the data. */
export function resolvePath(path: string, scope: PathScope): unknown {
  const segments = segmentsOf(path);
  let current: unknown = scope;
  for (const [i, seg] of segments.entries()) {
    const next = child(current, seg);
    if (next === undefined) throw new ResolveError(missing(path, segments, i, current));
    current = next.value;
  }
  return current;
}

function child(value: unknown, seg: Segment): { value: unknown } | undefined {
  if (typeof seg === 'number')
    return Array.isArray(value) && seg < value.length ? { value: value[seg] } : undefined;
  // Own properties only, so `constructor` or `__proto__` never resolve to JavaScript internals.
  if (isRecord(value) && Object.hasOwn(value, seg)) return { value: value[seg] };
  if (Array.isArray(value) && seg === 'length') return { value: value.length };
  return undefined;
}

function missing(path: string, segments: readonly Segment[], index: number, parent: unknown): string {
  const [root, name] = segments;
  if (index === 1 && root === 'stepOutputs') {
    return `"${path}" has no value: step "${name}" has no outputs (it was skipped or failed before producing any)`;
  }
  if (index === 1 && root === 'parameters') return `"${path}" has no value: no parameter "${name}" was given`;
  if (index === 1 && root === 'imagebuilder') return `"${path}" has no value: Kiln did not set "${name}"`;
  if (index === 1 && root === 'workflowOutputs') {
    return `"${path}" has no value: no workflow that ran before this one for the image has an output "${name}"`;
  }
  const seg = segments[index];
  const kind = Array.isArray(parent) ? `a list of ${parent.length}` : describe(parent);
  const what = typeof seg === 'number' ? `index ${seg}` : `"${seg}"`;
  return `"${path}" has no value: there is no ${what} in ${kind}`;
}

/** A short, user-facing description of a value's type. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (isRecord(value)) return 'a map';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${String(value)}`;
}

/** Replaces each `{{ $.path }}` in `text`; lists and maps are inserted as JSON. */
export function interpolate(text: string, scope: PathScope): string {
  if (interpolations(text).length === 0) return text;
  return text.replace(/\{\{\s*(\$[^}]*?)\s*\}\}/g, (_, path: string) => {
    const value = resolvePath(path, scope);
    return typeof value === 'string' ? value : JSON.stringify(value);
  });
}

/**
 * A step's inputs with every `key.$` replaced by `key` holding the value at its JSONPath, and
 * every string interpolated, at any depth. Throws ResolveError naming the input.
 */
export function resolveInputs(
  inputs: Readonly<Record<string, unknown>>,
  scope: PathScope,
): Record<string, unknown> {
  return resolveMap(inputs, scope, 'inputs');
}

function resolveValue(value: unknown, scope: PathScope, at: string): unknown {
  if (Array.isArray(value)) return value.map((v, i) => resolveValue(v, scope, `${at}[${i}]`));
  if (isRecord(value)) return resolveMap(value, scope, at);
  if (typeof value === 'string') return withPlace(at, () => interpolate(value, scope));
  return value;
}

function resolveMap(map: Readonly<Record<string, unknown>>, scope: PathScope, at: string) {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(map)) {
    const isPath = key.endsWith('.$');
    const name = isPath ? key.slice(0, -2) : key;
    if (Object.hasOwn(out, name)) {
      throw new ResolveError(`${at}.${name} is given twice, as "${name}" and as "${name}.$"; keep one`);
    }
    const resolved = isPath
      ? withPlace(`${at}.${key}`, () => resolvePath(String(value), scope))
      : resolveValue(value, scope, `${at}.${key}`);
    // defineProperty, so an input named `__proto__` stays data instead of replacing the prototype.
    Object.defineProperty(out, name, {
      value: resolved,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

function withPlace<T>(at: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ResolveError) throw new ResolveError(`${at}: ${err.message}`);
    throw err;
  }
}
