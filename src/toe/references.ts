/** One `{{ ... }}` occurrence in a string: offsets of the braces and the trimmed name inside. */
export interface ReferenceOccurrence {
  readonly start: number;
  readonly end: number;
  readonly raw: string;
  readonly name: string;
}

const REFERENCE = /\{\{([\s\S]*?)\}\}/g;

/** Every `{{ ... }}` in `text`, in order. `${...}` is never a reference. */
export function findReferences(text: string): ReferenceOccurrence[] {
  if (!text.includes('{{')) return [];
  const found: ReferenceOccurrence[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    const start = m.index ?? 0;
    found.push({ start, end: start + m[0].length, raw: m[0], name: (m[1] ?? '').trim() });
  }
  return found;
}

export function hasReference(text: string): boolean {
  return findReferences(text).length > 0;
}

/**
 * Textual substitution: each reference for which `resolve` returns a string is replaced;
 * the others (out-of-scope loop variables, Go templates in scripts) stay verbatim.
 */
export function replaceReferences(text: string, resolve: (name: string) => string | undefined): string {
  const refs = findReferences(text);
  if (refs.length === 0) return text;
  let out = '';
  let last = 0;
  for (const ref of refs) {
    const value = resolve(ref.name);
    if (value === undefined) continue;
    out += text.slice(last, ref.start) + value;
    last = ref.end;
  }
  return out + text.slice(last);
}

/** What a reference name means, by its shape alone (the document decides if it exists). */
export type ParsedReference =
  | { readonly kind: 'variable'; readonly name: string }
  | { readonly kind: 'loop'; readonly loop: string; readonly field: 'index' | 'value' }
  | {
      readonly kind: 'input';
      readonly phase: string;
      readonly step: string;
      readonly index?: number;
      readonly key: string;
    }
  | { readonly kind: 'output'; readonly phase: string; readonly step: string; readonly key: string }
  | { readonly kind: 'other' };

const VARIABLE = /^[A-Za-z0-9_-]+$/;
const LOOP = /^([A-Za-z0-9_-]+)\.(index|value)$/;
const INPUT = /^([^.\s{}[\]]+)\.([^.\s{}[\]]+)\.inputs(?:\[(\d+)\])?\.([^.\s{}[\]]+)$/;
const OUTPUT = /^([^.\s{}[\]]+)\.([^.\s{}[\]]+)\.outputs\.([^.\s{}[\]]+)$/;

/**
 * Classifies a trimmed reference name: `Name` (parameter/constant), `loop.value` or
 * `<loopName>.index`, `phase.step.inputs[N].key` / `phase.step.inputs.key`,
 * `phase.step.outputs.key`; anything else (`.State.Running`, `imagebuilder:buildDate`) is 'other'.
 */
export function parseReference(name: string): ParsedReference {
  if (VARIABLE.test(name)) return { kind: 'variable', name };
  const loop = LOOP.exec(name);
  if (loop) return { kind: 'loop', loop: loop[1] ?? '', field: loop[2] as 'index' | 'value' };
  const input = INPUT.exec(name);
  if (input) {
    const [, phase = '', step = '', index, key = ''] = input;
    return index === undefined
      ? { kind: 'input', phase, step, key }
      : { kind: 'input', phase, step, index: Number(index), key };
  }
  const output = OUTPUT.exec(name);
  if (output) {
    const [, phase = '', step = '', key = ''] = output;
    return { kind: 'output', phase, step, key };
  }
  return { kind: 'other' };
}
