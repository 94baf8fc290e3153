/**
 * Assembles an operation's input object from the parts of an HTTP request, following each
 * member's location in the model: query string, URI label, header, or the JSON body.
 */
import { KilnError } from '../core/errors.js';
import { inputShape, type MemberRef, shape } from './model.js';

export interface RequestParts {
  readonly query: URLSearchParams;
  /** URI labels from matchRoute, already decoded. */
  readonly pathParams: Readonly<Record<string, string>>;
  /** The raw body (string or bytes), or a value already parsed from JSON; absent/empty means `{}`. */
  readonly body: unknown;
  /** Lower-cased header names; the current model has no header members. */
  readonly headers?: Readonly<Record<string, string | undefined>>;
}

interface InputPlan {
  readonly located: readonly [name: string, ref: MemberRef][];
  readonly bodyMembers: readonly string[];
}

const plans = new Map<string, InputPlan>();

function planFor(op: string): InputPlan {
  let plan = plans.get(op);
  if (!plan) {
    const members = Object.entries(inputShape(op).members ?? {});
    plan = {
      located: members.filter(([, ref]) => ref.location !== undefined),
      bodyMembers: members.filter(([, ref]) => ref.location === undefined).map(([name]) => name),
    };
    plans.set(op, plan);
  }
  return plan;
}

/**
 * The input object for `op`. Body members the model does not know are dropped (newer clients
 * may send them); so are members that belong in the query string or path but came in the body.
 * Values are not checked here beyond the body being a JSON object: call validateInput next.
 */
export function readInput(op: string, parts: RequestParts): Record<string, unknown> {
  const plan = planFor(op);
  const input: Record<string, unknown> = {};
  if (plan.bodyMembers.length > 0) {
    const body = parseBody(parts.body);
    for (const name of plan.bodyMembers) {
      if (Object.hasOwn(body, name) && body[name] !== undefined) input[name] = body[name];
    }
  }
  for (const [name, ref] of plan.located) {
    const wire = ref.locationName ?? name;
    let value: unknown;
    if (ref.location === 'uri') value = parts.pathParams[wire];
    else if (ref.location === 'header') value = fromText(ref.shape, parts.headers?.[wire.toLowerCase()]);
    else if (shape(ref.shape).type === 'list') {
      // Repeated keys (`tagKeys=a&tagKeys=b`) carry list members.
      const all = parts.query.getAll(wire);
      const element = shape(ref.shape).member ?? 'String';
      value = all.length > 0 ? all.map((v) => fromText(element, v)) : undefined;
    } else value = fromText(ref.shape, parts.query.get(wire) ?? undefined);
    if (value !== undefined) input[name] = value;
  }
  return input;
}

/** Query strings and headers are text; give numbers and booleans their JSON type when they parse. */
function fromText(shapeName: string, text: string | undefined): unknown {
  if (text === undefined) return undefined;
  switch (shape(shapeName).type) {
    case 'integer':
    case 'long':
    case 'double':
    case 'timestamp': {
      const n = Number(text);
      return text.trim() !== '' && Number.isFinite(n) ? n : text;
    }
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    default:
      return text;
  }
}

function parseBody(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof value === 'string' || value instanceof Uint8Array) {
    const text = typeof value === 'string' ? value : Buffer.from(value).toString('utf8');
    if (text.trim() === '') return {};
    try {
      value = JSON.parse(text);
    } catch (err) {
      const detail = err instanceof Error ? err.message : String(err);
      throw new KilnError('InvalidRequestException', `The request body is not valid JSON: ${detail}.`, {
        hint: 'Send a JSON object, for example {"name": "my-component"}.',
      });
    }
  }
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new KilnError('InvalidRequestException', 'The request body must be a JSON object.', {
      hint: `It is ${Array.isArray(value) ? 'an array' : `a ${typeof value}`}; send {} when there is nothing to say.`,
    });
  }
  return value as Record<string, unknown>;
}
