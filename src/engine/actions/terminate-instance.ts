import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { endInstance } from '../instances.js';

/** TerminateInstance: stops the instance; every process in it is killed and no mount is left. */
export function terminateInstanceAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs) {
      await endInstance(ctx, String(inputs.instanceId), false);
      return {};
    },
  };
}
