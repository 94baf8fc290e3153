/**
 * The engine of a server composed without a build engine: every build ends FAILED at once
 * with a reason saying so, instead of waiting in the queue forever.
 */
import type { BuildHandle } from '../engine/image-build.js';
import type { ExecutionEngine } from './engine-hooks.js';

export const NO_ENGINE_REASON =
  'This Kiln server was started without a build engine, so it cannot build images.';

export const noEngine: ExecutionEngine = {
  start(_request, observer): BuildHandle {
    const done = observer({ kind: 'status', status: 'FAILED', reason: NO_ENGINE_REASON }).then(() => ({
      status: 'FAILED' as const,
      reason: NO_ENGINE_REASON,
    }));
    return {
      done,
      deliverStepAction() {},
    };
  },
};
