import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { distributeImage, type EngineDistribution } from '../distribute.js';

/**
 * DistributeImage: copies the image to each region (and account) of its `distributions` input,
 * or of the attached distribution configuration, with its parameters, launch templates and
 * exports; each target is reported on its own (src/engine/distribute.ts).
 */
export function distributeImageAction(ctx: BuildContext, distribution: EngineDistribution): ActionHandler {
  return {
    async run(inputs, actx) {
      const distributedImages = await distributeImage(ctx, distribution, actx.signal, inputs.distributions);
      return { distributedImages };
    },
  };
}
