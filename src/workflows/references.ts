/**
 * Static checks of the JSONPath references in a workflow document: `$.parameters.<name>`,
 * `$.stepOutputs.<step>.<output>`, `$.workflowOutputs.<name>` and `$.imagebuilder.<var>`.
 * Only the root and the names after it are checked; anything deeper (`[0].amiId`) is data the
 * step produces at run time.
 */
import { SYSTEM_VARIABLES, WORKFLOW_ACTIONS, type WorkflowActionName } from './actions.js';

/** What a reference may point at from where it is written. */
export interface ReferenceScope {
  readonly parameters: ReadonlySet<string>;
  /** Every step of the document, in order, with its action. */
  readonly steps: readonly { readonly name: string; readonly action: WorkflowActionName | undefined }[];
  /** Index of the step the reference is in; steps before it are readable. Omit for `outputs`. */
  readonly stepIndex?: number;
}

const NAME = '([^.\\[\\]]+)';
const STEP_OUTPUT = new RegExp(`^\\$\\.stepOutputs(?=$|\\.)(?:\\.${NAME}(?:\\.${NAME})?)?`);
const SIMPLE_ROOT = new RegExp(`^\\$\\.(parameters|imagebuilder|workflowOutputs)(?=$|\\.)(?:\\.${NAME})?`);
const ROOTS =
  '$.parameters.<name>, $.stepOutputs.<step>.<output>, $.workflowOutputs.<name> or $.imagebuilder.<variable>';

/** Returns what is wrong with a JSONPath reference, or undefined when it is fine. */
export function checkReference(path: string, scope: ReferenceScope): string | undefined {
  if (!path.startsWith('$.')) return `"${path}" is not a JSONPath; it must start with "$." (${ROOTS})`;
  const step = STEP_OUTPUT.exec(path);
  if (step) {
    if (step[1] === undefined) return `"${path}" names no step; write $.stepOutputs.<step>.<output>`;
    return checkRest(path, step[0]) ?? checkStepOutput(path, step[1], step[2], scope);
  }
  const simple = SIMPLE_ROOT.exec(path);
  if (!simple) return `"${path}" has an unknown root; use ${ROOTS}`;
  const [matched, root, name] = simple;
  if (name === undefined)
    return `"${path}" names no ${root === 'imagebuilder' ? 'variable' : 'name'}; write $.${root}.<name>`;
  const rest = checkRest(path, matched);
  if (rest) return rest;
  if (root === 'parameters' && !scope.parameters.has(name)) {
    return `"${path}" refers to parameter "${name}", which the document does not declare under parameters`;
  }
  if (root === 'imagebuilder' && !SYSTEM_VARIABLES.includes(name)) {
    return `"${path}" is not a system variable; $.imagebuilder has ${SYSTEM_VARIABLES.join(', ')}`;
  }
  return undefined;
}

function checkRest(path: string, matched: string): string | undefined {
  const rest = path.slice(matched.length);
  return rest === '' || rest.startsWith('.') || rest.startsWith('[')
    ? undefined
    : `"${path}" is not a JSONPath`;
}

function checkStepOutput(
  path: string,
  stepName: string,
  output: string | undefined,
  scope: ReferenceScope,
): string | undefined {
  const index = scope.steps.findIndex((s) => s.name === stepName);
  if (index < 0) return `"${path}" refers to step "${stepName}", which does not exist`;
  if (scope.stepIndex !== undefined && index === scope.stepIndex) {
    return `"${path}" refers to the step it is in; a step can only read outputs of earlier steps`;
  }
  if (scope.stepIndex !== undefined && index > scope.stepIndex) {
    return `"${path}" refers to step "${stepName}", which runs later; a step can only read outputs of earlier steps`;
  }
  if (output === undefined) return `"${path}" names no output; write $.stepOutputs.${stepName}.<output>`;
  const action = scope.steps[index]?.action;
  if (action === undefined) return undefined; // the step's own action error is reported already
  const outputs: readonly string[] = WORKFLOW_ACTIONS[action].outputs;
  if (outputs.includes(output)) return undefined;
  const has = outputs.length === 0 ? 'produces no outputs' : `produces ${outputs.join(', ')}`;
  return `"${path}" refers to output "${output}" of step "${stepName}", but ${action} ${has}`;
}

/** The `{{ $.path }}` interpolations inside a string. */
export function interpolations(text: string): string[] {
  return [...text.matchAll(/\{\{\s*(\$[^}]*?)\s*\}\}/g)].map((m) => m[1] ?? '');
}
