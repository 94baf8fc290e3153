import type { ActionHandler } from '../../workflows/runner.js';

/** Actions Kiln cannot perform: the step fails with why, never a pretend success. */
export function notSupportedAction(action: string, why: string): ActionHandler {
  return {
    async run() {
      throw new Error(`${action} is not supported by Kiln: ${why}`);
    },
  };
}
