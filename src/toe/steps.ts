import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { ACTION_SPECS, type ActionSpec } from './actions/index.js';
import { readCondition } from './condition.js';
import { readInputs } from './inputs.js';
import { readLoop } from './loop.js';
import {
  ON_FAILURE_VALUES,
  type OnFailure,
  type Phase,
  type Platform,
  type Step,
  type StepInputs,
} from './model.js';
import { joinPath } from './source-map.js';
import { caseHint, describe, type Entry, isNull, plainValue, type Reader, scalarText } from './yaml-nodes.js';

export const DEFAULT_TIMEOUT_SECONDS = 7200;
const STEP_KEYS = ['name', 'action', 'inputs', 'timeoutSeconds', 'onFailure', 'maxAttempts', 'loop', 'if'];
const PHASE_KEYS = ['name', 'steps'];
const STAGE_PHASES = ['build', 'validate', 'test'];

/** Reads `phases`: names unique, at least one of build/validate/test, steps per phase. */
export function readPhases(r: Reader, node: Node | undefined, platform: Platform): Phase[] {
  if (isNull(node)) {
    r.error('phases', node, "the document needs 'phases' with at least one of build, validate or test");
    return [];
  }
  if (!isSeq(node)) {
    r.error('phases', node, `must be a list of '- name: build / steps: [...]'; got ${describe(node)}`);
    return [];
  }
  const phases: Phase[] = [];
  const seen = new Map<string, string>();
  r.items('phases', node).forEach((item, i) => {
    const path = joinPath('phases', i);
    if (!isMap(item)) {
      r.error(path, item, `each phase must be a map with 'name' and 'steps'; got ${describe(item)}`);
      return;
    }
    const byKey = keyed(r, path, item, PHASE_KEYS, 'phase');
    const name = requiredName(r, path, item, byKey.get('name'), 'phase');
    if (name !== undefined) {
      const first = seen.get(name);
      if (first)
        r.error(
          joinPath(path, 'name'),
          byKey.get('name')?.value,
          `phase name '${name}' is already used by ${first}`,
        );
      else seen.set(name, path);
    }
    const steps = readSteps(r, path, byKey.get('steps'), item, platform);
    if (name !== undefined) phases.push(Object.freeze({ name, steps: Object.freeze(steps), path }));
  });
  if (node.items.length > 0 && !phases.some((p) => STAGE_PHASES.includes(p.name))) {
    r.error('phases', node, 'the document needs at least one phase named build, validate or test');
  }
  return phases;
}

function readSteps(
  r: Reader,
  phasePath: string,
  entry: Entry | undefined,
  phaseNode: Node,
  platform: Platform,
): Step[] {
  const path = joinPath(phasePath, 'steps');
  if (!entry || !isSeq(entry.value)) {
    r.error(
      entry ? path : phasePath,
      entry?.value ?? phaseNode,
      `needs 'steps', a list of steps; got ${describe(entry?.value)}`,
    );
    return [];
  }
  if (entry.value.items.length === 0) r.warn(path, entry.value, 'the phase has no steps');
  const steps: Step[] = [];
  const names = new Map<string, string>();
  const loops = new Map<string, string>();
  r.items(path, entry.value).forEach((item, j) => {
    const stepPath = joinPath(path, j);
    const step = readStep(r, stepPath, item, platform);
    if (!step) return;
    const first = names.get(step.name);
    if (first) {
      r.error(
        joinPath(stepPath, 'name'),
        undefined,
        `step name '${step.name}' is already used by ${first}; step names must be unique within a phase`,
      );
    } else names.set(step.name, stepPath);
    const loopName = step.loop?.name;
    if (loopName !== undefined) {
      const firstLoop = loops.get(loopName);
      if (firstLoop) {
        r.error(
          joinPath(stepPath, 'loop.name'),
          undefined,
          `loop name '${loopName}' is already used by ${firstLoop}; loop names must be unique within a phase`,
        );
      } else loops.set(loopName, stepPath);
    }
    steps.push(step);
  });
  return steps;
}

function readStep(r: Reader, path: string, node: Node | undefined, platform: Platform): Step | undefined {
  if (!isMap(node)) {
    r.error(path, node, `each step must be a map with 'name', 'action' and 'inputs'; got ${describe(node)}`);
    return undefined;
  }
  const byKey = keyed(r, path, node, STEP_KEYS, 'step');
  const name = requiredName(r, path, node, byKey.get('name'), 'step');
  const spec = readAction(r, path, node, byKey.get('action'), platform);
  const settings = {
    timeoutSeconds: readTimeout(r, path, byKey.get('timeoutSeconds'), spec),
    onFailure: readOnFailure(r, path, byKey.get('onFailure')),
    maxAttempts: readMaxAttempts(r, path, byKey.get('maxAttempts'), spec),
  };
  const loopEntry = byKey.get('loop');
  const loop = loopEntry ? readLoop(r, joinPath(path, 'loop'), loopEntry.value) : undefined;
  const ifEntry = byKey.get('if');
  const condition = ifEntry ? readCondition(r, joinPath(path, 'if'), ifEntry.value) : undefined;
  const inputsNode = byKey.get('inputs')?.value;
  let inputs: StepInputs | undefined;
  let assertion: Step['assertion'];
  if (spec?.inputs === 'condition') {
    assertion = readCondition(r, joinPath(path, 'inputs'), inputsNode);
    inputs = plainValue(r, inputsNode) as StepInputs;
  } else if (spec) {
    inputs = readInputs(r, spec, path, inputsNode, platform);
  }
  if (name === undefined || spec === undefined) return undefined;
  return Object.freeze({
    name,
    action: spec.name,
    inputs: inputs ?? {},
    ...settings,
    ...(loop ? { loop: Object.freeze(loop) } : {}),
    ...(condition ? { if: condition } : {}),
    ...(assertion ? { assertion } : {}),
    path,
  });
}

/** Entries by key; unknown keys are warned about (AWSTOE's Go decoder ignores them). */
function keyed(r: Reader, path: string, node: Node, known: string[], what: string): Map<string, Entry> {
  const byKey = new Map<string, Entry>();
  for (const e of r.entries(path, node)) {
    if (known.includes(e.key)) byKey.set(e.key, e);
    else
      r.warn(
        joinPath(path, e.key),
        e.keyNode,
        `unknown ${what} key '${e.key}' is ignored${caseHint(e.key, known)}`,
      );
  }
  return byKey;
}

function requiredName(
  r: Reader,
  path: string,
  node: Node,
  entry: Entry | undefined,
  what: string,
): string | undefined {
  const text = scalarText(entry?.value);
  if (text === undefined || text === '') {
    r.error(entry ? joinPath(path, 'name') : path, entry?.value ?? node, `the ${what} needs a 'name'`);
    return undefined;
  }
  return text;
}

function readAction(
  r: Reader,
  path: string,
  node: Node,
  entry: Entry | undefined,
  platform: Platform,
): ActionSpec | undefined {
  const actionPath = joinPath(path, 'action');
  const name = scalarText(entry?.value);
  if (name === undefined || name === '') {
    r.error(
      entry ? actionPath : path,
      entry?.value ?? node,
      "the step needs an 'action' (an action module such as ExecuteBash)",
    );
    return undefined;
  }
  const spec = ACTION_SPECS.get(name);
  if (!spec) {
    r.error(actionPath, entry?.value, `unknown action '${name}'${caseHint(name, ACTION_SPECS.keys())}`);
    return undefined;
  }
  if (!spec.platforms.includes(platform)) r.error(actionPath, entry?.value, platformMessage(spec, platform));
  return spec;
}

function platformMessage(spec: ActionSpec, platform: Platform): string {
  if (spec.platforms.length === 1) {
    return `action ${spec.name} is ${spec.platforms[0]}-only; it cannot be used in a ${platform} document`;
  }
  return `action ${spec.name} is not supported on ${platform} (only ${spec.platforms.join(' and ')})`;
}

function readTimeout(
  r: Reader,
  path: string,
  entry: Entry | undefined,
  spec: ActionSpec | undefined,
): number {
  const forced = spec?.forced?.timeoutSeconds;
  const fallback = forced ?? DEFAULT_TIMEOUT_SECONDS;
  if (!entry) return fallback;
  const keyPath = joinPath(path, 'timeoutSeconds');
  if (spec?.timeoutSupported === false) {
    r.error(keyPath, entry.keyNode, `${spec.name} does not support timeoutSeconds; remove it`);
    return fallback;
  }
  const value = wholeNumber(entry.value);
  if (value === undefined || (value !== -1 && value < 1)) {
    r.error(
      keyPath,
      entry.value,
      `must be a whole number of seconds, at least 1, or -1 for no limit; got ${describe(entry.value)}`,
    );
    return fallback;
  }
  if (forced !== undefined && value !== forced) {
    r.error(
      keyPath,
      entry.value,
      `${spec?.name} always runs with timeoutSeconds ${forced}; remove it or set ${forced}`,
    );
    return forced;
  }
  return value;
}

function readMaxAttempts(
  r: Reader,
  path: string,
  entry: Entry | undefined,
  spec: ActionSpec | undefined,
): number {
  const forced = spec?.forced?.maxAttempts;
  if (!entry) return forced ?? 1;
  const keyPath = joinPath(path, 'maxAttempts');
  const value = wholeNumber(entry.value);
  if (value === undefined || value < 1) {
    r.error(
      keyPath,
      entry.value,
      `must be a whole number, at least 1 (total attempts); got ${describe(entry.value)}`,
    );
    return forced ?? 1;
  }
  if (forced !== undefined && value !== forced) {
    r.error(
      keyPath,
      entry.value,
      `${spec?.name} always runs with maxAttempts ${forced}; remove it or set ${forced}`,
    );
    return forced;
  }
  return value;
}

function readOnFailure(r: Reader, path: string, entry: Entry | undefined): OnFailure {
  if (!entry) return 'Abort';
  const text = scalarText(entry.value);
  if (text !== undefined && (ON_FAILURE_VALUES as readonly string[]).includes(text)) return text as OnFailure;
  const hint = text ? caseHint(text, ON_FAILURE_VALUES) : '';
  r.error(
    joinPath(path, 'onFailure'),
    entry.value,
    `must be Abort, Continue or Ignore; got ${describe(entry.value)}${hint}`,
  );
  return 'Abort';
}

function wholeNumber(node: Node | undefined): number | undefined {
  return isScalar(node) && typeof node.value === 'number' && Number.isInteger(node.value)
    ? node.value
    : undefined;
}
