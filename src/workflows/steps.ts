/**
 * Validation of a workflow document's `steps`: names, actions and the stage they may run in,
 * failure handling, timeouts, conditions, inputs and the JSONPath references inside them.
 */
import {
  ACTION_NAMES,
  AMI_DISTRIBUTION_ACTIONS,
  isWorkflowAction,
  WORKFLOW_ACTIONS,
  type WorkflowActionName,
  type WorkflowType,
} from './actions.js';
import { isRecord, parseCondition, type WorkflowCondition } from './conditions.js';
import type { PathSegment, Report } from './problems.js';
import { checkReference, interpolations, type ReferenceScope } from './references.js';

export interface WorkflowStep {
  readonly name: string;
  readonly action: WorkflowActionName;
  readonly description?: string;
  readonly onFailure: 'Abort' | 'Continue';
  /** `true`/`false`, or a JSONPath resolved when the step runs. */
  readonly rollbackEnabled: boolean | string;
  /** As written, or the action's default. */
  readonly timeoutSeconds: number;
  readonly if?: WorkflowCondition;
  /** Inputs as written; keys ending in `.$` hold JSONPaths. */
  readonly inputs: Readonly<Record<string, unknown>>;
}

export const MAX_STEPS = 15;
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{1,99}$/;
const STEP_KEYS = [
  'name',
  'action',
  'description',
  'onFailure',
  'rollbackEnabled',
  'timeoutSeconds',
  'if',
  'inputs',
];
const MAX_TIMEOUT = 86_400;

/** Checks every step, reporting problems; the steps returned are usable only if none were. */
export function parseSteps(
  raw: unknown,
  type: WorkflowType,
  parameters: ReadonlySet<string>,
  report: Report,
): WorkflowStep[] {
  if (!Array.isArray(raw) || raw.length === 0 || raw.length > MAX_STEPS) {
    report(['steps'], `must be a list of 1 to ${MAX_STEPS} steps`);
    return [];
  }
  const heads = stepHeads(raw);
  const steps = raw.map((s, i) => parseStep(s, i, type, { parameters, steps: heads, stepIndex: i }, report));
  const actions = heads.map((h) => h.action);
  if (actions.includes('DistributeContainerImage')) {
    const ami = actions.findIndex((a) => a !== undefined && AMI_DISTRIBUTION_ACTIONS.includes(a));
    if (ami >= 0) {
      report(
        ['steps', ami, 'action'],
        `${actions[ami]} can't be combined with DistributeContainerImage in one workflow; ` +
          'distribute either an AMI or a container image',
      );
    }
  }
  return steps.filter((s) => s !== undefined);
}

/** Name and action of each step as written, for resolving references before steps are valid. */
export function stepHeads(raw: unknown): ReferenceScope['steps'] {
  return (Array.isArray(raw) ? raw : []).map((s: unknown) => ({
    name: isRecord(s) && typeof s.name === 'string' ? s.name : '',
    action: isRecord(s) && typeof s.action === 'string' && isWorkflowAction(s.action) ? s.action : undefined,
  }));
}

function parseStep(
  raw: unknown,
  index: number,
  type: WorkflowType,
  scope: ReferenceScope,
  report: Report,
): WorkflowStep | undefined {
  const at = (...rest: PathSegment[]): PathSegment[] => ['steps', index, ...rest];
  if (!isRecord(raw)) {
    report(at(), 'must be a map with name, action and inputs');
    return undefined;
  }
  for (const key of Object.keys(raw)) {
    if (!STEP_KEYS.includes(key))
      report(at(key), `is not a step field; steps have ${STEP_KEYS.join(', ')}`, 'key');
  }
  const name = raw.name;
  if (typeof name !== 'string' || !STEP_NAME.test(name)) {
    report(at('name'), 'must be 2-100 characters: a letter, then letters, digits, hyphens or underscores');
  } else if (scope.steps.findIndex((s) => s.name === name) !== index) {
    report(at('name'), `"${name}" is already the name of an earlier step; step names must be unique`);
  }
  const label = typeof name === 'string' ? `step "${name}"` : `step ${index}`;
  const action = parseAction(raw.action, type, label, at('action'), report);
  const checkPath = (jsonPath: string, path: readonly PathSegment[]) => {
    const problem = checkReference(jsonPath, scope);
    if (problem) report(path, problem);
  };

  const onFailure = raw.onFailure ?? 'Abort';
  if (onFailure !== 'Abort' && onFailure !== 'Continue') report(at('onFailure'), 'must be Abort or Continue');
  const rollbackEnabled = raw.rollbackEnabled ?? true;
  if (typeof rollbackEnabled === 'string') checkPath(rollbackEnabled, at('rollbackEnabled'));
  else if (typeof rollbackEnabled !== 'boolean')
    report(at('rollbackEnabled'), 'must be true, false or a JSONPath');
  const timeout = raw.timeoutSeconds;
  if (
    timeout !== undefined &&
    !(Number.isInteger(timeout) && (timeout as number) >= 1 && (timeout as number) <= MAX_TIMEOUT)
  ) {
    report(at('timeoutSeconds'), `must be a whole number of seconds from 1 to ${MAX_TIMEOUT}`);
  }
  if (raw.description !== undefined && typeof raw.description !== 'string')
    report(at('description'), 'must be a string');
  const condition = raw.if === undefined ? undefined : parseCondition(raw.if, at('if'), report, checkPath);
  const inputs = raw.inputs ?? {};
  if (!isRecord(inputs)) {
    report(at('inputs'), 'must be a map of input names to values');
    return undefined;
  }
  checkInputs(inputs, at('inputs'), report, checkPath);
  if (action) {
    for (const input of WORKFLOW_ACTIONS[action].requiredInputs) {
      if (!(input in inputs) && !(`${input}.$` in inputs)) {
        report(at('inputs'), `${label} (${action}) needs input "${input}" (or "${input}.$" with a JSONPath)`);
      }
    }
  }
  if (typeof name !== 'string' || !action) return undefined;
  return {
    name,
    action,
    ...(typeof raw.description === 'string' ? { description: raw.description } : {}),
    onFailure: onFailure as WorkflowStep['onFailure'],
    rollbackEnabled: rollbackEnabled as boolean | string,
    timeoutSeconds: typeof timeout === 'number' ? timeout : WORKFLOW_ACTIONS[action].defaultTimeoutSeconds,
    ...(condition ? { if: condition } : {}),
    inputs,
  };
}

function parseAction(
  raw: unknown,
  type: WorkflowType,
  label: string,
  path: readonly PathSegment[],
  report: Report,
): WorkflowActionName | undefined {
  if (typeof raw !== 'string') {
    report(path, `${label} needs an action, e.g. LaunchInstance or ExecuteComponents`);
    return undefined;
  }
  if (!isWorkflowAction(raw)) {
    const near = ACTION_NAMES.find((a) => a.toLowerCase() === raw.toLowerCase());
    const hint = near ? `did you mean ${near}?` : `use one of ${ACTION_NAMES.join(', ')}`;
    report(path, `${label} has unknown action "${raw}"; ${hint}`);
    return undefined;
  }
  const stages = WORKFLOW_ACTIONS[raw].stages;
  if (!stages.includes(type)) {
    report(
      path,
      `${label} uses ${raw}, which can't run in a ${type} workflow; it is allowed in ${stages.join(' and ')} workflows`,
    );
    return undefined;
  }
  return raw;
}

/** `.$` inputs must be JSONPaths; `{{ $.… }}` inside any string input must resolve. */
function checkInputs(
  value: unknown,
  path: readonly PathSegment[],
  report: Report,
  checkPath: (jsonPath: string, path: readonly PathSegment[]) => void,
): void {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) checkInputs(v, [...path, i], report, checkPath);
  } else if (isRecord(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (key.endsWith('.$')) {
        if (typeof v === 'string' && v.startsWith('$.')) checkPath(v, [...path, key]);
        else
          report([...path, key], `ends in ".$", so its value must be a JSONPath string starting with "$."`);
      } else {
        checkInputs(v, [...path, key], report, checkPath);
      }
    }
  } else if (typeof value === 'string') {
    for (const ref of interpolations(value)) checkPath(ref, path);
  }
}
