import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { Loop } from './model.js';
import { hasReference } from './references.js';
import { joinPath } from './source-map.js';
import { describe, type Entry, isNull, type Reader, scalarText, short } from './yaml-nodes.js';

/** The only delimiters AWSTOE accepts for `forEach: {list, delimiter}`. */
export const LOOP_DELIMITERS: readonly string[] = ['.', ',', ';', ':', '\n', '\t', ' ', '-', '_'];

const LOOP_KEYS = ['name', 'for', 'forEach'];

/** Reads a step's `loop`: `for` {start, end, updateBy}, `forEach` list, or `forEach` {list, delimiter}. */
export function readLoop(r: Reader, path: string, node: Node | undefined): Loop | undefined {
  if (!isMap(node)) {
    r.error(path, node, `must be a map with 'for' or 'forEach'; got ${describe(node)}`);
    return undefined;
  }
  const byKey = new Map<string, Entry>();
  for (const e of r.entries(path, node)) {
    if (LOOP_KEYS.includes(e.key)) byKey.set(e.key, e);
    else
      r.warn(
        joinPath(path, e.key),
        e.keyNode,
        `unknown loop key '${e.key}' is ignored (known: ${LOOP_KEYS.join(', ')})`,
      );
  }
  let name: string | undefined;
  const nameEntry = byKey.get('name');
  if (nameEntry) {
    name = scalarText(nameEntry.value);
    if (name === undefined || name === '')
      r.error(joinPath(path, 'name'), nameEntry.value, 'must be a non-empty string');
    else if (!/^[A-Za-z0-9_-]+$/.test(name)) {
      r.warn(
        joinPath(path, 'name'),
        nameEntry.value,
        `'${name}' has characters other than letters, digits, '_' and '-'; {{ ${name}.value }} cannot refer to it`,
      );
    }
  }
  const named = name ? { name } : {};
  const forEntry = byKey.get('for');
  const forEachEntry = byKey.get('forEach');
  if (forEntry && forEachEntry) {
    r.error(path, node, "give either 'for' or 'forEach', not both");
    return undefined;
  }
  if (forEntry) return readFor(r, joinPath(path, 'for'), forEntry.value, named);
  if (forEachEntry) return readForEach(r, joinPath(path, 'forEach'), forEachEntry.value, named);
  r.error(path, node, "needs 'for' or 'forEach'");
  return undefined;
}

function readFor(
  r: Reader,
  path: string,
  node: Node | undefined,
  named: { name?: string },
): Loop | undefined {
  if (!isMap(node)) {
    r.error(path, node, `must be a map with start, end and updateBy; got ${describe(node)}`);
    return undefined;
  }
  const values: Record<string, number> = {};
  const entries = r.entries(path, node);
  for (const e of entries) {
    if (!['start', 'end', 'updateBy'].includes(e.key)) {
      r.warn(
        joinPath(path, e.key),
        e.keyNode,
        `unknown key '${e.key}' is ignored (known: start, end, updateBy)`,
      );
      continue;
    }
    const keyPath = joinPath(path, e.key);
    const text = scalarText(e.value);
    if (text !== undefined && hasReference(text)) {
      r.error(keyPath, e.value, 'references are not allowed in a for loop; use whole numbers');
    } else if (isScalar(e.value) && typeof e.value.value === 'number' && Number.isInteger(e.value.value)) {
      values[e.key] = e.value.value;
    } else {
      r.error(keyPath, e.value, `must be a whole number; got ${describe(e.value)}`);
    }
  }
  for (const key of ['start', 'end', 'updateBy']) {
    if (!entries.some((e) => e.key === key)) r.error(path, node, `needs '${key}'`);
  }
  const { start, end, updateBy } = values;
  if (start === undefined || end === undefined || updateBy === undefined) return undefined;
  if (updateBy === 0) {
    r.error(joinPath(path, 'updateBy'), undefined, 'must not be 0 (the loop would never end)');
    return undefined;
  }
  if ((updateBy > 0 && start > end) || (updateBy < 0 && start < end)) {
    r.error(
      joinPath(path, 'updateBy'),
      undefined,
      `stepping by ${updateBy} from ${start} never reaches ${end}; use a ${updateBy > 0 ? 'negative' : 'positive'} updateBy`,
    );
    return undefined;
  }
  return { kind: 'for', start, end, updateBy, ...named };
}

function readForEach(
  r: Reader,
  path: string,
  node: Node | undefined,
  named: { name?: string },
): Loop | undefined {
  if (isSeq(node)) {
    const items: string[] = [];
    r.items(path, node).forEach((item, i) => {
      const text = scalarText(item);
      if (text === undefined) r.error(joinPath(path, i), item, `must be a string; got ${describe(item)}`);
      else items.push(text);
    });
    if (items.length === 0 && node.items.length === 0)
      r.warn(path, node, 'the forEach list is empty; the step runs no iterations');
    return { kind: 'forEach', items, ...named };
  }
  if (!isMap(node)) {
    r.error(
      path,
      node,
      `must be a list of values or a map with 'list' and 'delimiter'; got ${describe(node)}`,
    );
    return undefined;
  }
  let list: string | undefined;
  let delimiter = ',';
  let listSeen = false;
  for (const e of r.entries(path, node)) {
    const keyPath = joinPath(path, e.key);
    if (e.key === 'list') {
      listSeen = true;
      list = isNull(e.value) ? '' : scalarText(e.value);
      if (list === undefined) r.error(keyPath, e.value, `must be a string; got ${describe(e.value)}`);
    } else if (e.key === 'delimiter') {
      const text = scalarText(e.value);
      if (text !== undefined && hasReference(text)) {
        r.error(keyPath, e.value, 'the delimiter cannot be a reference');
      } else if (text === undefined || !LOOP_DELIMITERS.includes(text)) {
        const got = text === undefined ? describe(e.value) : `'${short(text)}'`;
        r.error(keyPath, e.value, `must be one character of . , ; : - _ space \\n \\t; got ${got}`);
      } else delimiter = text;
    } else {
      r.warn(keyPath, e.keyNode, `unknown key '${e.key}' is ignored (known: list, delimiter)`);
    }
  }
  if (!listSeen) r.error(path, node, "needs 'list'");
  if (list === undefined) return undefined;
  return { kind: 'forEachDelimited', list, delimiter, ...named };
}
