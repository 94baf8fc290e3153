import type { ComponentDocument } from '../model.js';

export interface DocumentVariables {
  /** Parameters (supplied, else default) and constants, by name. */
  readonly variables: ReadonlyMap<string, string>;
  /** One line per parameter that cannot run: no value, or a value outside allowedValues. */
  readonly problems: readonly string[];
}

/**
 * The values `{{ Name }}` takes in one document. Supplied names the document does not define
 * are ignored (awstoe ignores them too). A parameter with neither a default nor a supplied value
 * is a problem: awstoe does not document the case, and running on with the reference left as
 * text would only fail later, less clearly.
 */
export function documentVariables(
  doc: Pick<ComponentDocument, 'parameters' | 'constants'>,
  supplied: Readonly<Record<string, string>>,
): DocumentVariables {
  const variables = new Map<string, string>();
  const problems: string[] = [];
  for (const p of doc.parameters) {
    const value = Object.hasOwn(supplied, p.name) ? supplied[p.name] : p.default;
    if (value === undefined) {
      problems.push(`parameter '${p.name}' has no default and no value was given; pass ${p.name}=VALUE`);
      continue;
    }
    if (p.allowedValues && !p.allowedValues.includes(value)) {
      problems.push(
        `parameter '${p.name}' is '${value}', not one of its allowedValues (${p.allowedValues.join(', ')})`,
      );
      continue;
    }
    variables.set(p.name, value);
  }
  for (const c of doc.constants) variables.set(c.name, c.value);
  return { variables, problems };
}

/**
 * `--parameters k=v,k2=v2` as awstoe reads it: comma-separated pairs; `k=` with no value is
 * rejected. A value may hold `=` (split at the first one).
 */
export function parseParameterList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    const name = eq < 0 ? pair : pair.slice(0, eq);
    const value = eq < 0 ? '' : pair.slice(eq + 1);
    if (name.trim() === '') throw new Error(`'${pair}' has no parameter name; write NAME=VALUE`);
    if (value === '') throw new Error(`parameter '${name}' has no value; write ${name}=VALUE`);
    out[name.trim()] = value;
  }
  return out;
}
