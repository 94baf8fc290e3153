/** The workflow step actions Kiln implements for image builds, by action name (api.md §8.3). */
import type { ActionRegistry } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import type { EngineDistribution } from '../distribute.js';
import type { ParentLookup } from '../parents/resolve-parent.js';
import { applyImageConfigurationsAction } from './apply-image-configurations.js';
import { collectImageMetadataAction } from './collect-image-metadata.js';
import { collectImageScanFindingsAction } from './collect-image-scan-findings.js';
import { createImageAction } from './create-image.js';
import { distributeContainerImageAction } from './distribute-container-image.js';
import { distributeImageAction } from './distribute-image.js';
import { executeComponentsAction } from './execute-components.js';
import { parameterStoreOf } from './image-parameters.js';
import { launchInstanceAction } from './launch-instance.js';
import { modifyImageAttributesAction } from './modify-image-attributes.js';
import { notSupportedAction } from './not-supported.js';
import { registerImageAction } from './register-image.js';
import { runCommandAction } from './run-command.js';
import { sanitizeInstanceAction } from './sanitize-instance.js';
import { terminateInstanceAction } from './terminate-instance.js';
import { waitForSsmAgentAction } from './wait-for-ssm-agent.js';

const WINDOWS = 'it is Windows-only, and Kiln builds Linux images';

/**
 * `store`: the engine's store; when it can write documents (the server's Store),
 * ApplyImageConfigurations writes SSM parameter targets into Kiln's parameter store.
 */
export function buildActions(
  ctx: BuildContext,
  distribution: EngineDistribution,
  store?: ParentLookup,
): ActionRegistry {
  const regions = distribution.env.regions;
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
    DistributeImage: distributeImageAction(ctx, distribution),
    RunSysPrep: notSupportedAction('RunSysPrep', WINDOWS),
    CreateImageFromIso: notSupportedAction('CreateImageFromIso', 'Kiln does not install from ISO images'),
    RegisterImage: registerImageAction(ctx),
    ExecuteStateMachine: notSupportedAction('ExecuteStateMachine', 'Kiln has no Step Functions'),
    RunCommand: runCommandAction(ctx),
    CollectImageScanFindings: collectImageScanFindingsAction(ctx),
    ModifyImageAttributes: modifyImageAttributesAction(ctx),
    ApplyImageConfigurations: applyImageConfigurationsAction(
      ctx,
      parameterStoreOf(store),
      distribution.addLaunchTemplateVersion,
    ),
    DistributeContainerImage: distributeContainerImageAction(ctx, regions),
  };
}
