import type { ActionHandler } from '../../workflows/runner.js';
import { applyBuildComponents } from '../component-layers.js';
import { runComponentPhases } from '../component-run.js';
import type { BuildContext } from '../context.js';
import { buildContainerImage } from '../container-build.js';
import { treeVisibleOnHost } from '../../toe/exec/fs-agent.js';
import { instanceOf, withAptCaches } from '../instances.js';

/**
 * ExecuteComponents. BUILD: every component's `build` then `validate` phase in recipe order,
 * each cached as a layer (a container recipe builds its Dockerfile the same way). TEST: every
 * component's `test` phase on the (fresh) test instance; a VM (boot test) has its own disk, so
 * no shared apt caches.
 */
export function executeComponentsAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs, actx) {
      const entry = instanceOf(ctx, inputs.instanceId);
      if (ctx.stage === 'BUILD') {
        if (ctx.isContainer) await buildContainerImage(ctx, entry, actx.signal);
        else await applyBuildComponents(ctx, entry, actx.signal);
      } else {
        for (const planned of ctx.plan?.components ?? []) {
          const run = () => runComponentPhases(ctx, entry.id, planned.component, ['test'], actx.signal);
          await (treeVisibleOnHost(entry.instance) ? withAptCaches(ctx, entry, actx.signal, run) : run());
        }
      }
      return { runCommandId: '', status: 'Success', output: '' };
    },
  };
}
