/**
 * The step actions of image workflow documents (api.md §8.3): where each may run, which inputs
 * it needs, what it outputs, its default timeout and whether it has a rollback.
 */

export type WorkflowType = 'BUILD' | 'TEST' | 'DISTRIBUTION';

export interface WorkflowActionSpec {
  /** Workflow types the action may appear in. */
  readonly stages: readonly WorkflowType[];
  /** Inputs that must be present, either as `name` or as the JSONPath form `name.$`. */
  readonly requiredInputs: readonly string[];
  /** Output names later steps may read via `$.stepOutputs.<step>.<output>`. */
  readonly outputs: readonly string[];
  readonly defaultTimeoutSeconds: number;
  /** True when a failed workflow undoes this step (terminate, remove association). */
  readonly rollback: boolean;
}

const BTD: readonly WorkflowType[] = ['BUILD', 'TEST', 'DISTRIBUTION'];
const RUN_COMMAND_OUTPUTS = ['runCommandId', 'status', 'output'];
const MIN = 60;

const spec = (
  stages: readonly WorkflowType[],
  requiredInputs: readonly string[],
  outputs: readonly string[],
  timeoutMinutes: number,
  rollback = false,
): WorkflowActionSpec => ({
  stages,
  requiredInputs,
  outputs,
  defaultTimeoutSeconds: timeoutMinutes * MIN,
  rollback,
});

export const WORKFLOW_ACTIONS = {
  LaunchInstance: spec(BTD, ['waitFor'], ['instanceId'], 75, true),
  WaitForSSMAgent: spec(BTD, ['instanceId'], ['Status'], 60),
  BootstrapInstanceForContainer: spec(BTD, ['instanceId'], RUN_COMMAND_OUTPUTS, 60),
  ExecuteComponents: spec(['BUILD', 'TEST'], ['instanceId'], RUN_COMMAND_OUTPUTS, 720),
  RunCommand: spec(BTD, ['instanceId', 'documentName'], RUN_COMMAND_OUTPUTS, 720),
  CollectImageMetadata: spec(['BUILD'], ['instanceId'], ['osVersion', 'associationId'], 30, true),
  CollectImageScanFindings: spec(['TEST'], ['instanceId'], RUN_COMMAND_OUTPUTS, 120),
  SanitizeInstance: spec(BTD, ['instanceId'], RUN_COMMAND_OUTPUTS, 60),
  RunSysPrep: spec(BTD, ['instanceId'], RUN_COMMAND_OUTPUTS, 60),
  CreateImage: spec(BTD, ['instanceId'], ['imageId'], 720),
  CreateImageFromIso: spec(BTD, ['instanceId'], ['amiName', 'snapshotId', 'architecture'], 720),
  RegisterImage: spec(BTD, [], ['imageId'], 720),
  TerminateInstance: spec(BTD, ['instanceId'], [], 30),
  WaitForAction: spec(BTD, [], ['action', 'reason'], 3 * 24 * 60),
  ExecuteStateMachine: spec(BTD, ['stateMachineArn'], ['executionArn', 'output'], 360),
  DistributeImage: spec(['DISTRIBUTION'], [], ['distributedImages'], 360),
  ModifyImageAttributes: spec(['DISTRIBUTION'], ['distributedImages'], ['modifiedImages'], 120),
  ApplyImageConfigurations: spec(['DISTRIBUTION'], ['distributedImages'], ['configuredImages'], 360),
  DistributeContainerImage: spec(
    ['DISTRIBUTION'],
    ['instanceId'],
    ['status', 'succeededRegions', 'failedRegions'],
    120,
  ),
} as const satisfies Record<string, WorkflowActionSpec>;

export type WorkflowActionName = keyof typeof WORKFLOW_ACTIONS;

export const ACTION_NAMES = Object.keys(WORKFLOW_ACTIONS) as WorkflowActionName[];

export const isWorkflowAction = (name: string): name is WorkflowActionName =>
  Object.hasOwn(WORKFLOW_ACTIONS, name);

/** The AMI distribution actions that DistributeContainerImage can't share a workflow with. */
export const AMI_DISTRIBUTION_ACTIONS: readonly WorkflowActionName[] = [
  'DistributeImage',
  'ModifyImageAttributes',
  'ApplyImageConfigurations',
];

/** The `$.imagebuilder.*` system variables a document may read (api.md §8.2). */
export const SYSTEM_VARIABLES: readonly string[] = [
  'cloudWatchLogGroup',
  'cloudWatchLogStream',
  'collectImageMetadata',
  'collectImageScanFindings',
  'imageBuildNumber',
  'imageId',
  'imageName',
  'imageType',
  'imageVersionNumber',
  'instanceProfileName',
  'platform',
  's3Logs',
  'securityGroups',
  'sourceImageARN',
  'subnetId',
  'terminateInstanceOnFailure',
  'workflowPhase',
  'workingDirectory',
];
