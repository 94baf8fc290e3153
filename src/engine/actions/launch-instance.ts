import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { endInstance, launchInstance } from '../instances.js';
import { launchVmTestInstance } from '../vm-test.js';

/**
 * LaunchInstance: BUILD launches from the parent tree; TEST launches a fresh instance from the
 * captured image's layers, never the build instance — or, with a QEMU instance type, boots the
 * image's bootable disk in a VM (vm-test.ts). Rollback ends it: kept for
 * `kiln instance shell` when the build failed and `terminateInstanceOnFailure` is false.
 */
export function launchInstanceAction(ctx: BuildContext): ActionHandler {
  return {
    async run() {
      const vm = ctx.stage === 'TEST' ? ctx.infra.vmTestType : undefined;
      if (vm) return { instanceId: (await launchVmTestInstance(ctx, vm)).id };
      let lowers: readonly string[];
      if (ctx.stage === 'BUILD') {
        if (!ctx.parent) throw new Error('the parent image was not resolved');
        lowers = ctx.parent.lowerDirs;
        ctx.buildLowers = [...lowers];
        ctx.componentLayers = [];
      } else {
        if (!ctx.captured) throw new Error(`no image was captured before the ${ctx.stage} stage`);
        lowers = ctx.captured.lowerDirs;
      }
      const purpose = ctx.stage === 'TEST' ? 'TEST' : ctx.stage === 'DISTRIBUTION' ? 'DISTRIBUTION' : 'BUILD';
      const entry = await launchInstance(ctx, lowers, purpose);
      return { instanceId: entry.id };
    },
    async rollback(_inputs, outputs, actx) {
      if (typeof outputs.instanceId !== 'string') return;
      // A cancelled build never keeps instances; a failed one may.
      await endInstance(ctx, outputs.instanceId, !actx.signal.aborted);
    },
  };
}
