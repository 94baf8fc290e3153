import type { ActionHandler } from '../../workflows/runner.js';
import type { BuildContext } from '../context.js';
import { distributeImage } from '../distribute.js';

/** DistributeImage: registers the image in each configured region of the distribution configuration. */
export function distributeImageAction(ctx: BuildContext, regions: readonly string[]): ActionHandler {
  return {
    async run(_inputs, actx) {
      const distributedImages = await distributeImage(ctx, regions, actx.signal);
      return { distributedImages };
    },
  };
}
