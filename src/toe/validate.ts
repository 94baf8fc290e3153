import { isMap, isScalar, LineCounter, type Node, parseDocument, type YAMLError } from 'yaml';
import { checkReferences } from './check-references.js';
import { type ComponentDocument, PLATFORMS, type Platform } from './model.js';
import { type Problem, sortProblems } from './problems.js';
import { SourceMap } from './source-map.js';
import { readPhases } from './steps.js';
import { readConstants, readParameters } from './variables.js';
import { describe, type Entry, isNull, Reader, scalarText } from './yaml-nodes.js';
import { deepFreeze } from '../core/freeze.js';

export interface ValidateOptions {
  /** The component's platform: actions for other platforms are rejected. */
  readonly platform: Platform;
  /** Only used by callers to format problems; validation does not read files. */
  readonly fileName?: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly document: ComponentDocument; readonly warnings: readonly Problem[] }
  | { readonly ok: false; readonly problems: readonly Problem[]; readonly warnings: readonly Problem[] };

const TOP_LEVEL_KEYS = ['name', 'description', 'schemaVersion', 'parameters', 'constants', 'phases'];

/**
 * Parses a component document (YAML or JSON) and checks everything AWSTOE would for the given
 * platform, reporting all problems at once. On success the document is deeply frozen.
 */
export function validateComponentDocument(text: string, options: ValidateOptions): ValidationResult {
  const lines = new LineCounter();
  const yamlDoc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const syntax = yamlDoc.errors.map((e) => yamlProblem(e, lines));
  const yamlWarnings = yamlDoc.warnings.map((e) => yamlProblem(e, lines));
  if (syntax.length > 0) return { ok: false, problems: syntax, warnings: yamlWarnings };

  const r = new Reader(yamlDoc, lines, new SourceMap(lines));
  r.warnings.push(...yamlWarnings);
  if (!(PLATFORMS as readonly string[]).includes(options.platform)) {
    r.error('', undefined, `unknown platform '${options.platform}'; use Linux, Windows or macOS`);
  }
  const root = r.resolve(yamlDoc.contents);
  if (!isMap(root)) {
    const got = isNull(root) ? 'the document is empty' : `the document is ${describe(root)}`;
    const message = `${got}; a component document is a map with schemaVersion and phases`;
    r.errors.push({ path: '', line: 1, column: 1, message });
    return { ok: false, problems: r.errors, warnings: r.warnings };
  }
  r.at('', root);
  const byKey = new Map<string, Entry>();
  for (const e of r.entries('', root)) {
    if (TOP_LEVEL_KEYS.includes(e.key)) byKey.set(e.key, e);
    else r.warn(e.key, e.keyNode, `unknown top-level key '${e.key}' is ignored`);
  }
  readSchemaVersion(r, root, byKey.get('schemaVersion'));
  const name = readText(r, byKey.get('name'));
  const description = readText(r, byKey.get('description'));
  const names = new Map<string, string>();
  const parameters = readParameters(r, byKey.get('parameters')?.value, names);
  const constants = readConstants(r, byKey.get('constants')?.value, names);
  const phases = readPhases(r, byKey.get('phases')?.value, options.platform);
  const body = {
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    schemaVersion: '1.0' as const,
    parameters: Object.freeze(parameters),
    constants: Object.freeze(constants),
    phases: Object.freeze(phases),
  };
  checkReferences(body, {
    error: (path, message) => r.error(path, undefined, message),
    warn: (path, message) => r.warn(path, undefined, message),
  });
  const warnings = sortProblems(r.warnings);
  if (r.errors.length > 0) return { ok: false, problems: sortProblems(r.errors), warnings };
  return { ok: true, document: deepFreeze({ ...body, sourceMap: r.sourceMap }), warnings };
}

function yamlProblem(e: YAMLError, lines: LineCounter): Problem {
  const first = e.message.split('\n')[0] ?? e.message;
  const message = `YAML: ${first.replace(/ at line \d+, column \d+:?$/, '')}`;
  const pos = e.linePos?.[0] ?? lines.linePos(e.pos[0]);
  return { path: '', line: pos.line, column: pos.col, message };
}

/** AWSTOE documents use `1.0` (float), `'1.0'` or `1`; anything else is rejected. */
function readSchemaVersion(r: Reader, root: Node, entry: Entry | undefined): void {
  if (!entry) {
    r.error('schemaVersion', root, "the document needs 'schemaVersion: 1.0'");
    return;
  }
  const v = entry.value;
  const ok = isScalar(v) && (v.value === 1 || v.value === '1.0');
  if (!ok) r.error('schemaVersion', v, `must be 1.0; got ${describe(v)}`);
}

function readText(r: Reader, entry: Entry | undefined): string | undefined {
  if (!entry || isNull(entry.value)) return undefined;
  const text = scalarText(entry.value);
  if (text === undefined) r.error(entry.key, entry.value, `must be a string; got ${describe(entry.value)}`);
  return text;
}

/** Freezes every object reachable through own enumerable properties (parts may be frozen already). */
