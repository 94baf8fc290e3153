/**
 * Workflow parameters as a run reads them (`$.parameters.<name>`): the API's
 * `WorkflowConfiguration.parameters[]` ({name, value[]}, always strings) converted by the type
 * each parameter declares, with the document's defaults for the ones not given.
 */
import { invalidValue } from '../core/errors.js';
import type { WorkflowParameterDeclaration, WorkflowParameterType } from './document.js';

/** The API's `WorkflowParameter`: a name and its value(s) as strings. */
export interface WorkflowParameterValue {
  readonly name: string;
  readonly value: readonly string[];
}

const INTEGER = /^[+-]?\d+$/;

/**
 * Every declared parameter with its typed value. Throws InvalidParameterValueException listing
 * every problem (unknown, repeated, wrongly typed or missing parameters) at once.
 */
export function resolveWorkflowParameters(
  declared: readonly WorkflowParameterDeclaration[],
  given: readonly WorkflowParameterValue[],
): Readonly<Record<string, unknown>> {
  const problems: string[] = [];
  const byName = new Map<string, WorkflowParameterValue>();
  for (const p of given) {
    if (!declared.some((d) => d.name === p.name)) {
      const names = declared.map((d) => d.name);
      problems.push(
        `"${p.name}" is not a parameter of this workflow` +
          (names.length > 0 ? ` (it has ${names.join(', ')})` : ' (it has none)'),
      );
    } else if (byName.has(p.name)) {
      problems.push(`"${p.name}" is given twice`);
    } else {
      byName.set(p.name, p);
    }
  }
  // Entries, then fromEntries: a parameter may be named `__proto__` (names allow underscores).
  const out: [string, unknown][] = [];
  for (const d of declared) {
    const p = byName.get(d.name);
    if (p === undefined) {
      if (d.default === undefined) {
        problems.push(`"${d.name}" (${d.type}) has no default, so it must be given`);
      } else {
        out.push([d.name, Array.isArray(d.default) ? [...d.default] : d.default]);
      }
      continue;
    }
    const converted = convert(d.type, p.value);
    if (converted.ok) out.push([d.name, converted.value]);
    else problems.push(`"${d.name}" ${converted.problem}`);
  }
  if (problems.length > 0) {
    throw invalidValue(
      'parameters',
      `Workflow parameters are not valid: ${problems.join('; ')}.`,
      'Pass each as {name, value: [...]} in the workflow configuration.',
    );
  }
  return Object.freeze(Object.fromEntries(out));
}

type Converted =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly problem: string };

function convert(type: WorkflowParameterType, value: readonly string[]): Converted {
  if (type === 'stringList') return { ok: true, value: [...value] };
  if (value.length !== 1) {
    return { ok: false, problem: `is a ${type}, so it takes exactly one value; got ${value.length}` };
  }
  const v = value[0] ?? '';
  switch (type) {
    case 'string':
      return { ok: true, value: v };
    case 'integer':
      return INTEGER.test(v) && Number.isSafeInteger(Number(v))
        ? { ok: true, value: Number(v) }
        : { ok: false, problem: `is an integer; "${v}" is not a whole number` };
    case 'boolean': {
      const lower = v.toLowerCase();
      return lower === 'true' || lower === 'false'
        ? { ok: true, value: lower === 'true' }
        : { ok: false, problem: `is a boolean; "${v}" is not true or false` };
    }
  }
}
