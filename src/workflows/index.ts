/** Image workflow documents: parse and validate, the action catalog, the managed workflows. */
export {
  ACTION_NAMES,
  SYSTEM_VARIABLES,
  WORKFLOW_ACTIONS,
  type WorkflowActionName,
  type WorkflowActionSpec,
  type WorkflowType,
} from './actions.js';
export { COMPARATORS, type Comparator, type WorkflowCondition } from './conditions.js';
export {
  MAX_WORKFLOW_DATA,
  parseWorkflowDocument,
  type WorkflowDocument,
  type WorkflowDocumentResult,
  type WorkflowOutput,
  type WorkflowParameterDeclaration,
  type WorkflowParameterDetail,
  type WorkflowParameterType,
} from './document.js';
export { type ManagedWorkflow, managedWorkflows } from './managed.js';
export { formatProblem, type WorkflowProblem } from './problems.js';
export type { WorkflowStep } from './steps.js';
