import { type Document, isAlias, isMap, isScalar, isSeq, type LineCounter, type Node, type Pair } from 'yaml';
import type { Problem } from './problems.js';
import { joinPath, type SourceMap } from './source-map.js';

/** A map entry with its key as text and its value with aliases resolved. */
export interface Entry {
  readonly key: string;
  readonly keyNode: Node | undefined;
  readonly value: Node | undefined;
}

/**
 * The parsing context: resolves aliases, records positions into the source map and collects
 * errors and warnings, each located at a node.
 */
export class Reader {
  readonly errors: Problem[] = [];
  readonly warnings: Problem[] = [];

  constructor(
    readonly doc: Document,
    readonly lines: LineCounter,
    readonly sourceMap: SourceMap,
  ) {}

  resolve(node: unknown): Node | undefined {
    if (isAlias(node)) return node.resolve(this.doc) as Node | undefined;
    return node as Node | undefined;
  }

  /** Records where `path` starts; returns the node for chaining. */
  at(path: string, node: Node | undefined): Node | undefined {
    const offset = node?.range?.[0];
    if (offset !== undefined) this.sourceMap.record(path, offset);
    return node;
  }

  error(path: string, node: Node | undefined, message: string): void {
    this.errors.push(this.problem(path, node, message));
  }

  warn(path: string, node: Node | undefined, message: string): void {
    this.warnings.push(this.problem(path, node, message));
  }

  private problem(path: string, node: Node | undefined, message: string): Problem {
    const offset = node?.range?.[0];
    const pos = offset !== undefined ? this.lines.linePos(offset) : this.sourceMap.position(path);
    if (!pos) return { path, message };
    return 'col' in pos ? { path, line: pos.line, column: pos.col, message } : { path, ...pos, message };
  }

  /** The entries of a map node, recording each value's position under `path.key`. */
  entries(path: string, node: Node): Entry[] {
    if (!isMap(node)) return [];
    return node.items.map((pair: Pair<unknown, unknown>) => {
      const keyNode = this.resolve(pair.key);
      const key = isScalar(keyNode) ? String(keyNode.value ?? '') : '';
      const value = this.resolve(pair.value);
      this.at(joinPath(path, key), value ?? keyNode);
      return { key, keyNode, value };
    });
  }

  /** The items of a sequence node, recording each item's position under `path[i]`. */
  items(path: string, node: Node): (Node | undefined)[] {
    if (!isSeq(node)) return [];
    return node.items.map((item, i) => this.at(joinPath(path, i), this.resolve(item)));
  }
}

export function isNull(node: Node | undefined): boolean {
  return node === undefined || node === null || (isScalar(node) && node.value === null);
}

/** 'a map', 'a list', 'a string', ... for messages. */
export function describe(node: Node | undefined): string {
  if (isNull(node)) return 'nothing';
  if (isMap(node))
    return startsWithBraces(node)
      ? 'a map (YAML reads an unquoted value starting with {{ as a map)'
      : 'a map';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `the string '${short(v)}'`;
    if (typeof v === 'boolean') return `the boolean ${v}`;
    if (typeof v === 'number') return `the number ${node.source ?? v}`;
  }
  return 'an unsupported value';
}

/** `key: {{ X }}` unquoted is read by YAML as a flow map whose only key is a flow map. */
export function startsWithBraces(node: Node | undefined): boolean {
  if (!isMap(node) || !node.flow) return false;
  const first = node.items[0];
  return isMap(first?.key) && (first?.key as { flow?: boolean }).flow === true;
}

export const QUOTE_HINT = "quote it: '{{ ... }}'";

/** The text of a scalar as the user wrote it (`1.10`, `0777`, `true`), or undefined. */
export function scalarText(node: Node | undefined): string | undefined {
  if (!isScalar(node) || node.value === null || node.value === undefined) return undefined;
  if (typeof node.value === 'string') return node.value;
  if (typeof node.value === 'number' || typeof node.value === 'boolean') {
    return node.source !== undefined && node.source !== '' ? node.source : String(node.value);
  }
  return undefined;
}

export function short(text: string, max = 40): string {
  const one = text.replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

/** Plain JS value of a node (aliases resolved), for inputs no spec describes. */
export function plainValue(reader: Reader, node: Node | undefined): unknown {
  if (node === undefined) return null;
  return node.toJS(reader.doc);
}

/** Suggests a known name that differs only in case. */
export function caseHint(word: string, known: Iterable<string>): string {
  const lower = word.toLowerCase();
  for (const k of known) if (k.toLowerCase() === lower) return ` (did you mean '${k}'?)`;
  return '';
}
