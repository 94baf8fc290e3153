/**
 * The CREATING stage: resolve the recipe (components → exact builds, parent → tree and mirror
 * state), record what every reference resolved to in the image, and plan the chained keys.
 */
import { type BuildContext, logLine } from './context.js';
import { planBuild } from './plan.js';
import { type BuildLookup, resolveComponentBuilds, resolveParentTree } from './resolve.js';

export async function resolveBuildInputs(
  ctx: BuildContext,
  lookup: BuildLookup,
  signal: AbortSignal,
): Promise<void> {
  const reference = String(ctx.recipe.parentImage ?? '');
  const components = await resolveComponentBuilds(lookup, ctx.recipe);
  const parent = await resolveParentTree(reference, {
    cacheDir: ctx.paths.cacheDir,
    signal,
    log: (line) => void logLine(ctx, 'ResolveParent', line),
  });
  ctx.parent = parent;
  // Isolated instances cannot see the mirror, so its state is not part of what they depend on.
  const externalState = ctx.infra.network === 'host' ? parent.mirrorState : '';
  ctx.plan = planBuild({
    parent,
    components,
    externalState,
    layerCache: ctx.request.layerCache,
  });
  const resolvedReferences = {
    parentImage: { reference, resolved: parent.resolved, digest: parent.digest },
    components: components.map((c) => ({ reference: c.reference, resolved: c.arn })),
  };
  await ctx.emit({ kind: 'image', members: { resolvedReferences } });
  await logLine(ctx, 'Resolve', `parent ${reference} → ${parent.resolved}`);
  for (const c of components) await logLine(ctx, 'Resolve', `component ${c.reference} → ${c.arn}`);
}
