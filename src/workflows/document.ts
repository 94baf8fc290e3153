/**
 * Image workflow documents (api.md §8.2): YAML or JSON text → a frozen WorkflowDocument, or
 * every problem found, each with its path, line and column.
 */
import { LineCounter, parseDocument } from 'yaml';
import type { WorkflowType } from './actions.js';
import { isRecord } from './conditions.js';
import { ProblemList, type Report, type WorkflowProblem } from './problems.js';
import { checkReference, type ReferenceScope } from './references.js';
import { parseSteps, stepHeads, type WorkflowStep } from './steps.js';
import { deepFreeze } from '../core/freeze.js';

export type { WorkflowActionName, WorkflowType } from './actions.js';
export type { WorkflowCondition } from './conditions.js';
export type { WorkflowProblem } from './problems.js';
export type { WorkflowStep } from './steps.js';

export type WorkflowParameterType = 'string' | 'integer' | 'boolean' | 'stringList';

export interface WorkflowParameterDeclaration {
  readonly name: string;
  readonly type: WorkflowParameterType;
  /** Absent: the caller must supply a value when attaching the workflow. */
  readonly default?: string | number | boolean | readonly string[];
  readonly description?: string;
}

export interface WorkflowOutput {
  readonly name: string;
  /** A JSONPath (usually `$.stepOutputs.<step>.<output>`) or a literal string. */
  readonly value: string;
}

export interface WorkflowDocument {
  readonly name?: string;
  readonly description?: string;
  readonly schemaVersion: '1.0';
  readonly parameters: readonly WorkflowParameterDeclaration[];
  readonly steps: readonly WorkflowStep[];
  readonly outputs: readonly WorkflowOutput[];
}

/** The API's `Workflow.parameters[]` entry, derived from the document. */
export interface WorkflowParameterDetail {
  readonly name: string;
  readonly type: WorkflowParameterType;
  readonly defaultValue?: readonly string[];
  readonly description?: string;
}

export type WorkflowDocumentResult =
  | {
      readonly ok: true;
      readonly document: WorkflowDocument;
      readonly parameters: readonly WorkflowParameterDetail[];
    }
  | { readonly ok: false; readonly problems: readonly WorkflowProblem[] };

export const MAX_WORKFLOW_DATA = 16_000;
const MAX_PARAMETERS = 25;
const MAX_OUTPUTS = 25;
const DOCUMENT_KEYS = ['name', 'description', 'schemaVersion', 'parameters', 'steps', 'outputs'];
const PARAMETER_TYPES: readonly string[] = ['string', 'integer', 'boolean', 'stringList'];
const NAME = /^[A-Za-z0-9_-]{1,128}$/;

export function parseWorkflowDocument(text: string, type: WorkflowType): WorkflowDocumentResult {
  if (text.length > MAX_WORKFLOW_DATA) {
    return fail([
      {
        path: '',
        message: `is ${text.length} characters; workflow data may have at most ${MAX_WORKFLOW_DATA}`,
      },
    ]);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return fail(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { path: '', line: pos.line, column: pos.col, message: e.message.split('\n')[0] ?? '' };
      }),
    );
  }
  const list = new ProblemList(doc, lines);
  const report = list.report;
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // Only alias expansion can fail here ("billion laughs"); report it like a syntax error.
    return fail([{ path: '', message: err instanceof Error ? err.message : String(err) }]);
  }
  if (!isRecord(raw))
    return fail([{ path: '', message: 'must be a YAML or JSON map with schemaVersion and steps' }]);

  for (const key of Object.keys(raw)) {
    if (!DOCUMENT_KEYS.includes(key))
      report([key], `is not a document field; use ${DOCUMENT_KEYS.join(', ')}`, 'key');
  }
  for (const key of ['name', 'description'] as const) {
    if (raw[key] !== undefined && typeof raw[key] !== 'string') report([key], 'must be a string');
  }
  if (!(raw.schemaVersion === 1 || raw.schemaVersion === '1.0')) {
    report(
      ['schemaVersion'],
      raw.schemaVersion === undefined ? 'is required: schemaVersion: 1.0' : 'must be 1.0',
    );
  }
  const parameters = parseParameters(raw.parameters, report);
  // Every name written counts as declared, so a parameter with a bad type gets one problem,
  // not another at each place that reads it.
  const names = new Set(
    (Array.isArray(raw.parameters) ? raw.parameters : []).map((p: unknown) =>
      isRecord(p) ? String(p.name) : '',
    ),
  );
  const steps = parseSteps(raw.steps, type, names, report);
  const outputs = parseOutputs(raw.outputs, { parameters: names, steps: stepHeads(raw.steps) }, report);
  if (list.problems.length > 0) return fail(list.problems);

  const document: WorkflowDocument = {
    ...(typeof raw.name === 'string' ? { name: raw.name } : {}),
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    schemaVersion: '1.0',
    parameters,
    steps,
    outputs,
  };
  return deepFreeze({ ok: true, document, parameters: parameters.map(toDetail) });
}

function parseParameters(raw: unknown, report: Report): WorkflowParameterDeclaration[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > MAX_PARAMETERS) {
    report(['parameters'], `must be a list of at most ${MAX_PARAMETERS} parameters`);
    return [];
  }
  const seen = new Set<string>();
  const out: WorkflowParameterDeclaration[] = [];
  for (const [i, p] of raw.entries()) {
    const at = ['parameters', i];
    if (!isRecord(p)) {
      report(at, 'must be a map with name and type');
      continue;
    }
    for (const key of Object.keys(p)) {
      if (!['name', 'type', 'default', 'description'].includes(key)) {
        report([...at, key], 'is not a parameter field; use name, type, default, description', 'key');
      }
    }
    const { name, type, description } = p;
    if (typeof name !== 'string' || !NAME.test(name)) {
      report([...at, 'name'], 'must be 1-128 letters, digits, hyphens or underscores');
      continue;
    }
    if (seen.has(name)) report([...at, 'name'], `"${name}" is declared twice`);
    seen.add(name);
    if (typeof type !== 'string' || !PARAMETER_TYPES.includes(type)) {
      report([...at, 'type'], `must be one of ${PARAMETER_TYPES.join(', ')}`);
      continue;
    }
    if (description !== undefined && (typeof description !== 'string' || description.length > 1024)) {
      report([...at, 'description'], 'must be a string of at most 1024 characters');
    }
    const def = p.default;
    if (def !== undefined && !defaultMatches(type as WorkflowParameterType, def)) {
      report([...at, 'default'], `must be ${DEFAULT_SHAPE[type as WorkflowParameterType]}`);
    }
    out.push({
      name,
      type: type as WorkflowParameterType,
      ...(def !== undefined ? { default: def as WorkflowParameterDeclaration['default'] } : {}),
      ...(typeof description === 'string' ? { description } : {}),
    });
  }
  return out;
}

const DEFAULT_SHAPE: Record<WorkflowParameterType, string> = {
  string: 'a string for a string parameter',
  integer: 'a whole number for an integer parameter',
  boolean: 'true or false for a boolean parameter',
  stringList: 'a list of strings for a stringList parameter',
};

function defaultMatches(type: WorkflowParameterType, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string');
  }
}

function parseOutputs(raw: unknown, scope: ReferenceScope, report: Report): WorkflowOutput[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.length > MAX_OUTPUTS) {
    report(['outputs'], `must be a list of at most ${MAX_OUTPUTS} outputs`);
    return [];
  }
  const seen = new Set<string>();
  const out: WorkflowOutput[] = [];
  for (const [i, o] of raw.entries()) {
    const at = ['outputs', i];
    if (!isRecord(o)) {
      report(at, 'must be a map with name and value');
      continue;
    }
    const { name, value } = o;
    if (typeof name !== 'string' || !NAME.test(name)) {
      report([...at, 'name'], 'must be 1-128 letters, digits, hyphens or underscores');
      continue;
    }
    if (seen.has(name)) report([...at, 'name'], `"${name}" is declared twice`);
    seen.add(name);
    if (typeof value !== 'string') {
      report([...at, 'value'], 'must be a string, usually a JSONPath');
      continue;
    }
    if (value.startsWith('$')) {
      // Workflow outputs are read after the last step, so every step counts as earlier.
      const problem = checkReference(value, scope);
      if (problem) report([...at, 'value'], problem);
    }
    out.push({ name, value });
  }
  return out;
}

function toDetail(p: WorkflowParameterDeclaration): WorkflowParameterDetail {
  const d = p.default;
  return {
    name: p.name,
    type: p.type,
    ...(d === undefined ? {} : { defaultValue: Array.isArray(d) ? [...d] : [String(d)] }),
    ...(p.description === undefined ? {} : { description: p.description }),
  };
}

const fail = (problems: WorkflowProblem[]): WorkflowDocumentResult => deepFreeze({ ok: false, problems });
