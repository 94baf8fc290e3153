import { isMap, isSeq, type Node } from 'yaml';
import type { ConstantDef, ParameterDef } from './model.js';
import { joinPath } from './source-map.js';
import { describe, type Entry, isNull, type Reader, scalarText } from './yaml-nodes.js';

const NAME = /^[A-Za-z0-9_-]{3,128}$/;
const PARAMETER_KEYS = ['type', 'default', 'description', 'allowedValues'];
const CONSTANT_KEYS = ['type', 'value'];

/**
 * Reads `parameters` or `constants`: a list of single-key maps `- Name: {type: string, ...}`.
 * Only `type: string` is accepted: it is the only documented type and no real document uses
 * another (a `stringList` would need list semantics AWSTOE never describes).
 */
export function readParameters(
  r: Reader,
  node: Node | undefined,
  names: Map<string, string>,
): ParameterDef[] {
  return readList(r, 'parameters', node, PARAMETER_KEYS, names, (path, name, byKey) => {
    const def: { -readonly [K in keyof ParameterDef]: ParameterDef[K] } = { name, type: 'string' };
    const description = optionalText(r, path, byKey.get('description'));
    if (description !== undefined) def.description = description;
    const defaultEntry = byKey.get('default');
    const dflt = optionalText(r, path, defaultEntry);
    if (dflt !== undefined) def.default = dflt;
    const allowed = byKey.get('allowedValues');
    if (allowed) {
      const allowedPath = joinPath(path, 'allowedValues');
      if (!isSeq(allowed.value)) {
        r.error(allowedPath, allowed.value, `must be a list of strings; got ${describe(allowed.value)}`);
      } else {
        const values: string[] = [];
        r.items(allowedPath, allowed.value).forEach((item, i) => {
          const text = scalarText(item);
          if (text === undefined)
            r.error(joinPath(allowedPath, i), item, `must be a string; got ${describe(item)}`);
          else values.push(text);
        });
        def.allowedValues = Object.freeze(values);
        if (dflt !== undefined && !values.includes(dflt)) {
          r.error(
            joinPath(path, 'default'),
            defaultEntry?.value,
            `'${dflt}' is not one of allowedValues (${values.join(', ')})`,
          );
        }
      }
    }
    return def;
  });
}

export function readConstants(r: Reader, node: Node | undefined, names: Map<string, string>): ConstantDef[] {
  return readList(r, 'constants', node, CONSTANT_KEYS, names, (path, name, byKey, defNode) => {
    const valueEntry = byKey.get('value');
    if (!valueEntry) {
      r.error(path, defNode, `constant '${name}' needs a 'value'`);
      return undefined;
    }
    const value = isNull(valueEntry.value) ? '' : scalarText(valueEntry.value);
    if (value === undefined) {
      r.error(
        joinPath(path, 'value'),
        valueEntry.value,
        `must be a string; got ${describe(valueEntry.value)}`,
      );
      return undefined;
    }
    return { name, type: 'string', value };
  });
}

type Build<T> = (
  path: string,
  name: string,
  byKey: ReadonlyMap<string, Entry>,
  defNode: Node,
) => T | undefined;

/** `names` maps each name seen so far (parameters and constants share one namespace) to its path. */
function readList<T>(
  r: Reader,
  what: string,
  node: Node | undefined,
  keys: string[],
  names: Map<string, string>,
  build: Build<T>,
): T[] {
  if (isNull(node)) return [];
  if (!isSeq(node)) {
    r.error(what, node, `must be a list of '- Name: {type: string, ...}' items; got ${describe(node)}`);
    return [];
  }
  const out: T[] = [];
  r.items(what, node).forEach((item, i) => {
    const itemPath = joinPath(what, i);
    const entries = isMap(item) ? r.entries(itemPath, item) : [];
    if (!isMap(item) || entries.length !== 1) {
      const keys = entries.map((e) => e.key);
      const shape =
        keys.includes('name') && keys.includes('type')
          ? ` (the '- name: X / type: string' form is not AWSTOE's; write '- ${scalarText(entries.find((e) => e.key === 'name')?.value) ?? 'X'}:' with type and the rest indented under it)`
          : '';
      const got = isMap(item) ? `a map with keys ${keys.join(', ') || '(none)'}` : describe(item);
      r.error(itemPath, item, `each entry must be a map with exactly one key, the name; got ${got}${shape}`);
      return;
    }
    const [{ key: name, keyNode, value }] = entries as [Entry];
    const defPath = joinPath(itemPath, name);
    if (!NAME.test(name)) {
      r.error(itemPath, keyNode, `name '${name}' must be 3 to 128 characters of letters, digits, '_' or '-'`);
    }
    const first = names.get(name);
    if (first) {
      r.error(
        itemPath,
        keyNode,
        `name '${name}' is already used by ${first}; parameter and constant names must be unique`,
      );
    } else names.set(name, itemPath);
    if (!isMap(value)) {
      r.error(defPath, value ?? keyNode, `must be a map with 'type: string'; got ${describe(value)}`);
      return;
    }
    const byKey = new Map<string, Entry>();
    for (const e of r.entries(defPath, value)) {
      if (keys.includes(e.key)) byKey.set(e.key, e);
      else
        r.warn(
          joinPath(defPath, e.key),
          e.keyNode,
          `unknown key '${e.key}' is ignored (known: ${keys.join(', ')})`,
        );
    }
    const type = byKey.get('type');
    const typeText = scalarText(type?.value);
    if (!type) r.error(defPath, value, "needs 'type: string'");
    else if (typeText !== 'string') {
      r.error(
        joinPath(defPath, 'type'),
        type.value,
        `unsupported type ${typeText ? `'${typeText}'` : describe(type.value)}; only 'string' is supported`,
      );
    }
    const built = build(defPath, name, byKey, value);
    if (built !== undefined) out.push(Object.freeze(built));
  });
  return out;
}

function optionalText(r: Reader, path: string, entry: Entry | undefined): string | undefined {
  if (!entry || isNull(entry.value)) return undefined;
  const text = scalarText(entry.value);
  if (text === undefined)
    r.error(joinPath(path, entry.key), entry.value, `must be a string; got ${describe(entry.value)}`);
  return text;
}
