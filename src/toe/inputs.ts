import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { type ActionSpec, ENCODINGS, type FieldType } from './actions/index.js';
import type { InputMap, InputValue, Platform, StepInputs } from './model.js';
import { hasReference } from './references.js';
import { joinPath } from './source-map.js';
import {
  describe,
  isNull,
  plainValue,
  QUOTE_HINT,
  type Reader,
  scalarText,
  startsWithBraces,
} from './yaml-nodes.js';

const TRUE_WORDS: ReadonlySet<string> = new Set(['true', 'yes', 'y', 'on']);
const FALSE_WORDS: ReadonlySet<string> = new Set(['false', 'no', 'n', 'off']);

/** The message AWSTOE's own validator gives (issue cdk-github-runners#964). */
export function noInputsMessage(action: string): string {
  return `Action ${action} has no inputs; it requires an 'inputs'`;
}

/**
 * Checks a step's `inputs` against its module's spec and returns them normalised (string
 * fields as text, booleans and ints typed); unknown keys are kept as plain values and warned
 * about, since AWSTOE (Go) ignores fields it does not know. Undefined when unusable.
 */
export function readInputs(
  r: Reader,
  spec: ActionSpec,
  stepPath: string,
  node: Node | undefined,
  platform: Platform,
): StepInputs | undefined {
  const path = joinPath(stepPath, 'inputs');
  if (isNull(node)) {
    if (spec.inputs === 'optionalMap') return Object.freeze({});
    r.error(stepPath, node, noInputsMessage(spec.name));
    return undefined;
  }
  if (spec.inputs === 'list') {
    if (!isSeq(node)) {
      r.error(
        path,
        node,
        `Action ${spec.name} takes a list of input items ('- key: value'); got ${describe(node)}`,
      );
      return undefined;
    }
    if (node.items.length === 0) {
      r.error(path, node, noInputsMessage(spec.name));
      return undefined;
    }
    const items: InputMap[] = [];
    r.items(path, node).forEach((item, i) => {
      const itemPath = joinPath(path, i);
      if (!isMap(item)) {
        r.error(itemPath, item, `each input item of ${spec.name} must be a map; got ${describe(item)}`);
        return;
      }
      items.push(readItem(r, spec, itemPath, item, platform));
    });
    return items;
  }
  if (!isMap(node)) {
    const hint = startsWithBraces(node) ? '' : " ('key: value', not a list)";
    r.error(path, node, `Action ${spec.name} takes a map of inputs${hint}; got ${describe(node)}`);
    return undefined;
  }
  return readItem(r, spec, path, node, platform);
}

function readItem(r: Reader, spec: ActionSpec, path: string, node: Node, platform: Platform): InputMap {
  const item: Record<string, InputValue> = {};
  const known = Object.keys(spec.fields);
  const present = new Map<string, boolean>();
  for (const { key, keyNode, value } of r.entries(path, node)) {
    const keyPath = joinPath(path, key);
    const field = spec.fields[key];
    present.set(key, !isNull(value));
    if (!field) {
      const list = known.length > 0 ? known.join(', ') : 'none';
      r.warn(keyPath, keyNode, `unknown input '${key}' for ${spec.name} is ignored (known: ${list})`);
      item[key] = plainValue(r, value) as InputValue;
      continue;
    }
    if (isNull(value)) continue;
    const normalised = readField(r, field.type, keyPath, value as Node);
    if (normalised !== undefined) item[key] = normalised;
  }
  for (const [key, field] of Object.entries(spec.fields)) {
    if (!field.required) continue;
    const given = present.get(key);
    if (given === undefined) r.error(path, node, `${spec.name} needs input '${key}'`);
    else if (!given) r.error(joinPath(path, key), undefined, `'${key}' is empty`);
  }
  spec.checkItem?.({
    platform,
    item,
    has: (key) => present.get(key) === true,
    error: (key, message) => r.error(key ? joinPath(path, key) : path, undefined, message),
    warn: (key, message) => r.warn(key ? joinPath(path, key) : path, undefined, message),
  });
  return item;
}

function readField(r: Reader, type: FieldType, path: string, node: Node): InputValue | undefined {
  const bad = (expected: string, hint = ''): undefined => {
    const quote = startsWithBraces(node) ? `; ${QUOTE_HINT}` : hint;
    r.error(path, node, `must be ${expected}; got ${describe(node)}${quote}`);
    return undefined;
  };
  if (typeof type === 'object') {
    const text = scalarText(node);
    if (text === undefined) return bad(`one of ${type.oneOf.join(', ')}`);
    if (hasReference(text)) return text;
    const match = type.oneOf.find((v) =>
      type.ignoreCase ? v.toLowerCase() === text.toLowerCase() : v === text,
    );
    if (match === undefined) return bad(`one of ${type.oneOf.join(', ')}`);
    return text;
  }
  switch (type) {
    case 'string': {
      const text = scalarText(node);
      return text === undefined ? bad('a string') : text;
    }
    case 'stringList':
      return readStringList(r, path, node, bad);
    case 'bool': {
      if (isScalar(node) && typeof node.value === 'boolean') return node.value;
      // AWSTOE decodes with a Go YAML library that still reads YAML 1.1 words into bool fields.
      const text = scalarText(node)?.toLowerCase();
      if (text !== undefined && TRUE_WORDS.has(text)) return true;
      if (text !== undefined && FALSE_WORDS.has(text)) return false;
      if (text !== undefined && hasReference(text)) return scalarText(node);
      return bad('true or false');
    }
    case 'int':
      if (isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value)) return node.value;
      return bad('a whole number');
    case 'permissions': {
      const text = scalarText(node);
      if (text === undefined || typeof (node as { value?: unknown }).value === 'boolean') {
        return bad("octal mode digits such as '0755'");
      }
      if (hasReference(text) || /^[0-7]{3,4}$/.test(text)) return text;
      return bad("octal mode digits such as '0755'");
    }
    case 'encoding': {
      const text = scalarText(node);
      if (text === undefined) return bad('an encoding name');
      if (hasReference(text) || ENCODINGS.some((e) => e.toLowerCase() === text.toLowerCase())) return text;
      return bad(`one of ${ENCODINGS.join(', ')} (case-insensitive)`);
    }
    case 'stringMap': {
      if (!isMap(node)) return bad('a map of names to values');
      const out: Record<string, string> = {};
      for (const { key, value } of r.entries(path, node)) {
        const text = isNull(value) ? '' : scalarText(value);
        if (text === undefined)
          r.error(joinPath(path, key), value, `must be a string; got ${describe(value)}`);
        else out[key] = text;
      }
      return out;
    }
    case 'scalarOrList': {
      const text = scalarText(node);
      if (text !== undefined) return text;
      return isSeq(node) ? readStringList(r, path, node, bad) : bad('a value or a list of values');
    }
    case 'nameValueList':
      return readNameValueList(r, path, node, bad);
  }
}

function readStringList(
  r: Reader,
  path: string,
  node: Node,
  bad: (expected: string, hint?: string) => undefined,
): InputValue | undefined {
  if (!isSeq(node)) return bad('a list of strings', " (write each entry as a list item: '- ...')");
  const out: string[] = [];
  r.items(path, node).forEach((item, i) => {
    const text = scalarText(item);
    if (text !== undefined) out.push(text);
    else {
      const hint = startsWithBraces(item) ? `; ${QUOTE_HINT}` : '';
      r.error(joinPath(path, i), item, `must be a string; got ${describe(item)}${hint}`);
    }
  });
  return out;
}

function readNameValueList(
  r: Reader,
  path: string,
  node: Node,
  bad: (expected: string) => undefined,
): InputValue | undefined {
  if (!isSeq(node)) return bad("a list of '- name: x / value: y' items");
  const out: InputMap[] = [];
  r.items(path, node).forEach((item, i) => {
    const itemPath = joinPath(path, i);
    if (!isMap(item)) {
      r.error(itemPath, item, `must be a map with 'name' and 'value'; got ${describe(item)}`);
      return;
    }
    const pair: Record<string, string> = {};
    for (const { key, keyNode, value } of r.entries(itemPath, item)) {
      if (key !== 'name' && key !== 'value') {
        r.warn(joinPath(itemPath, key), keyNode, `unknown key '${key}' is ignored (known: name, value)`);
        continue;
      }
      const text = isNull(value) ? '' : scalarText(value);
      if (text === undefined)
        r.error(joinPath(itemPath, key), value, `must be a string; got ${describe(value)}`);
      else pair[key] = text;
    }
    if (!pair.name) r.error(itemPath, item, "needs a non-empty 'name'");
    else out.push({ name: pair.name, value: pair.value ?? '' });
  });
  return out;
}
