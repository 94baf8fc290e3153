import type { ActionHandler } from '../../workflows/runner.js';
import { captureImage } from '../capture.js';
import type { BuildContext } from '../context.js';
import { instanceOf } from '../instances.js';
import { addBootableDisk } from '../vm-test.js';

/** CreateImage: captures the instance's tree as the image (layers, OCI, disks, a bootable disk when it has a kernel); outputs its ami- id. */
export function createImageAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs, actx) {
      const entry = instanceOf(ctx, inputs.instanceId);
      const captured = await captureImage(ctx, entry, actx.signal);
      await addBootableDisk(ctx, entry, actx.signal);
      return { imageId: captured.imageId };
    },
  };
}
