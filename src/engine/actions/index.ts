/** The workflow step actions Kiln implements for image builds, by action name (api.md §8.3). */
import type { ActionRegistry } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { collectImageMetadataAction } from './collect-image-metadata.js';
import { createImageAction } from './create-image.js';
import { distributeImageAction } from './distribute-image.js';
import { executeComponentsAction } from './execute-components.js';
import { launchInstanceAction } from './launch-instance.js';
import { notSupportedAction } from './not-supported.js';
import { sanitizeInstanceAction } from './sanitize-instance.js';
import { terminateInstanceAction } from './terminate-instance.js';
import { waitForSsmAgentAction } from './wait-for-ssm-agent.js';

const WINDOWS = 'it is Windows-only, and Kiln builds Linux images';
const LATER = 'this is a later issue (see docs/architecture.md, "Build engine")';

export function buildActions(ctx: BuildContext, regions: readonly string[]): ActionRegistry {
  return {
    LaunchInstance: launchInstanceAction(ctx),
    WaitForSSMAgent: waitForSsmAgentAction(ctx),
    // Native container builds need no Docker daemon on the instance.
    BootstrapInstanceForContainer: { run: async () => ({ runCommandId: '', status: 'Success', output: '' }) },
    ExecuteComponents: executeComponentsAction(ctx),
    CollectImageMetadata: collectImageMetadataAction(ctx),
    SanitizeInstance: sanitizeInstanceAction(ctx),
    CreateImage: createImageAction(ctx),
    TerminateInstance: terminateInstanceAction(ctx),
    DistributeImage: distributeImageAction(ctx, regions),
    RunSysPrep: notSupportedAction('RunSysPrep', WINDOWS),
    CreateImageFromIso: notSupportedAction('CreateImageFromIso', 'Kiln does not install from ISO images'),
    RegisterImage: notSupportedAction(
      'RegisterImage',
      'it registers EC2 snapshots, which Kiln does not have',
    ),
    ExecuteStateMachine: notSupportedAction('ExecuteStateMachine', 'Kiln has no Step Functions'),
    RunCommand: notSupportedAction('RunCommand', 'Kiln has no SSM documents; use a component'),
    CollectImageScanFindings: notSupportedAction('CollectImageScanFindings', `the scanner is ${LATER}`),
    ModifyImageAttributes: notSupportedAction('ModifyImageAttributes', `launch permissions are ${LATER}`),
    ApplyImageConfigurations: notSupportedAction('ApplyImageConfigurations', `launch templates are ${LATER}`),
    DistributeContainerImage: notSupportedAction('DistributeContainerImage', `registry pushes are ${LATER}`),
  };
}
