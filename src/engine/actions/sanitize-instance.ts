import { cleanInstance } from '../../images/cleanup.js';
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';
import { instanceOf } from '../instances.js';

/** SanitizeInstance: Image Builder's pre-snapshot cleanup, honouring the `skip_cleanup_*` markers. */
export function sanitizeInstanceAction(ctx: BuildContext): ActionHandler {
  return {
    async run(inputs, actx) {
      const entry = instanceOf(ctx, inputs.instanceId);
      const result = await cleanInstance(entry.instance, {
        workingDirectory: String(ctx.recipe.workingDirectory ?? '/tmp'),
        signal: actx.signal,
        // Build instances see the shared apt caches through bind mounts (never part of a layer):
        // emptying them here would empty every later build's package cache.
        skip: ['apt_files'],
      });
      const { remove, truncate } = result.plan;
      await logLine(
        ctx,
        'SanitizeInstance',
        `removed ${remove.length} paths, truncated ${truncate.length} files (${result.wallMs} ms)`,
      );
      return { runCommandId: '', status: 'Success', output: '' };
    },
  };
}
