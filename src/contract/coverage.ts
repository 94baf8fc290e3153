/**
 * Which Image Builder operations Kiln answers, and the generator of docs/api-coverage.md
 * (a test keeps the page equal to renderApiCoverage()). After editing the lists, regenerate:
 *
 *   npx tsx -e "import('./src/contract/coverage.ts').then((m) => process.stdout.write(m.renderApiCoverage()))" > docs/api-coverage.md
 */
import { OPERATION_NAMES, operation } from './model.js';

/** Operations with a working service implementation behind the API. */
export const IMPLEMENTED_OPERATIONS: readonly string[] = [
  // Components
  'CreateComponent',
  'ImportComponent',
  'GetComponent',
  'ListComponents',
  'ListComponentBuildVersions',
  'DeleteComponent',
  'GetComponentPolicy',
  'PutComponentPolicy',
  // Image recipes
  'CreateImageRecipe',
  'GetImageRecipe',
  'ListImageRecipes',
  'DeleteImageRecipe',
  'GetImageRecipePolicy',
  'PutImageRecipePolicy',
  // Container recipes
  'CreateContainerRecipe',
  'GetContainerRecipe',
  'ListContainerRecipes',
  'DeleteContainerRecipe',
  'GetContainerRecipePolicy',
  'PutContainerRecipePolicy',
  // Infrastructure configurations
  'CreateInfrastructureConfiguration',
  'UpdateInfrastructureConfiguration',
  'GetInfrastructureConfiguration',
  'ListInfrastructureConfigurations',
  'DeleteInfrastructureConfiguration',
  // Distribution configurations
  'CreateDistributionConfiguration',
  'UpdateDistributionConfiguration',
  'GetDistributionConfiguration',
  'ListDistributionConfigurations',
  'DeleteDistributionConfiguration',
  // Image pipelines
  'CreateImagePipeline',
  'UpdateImagePipeline',
  'GetImagePipeline',
  'ListImagePipelines',
  'DeleteImagePipeline',
  // Workflows
  'CreateWorkflow',
  'GetWorkflow',
  'ListWorkflows',
  'ListWorkflowBuildVersions',
  'DeleteWorkflow',
  // Lifecycle policies
  'CreateLifecyclePolicy',
  'UpdateLifecyclePolicy',
  'GetLifecyclePolicy',
  'ListLifecyclePolicies',
  'DeleteLifecyclePolicy',
  // Lifecycle executions
  'ListLifecycleExecutions',
  'GetLifecycleExecution',
  'ListLifecycleExecutionResources',
  'CancelLifecycleExecution',
  'StartResourceStateUpdate',
  // Tags
  'TagResource',
  'UntagResource',
  'ListTagsForResource',
  // Images
  'GetImagePolicy',
  'PutImagePolicy',
  'GetImage',
  'ListImages',
  'ListImageBuildVersions',
  'DeleteImage',
  // Executions
  'CreateImage',
  'StartImagePipelineExecution',
  'ListImagePipelineImages',
  'CancelImageCreation',
  'RetryImage',
  'DistributeImage',
  // Workflow executions
  'ListWorkflowExecutions',
  'GetWorkflowExecution',
  'ListWorkflowStepExecutions',
  'GetWorkflowStepExecution',
  'ListWaitingWorkflowSteps',
  'SendWorkflowStepAction',
  // Imports
  'ImportVmImage',
  'ImportDiskImage',
  // Security
  'ListImagePackages',
  'ListImageScanFindings',
  'ListImageScanFindingAggregations',
];

/** Status of every operation not (yet) implemented; move a name to IMPLEMENTED_OPERATIONS when done. */
export const OPERATION_NOTES: Readonly<Record<string, string>> = {
  GetMarketplaceResource: 'not applicable: answers InvalidRequestException',
};

const implemented = new Set(IMPLEMENTED_OPERATIONS);

/** `implemented`, or the note saying who will implement it (or why nobody will). */
export function operationStatus(name: string): string {
  if (implemented.has(name)) return 'implemented';
  const note = OPERATION_NOTES[name];
  if (!note) throw new Error(`operation ${name} is neither implemented nor given a note in coverage.ts`);
  return note;
}

/** docs/api-coverage.md: one row per model operation, alphabetical. */
export function renderApiCoverage(): string {
  const rows = OPERATION_NAMES.map((name) => {
    const { method, requestUri } = operation(name).http;
    return `| ${name} | \`${method} ${requestUri}\` | ${operationStatus(name)} |`;
  });
  return [
    '# Image Builder API coverage',
    '',
    '<!-- Generated from src/contract/coverage.ts; a test fails when this page and the code differ.',
    '     Regenerate with the command in that file header. -->',
    '',
    `Kiln implements ${implemented.size} of the ${OPERATION_NAMES.length} operations of the Image Builder`,
    'API model (2019-12-02). Every operation is routed and its input validated against the model;',
    'for the others the status names the piece of work that will implement them.',
    '',
    '| Operation | HTTP | Status |',
    '|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
