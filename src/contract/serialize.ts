/**
 * Puts an operation's output into its wire form by walking the model's output shape. The service
 * layer keeps times as milliseconds (or Dates); the wire has two encodings (api.md §0.6):
 * `DateTime` members are ISO-8601 strings, `timestamp` members (DateTimeTimestamp) are JSON
 * numbers of epoch seconds — SDK v3 rejects a string there.
 */
import { operation, type Shape, shape } from './model.js';

type Convert = (value: unknown) => unknown;

const converters = new Map<string, Convert | null>();

/**
 * The JSON-ready output of `op`: `undefined`/`null` members are dropped, times are encoded per
 * their shape, members the model does not know (Kiln extras) pass through untouched.
 *
 * Time values may be a number of milliseconds since the epoch, a Date, or an ISO string. A
 * number is always read as milliseconds, never as seconds.
 */
export function serializeOutput(op: string, output: unknown): unknown {
  return serializeShape(operation(op).output, output);
}

/** Same walk for any shape (a nested structure the API embeds elsewhere, e.g. an event). */
export function serializeShape(shapeName: string, value: unknown): unknown {
  const convert = converterFor(shapeName);
  return convert ? convert(value) : value;
}

/** The converter of a shape, or null when no member beneath it needs converting or dropping. */
function converterFor(name: string): Convert | null {
  if (converters.has(name)) return converters.get(name) ?? null;
  // Recursive shapes: assume "needs a walk" while compiling; the forwarder reads the final one.
  let compiled: Convert | null = null;
  converters.set(name, (v) => (compiled ? compiled(v) : v));
  compiled = compile(name, shape(name));
  converters.set(name, compiled);
  return compiled;
}

function compile(name: string, s: Shape): Convert | null {
  if (name === 'DateTime') return toIsoString;
  switch (s.type) {
    case 'timestamp':
      return toEpochSeconds;
    case 'structure':
      return compileStructure(s);
    case 'list': {
      const element = converterFor(s.member ?? 'String');
      return (v) => (Array.isArray(v) ? v.map((e) => (element ? element(e) : e)) : v);
    }
    case 'map': {
      const value = converterFor(s.value ?? 'String');
      return (v) => (isObject(v) ? mapValues(v, value) : v);
    }
    default:
      return null;
  }
}

function compileStructure(s: Shape): Convert {
  const members = new Map<string, Convert | null>();
  for (const [m, ref] of Object.entries(s.members ?? {})) members.set(m, converterFor(ref.shape));
  return (v) => {
    if (!isObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, value] of Object.entries(v)) {
      if (value === undefined || value === null) continue;
      const convert = members.get(k);
      out[k] = convert ? convert(value) : value;
    }
    return out;
  };
}

function mapValues(v: Record<string, unknown>, convert: Convert | null): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    if (value !== undefined && value !== null) out[k] = convert ? convert(value) : value;
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function toMs(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (v instanceof Date) return v.getTime();
  if (typeof v === 'string') {
    const ms = Date.parse(v);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** ISO-8601 with milliseconds, as the service prints (`2020-02-14T19:46:16.904Z`). */
function toIsoString(v: unknown): unknown {
  if (typeof v === 'string') return v;
  const ms = toMs(v);
  return ms === undefined ? v : new Date(ms).toISOString();
}

function toEpochSeconds(v: unknown): unknown {
  const ms = toMs(v);
  return ms === undefined ? v : ms / 1000;
}
