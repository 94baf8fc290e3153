import { ACTION_SPECS } from './actions/index.js';
import type { ComponentDocument, Condition, InputMap, InputValue, Step } from './model.js';
import { findReferences, type ParsedReference, parseReference } from './references.js';
import { joinPath } from './source-map.js';
import { caseHint } from './yaml-nodes.js';

export interface ReferenceReport {
  error(path: string, message: string): void;
  warn(path: string, message: string): void;
}

interface Scope {
  readonly doc: Omit<ComponentDocument, 'sourceMap'>;
  readonly phaseIndex: number;
  readonly stepIndex: number;
  readonly step: Step;
  readonly variables: ReadonlySet<string>;
  readonly loopNames: ReadonlyMap<string, string>;
  readonly report: ReferenceReport;
}

/**
 * Checks every `{{ }}` where AWSTOE substitutes (step inputs, forEach lists, if/Assert operands):
 * parameters and constants must exist; chaining must name an earlier step of an earlier or the
 * same phase, and an input or output that step has. Loop variables out of scope stay verbatim
 * (a warning, not an error); shapes that are not references at all are left alone.
 */
export function checkReferences(doc: Omit<ComponentDocument, 'sourceMap'>, report: ReferenceReport): void {
  const variables = new Set([...doc.parameters.map((p) => p.name), ...doc.constants.map((c) => c.name)]);
  const loopNames = new Map<string, string>();
  for (const phase of doc.phases)
    for (const step of phase.steps) if (step.loop?.name) loopNames.set(step.loop.name, step.path);
  doc.phases.forEach((phase, phaseIndex) => {
    phase.steps.forEach((step, stepIndex) => {
      const scope: Scope = { doc, phaseIndex, stepIndex, step, variables, loopNames, report };
      for (const [path, text] of stepStrings(step)) {
        for (const ref of findReferences(text)) checkOne(scope, path, ref.raw, ref.name);
      }
    });
  });
}

/** Every string AWSTOE substitutes in, with its path. */
export function* stepStrings(step: Step): Generator<[string, string]> {
  if (step.assertion) yield* conditionStrings(step.assertion);
  else yield* valueStrings(joinPath(step.path, 'inputs'), step.inputs);
  const loop = step.loop;
  const loopPath = joinPath(step.path, 'loop.forEach');
  if (loop?.kind === 'forEach')
    for (const [i, item] of loop.items.entries()) yield [joinPath(loopPath, i), item];
  if (loop?.kind === 'forEachDelimited') yield [joinPath(loopPath, 'list'), loop.list];
  if (step.if) yield* conditionStrings(step.if);
}

function* valueStrings(path: string, value: InputValue | undefined): Generator<[string, string]> {
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value))
    for (const [i, v] of value.entries()) yield* valueStrings(joinPath(path, i), v);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as InputMap)) yield* valueStrings(joinPath(path, k), v);
  }
}

function* conditionStrings(c: Condition): Generator<[string, string]> {
  if (c.kind === 'comparison') {
    yield [joinPath(c.path, c.operator), c.operand];
    if (c.value !== undefined) yield [joinPath(c.path, 'value'), c.value];
  } else if (c.kind === 'not') yield* conditionStrings(c.operand);
  else for (const o of c.operands) yield* conditionStrings(o);
}

function checkOne(scope: Scope, path: string, raw: string, name: string): void {
  const ref = parseReference(name);
  switch (ref.kind) {
    case 'variable':
      if (!scope.variables.has(name)) {
        const hint = caseHint(name, scope.variables) || knownList(scope.variables);
        scope.report.error(path, `${raw} is not a parameter or constant of this document${hint}`);
      }
      return;
    case 'loop':
      checkLoop(scope, path, raw, ref);
      return;
    case 'input':
    case 'output':
      checkChaining(scope, path, raw, ref);
      return;
    case 'other':
      return;
  }
}

function knownList(names: ReadonlySet<string>): string {
  if (names.size === 0) return ' (it defines none)';
  return names.size <= 8 ? ` (defined: ${[...names].join(', ')})` : '';
}

function checkLoop(
  scope: Scope,
  path: string,
  raw: string,
  ref: Extract<ParsedReference, { kind: 'loop' }>,
): void {
  const { step } = scope;
  if (ref.loop === 'loop' || ref.loop === step.loop?.name) {
    if (!step.loop) scope.report.warn(path, `${raw} is used in a step without a loop; it is left as written`);
    return;
  }
  if (scope.doc.phases.some((p) => p.name === ref.loop)) {
    scope.report.error(
      path,
      `${raw} looks like chaining but lacks the step: write {{ ${ref.loop}.<step>.outputs.<name> }}`,
    );
    return;
  }
  const owner = scope.loopNames.get(ref.loop);
  const why = owner ? `loop '${ref.loop}' belongs to ${owner}` : `this step has no loop named '${ref.loop}'`;
  scope.report.warn(
    path,
    `${raw}: ${why}; loop variables are visible only in their own step, so it is left as written`,
  );
}

function checkChaining(
  scope: Scope,
  path: string,
  raw: string,
  ref: Extract<ParsedReference, { kind: 'input' | 'output' }>,
): void {
  const { doc, phaseIndex, stepIndex, report } = scope;
  const targetPhaseIndex = doc.phases.findIndex((p) => p.name === ref.phase);
  const targetPhase = doc.phases[targetPhaseIndex];
  if (!targetPhase) {
    report.error(path, `${raw} refers to phase '${ref.phase}', which this document does not have`);
    return;
  }
  if (targetPhaseIndex > phaseIndex) {
    report.error(
      path,
      `${raw} refers to phase '${ref.phase}', which runs after this one; chaining reads earlier steps only`,
    );
    return;
  }
  const targetIndex = targetPhase.steps.findIndex((s) => s.name === ref.step);
  const target = targetPhase.steps[targetIndex];
  if (!target) {
    const hint = caseHint(
      ref.step,
      targetPhase.steps.map((s) => s.name),
    );
    report.error(
      path,
      `${raw} refers to step '${ref.step}', which phase '${ref.phase}' does not have${hint}`,
    );
    return;
  }
  if (targetPhaseIndex === phaseIndex && targetIndex >= stepIndex) {
    const when = targetIndex === stepIndex ? 'is this step itself' : 'runs after this step';
    report.error(
      path,
      `${raw} refers to step '${ref.step}', which ${when}; chaining reads earlier steps only`,
    );
    return;
  }
  const current = doc.phases[phaseIndex]?.name ?? '';
  if (current === 'test' && (ref.phase === 'build' || ref.phase === 'validate')) {
    report.warn(
      path,
      `${raw}: Image Builder runs the test phase on a new instance, where ${ref.phase} outputs are not available`,
    );
  }
  if (ref.kind === 'output') checkOutput(scope, path, raw, target, ref.key);
  else checkInput(scope, path, raw, target, ref.index, ref.key);
}

function checkOutput(scope: Scope, path: string, raw: string, target: Step, key: string): void {
  const outputs = ACTION_SPECS.get(target.action)?.outputs ?? [];
  if (outputs.includes(key)) return;
  const list = outputs.length > 0 ? `its outputs: ${outputs.join(', ')}` : 'it has no outputs';
  scope.report.error(
    path,
    `${raw}: step '${target.name}' (${target.action}) has no output '${key}'; ${list}`,
  );
}

function checkInput(
  scope: Scope,
  path: string,
  raw: string,
  target: Step,
  index: number | undefined,
  key: string,
): void {
  const { report } = scope;
  const inputs = target.inputs;
  let item: InputMap | undefined;
  if (Array.isArray(inputs)) {
    if (index === undefined) {
      report.error(path, `${raw}: step '${target.name}' takes a list of inputs; write inputs[N].${key}`);
      return;
    }
    item = (inputs as readonly InputMap[])[index];
    if (!item) {
      report.error(
        path,
        `${raw}: step '${target.name}' has ${inputs.length} input item(s); inputs[${index}] does not exist`,
      );
      return;
    }
  } else {
    if (index !== undefined && index > 0) {
      report.error(path, `${raw}: step '${target.name}' takes a map of inputs; write inputs.${key}`);
      return;
    }
    item = inputs as InputMap;
  }
  if (item[key] === undefined) {
    const at = index === undefined ? 'inputs' : `inputs[${index}]`;
    report.error(path, `${raw}: step '${target.name}' ${at} has no '${key}'`);
  }
}
