import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { instanceOf } from '../instances.js';

/** WaitForSSMAgent: a Kiln instance takes commands as soon as it is launched. */
export function waitForSsmAgentAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs) {
      instanceOf(ctx, inputs.instanceId);
      return { Status: 'Success' };
    },
  };
}
