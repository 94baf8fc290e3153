import type { InputMap, InputValue } from '../model.js';
import { parseReference, replaceReferences } from '../references.js';

/** What chaining can read of one finished step: its resolved inputs and merged outputs. */
export interface ChainEntry {
  /** Map inputs: one resolved map per loop iteration (one without a loop). List inputs: the resolved items. */
  readonly inputs: readonly InputMap[];
  /** True when the step takes a list of input items (chaining then uses `inputs[N]`). */
  readonly listInputs: boolean;
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** Chaining values of one document, by `phase.step` (plain data, so reboot state can persist it). */
export type ChainValues = Record<string, ChainEntry>;

export const chainKey = (phase: string, step: string): string => `${phase}.${step}`;

/** The current loop iteration, for `{{ loop.* }}` and `{{ <name>.* }}`. */
export interface LoopScope {
  readonly name?: string;
  readonly index: number;
  readonly value: string;
}

/** Everything a reference can resolve to while one step runs. */
export interface ResolveScope {
  /** Parameters (supplied or default) and constants. */
  readonly variables: ReadonlyMap<string, string>;
  readonly chaining: ChainValues;
  readonly loop?: LoopScope;
}

/** Chained values are text; a number or a map (ExecuteDocument's summary) is written out. */
function asText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

function chained(name: string, chaining: ChainValues): string | undefined {
  const ref = parseReference(name);
  if (ref.kind === 'output') return asText(chaining[chainKey(ref.phase, ref.step)]?.outputs[ref.key]);
  if (ref.kind !== 'input') return undefined;
  const entry = chaining[chainKey(ref.phase, ref.step)];
  if (!entry) return undefined;
  // A looped map step: `inputs.key` reads the last iteration; `inputs[N]` the N-th item of a list.
  const item = entry.listInputs ? entry.inputs[ref.index ?? 0] : entry.inputs[entry.inputs.length - 1];
  return asText(item?.[ref.key]);
}

/**
 * Substitutes references in one string the way AWSTOE does (application.log: unchaining, then
 * parameter resolution): chaining first, then parameters and constants, then loop variables.
 * Anything that does not resolve (an out-of-scope loop variable, a Go template) stays verbatim.
 */
export function resolveText(text: string, scope: ResolveScope): string {
  if (!text.includes('{{')) return text;
  let out = replaceReferences(text, (name) => chained(name, scope.chaining));
  out = replaceReferences(out, (name) =>
    parseReference(name).kind === 'variable' ? scope.variables.get(name) : undefined,
  );
  const loop = scope.loop;
  if (!loop) return out;
  return replaceReferences(out, (name) => {
    const ref = parseReference(name);
    if (ref.kind !== 'loop' || (ref.loop !== 'loop' && ref.loop !== loop.name)) return undefined;
    return ref.field === 'index' ? String(loop.index) : loop.value;
  });
}

/** `resolveText` over every string inside a value (maps and lists are copied, other scalars kept). */
export function resolveValue<T extends InputValue>(value: T, scope: ResolveScope): T {
  if (typeof value === 'string') return resolveText(value, scope) as T;
  if (Array.isArray(value)) return value.map((v) => resolveValue(v, scope)) as unknown as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, InputValue> = {};
    for (const [k, v] of Object.entries(value as InputMap)) out[k] = resolveValue(v, scope);
    return out as T;
  }
  return value;
}
