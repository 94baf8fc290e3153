/**
 * The CREATING stage: resolve the recipe (components → exact builds, parent → tree and mirror
 * state; an image parent → its layers, keyed by its manifest digest), record what every
 * reference resolved to in the image, and plan the chained keys.
 */
import { type BuildContext, logLine } from './context.js';
import { type ImageAccess, type ParentLookup, resolveParent } from './parents/resolve-parent.js';
import { planBuild } from './plan.js';
import { resolveComponentBuilds } from './resolve.js';

export async function resolveBuildInputs(
  ctx: BuildContext,
  lookup: ParentLookup,
  signal: AbortSignal,
  access?: ImageAccess,
): Promise<void> {
  const reference = String(ctx.recipe.parentImage ?? '');
  const components = await resolveComponentBuilds(lookup, ctx.recipe);
  const parent = await resolveParent(reference, {
    lookup,
    account: ctx.request.account,
    region: ctx.request.region,
    dataDir: ctx.paths.dataDir,
    cacheDir: ctx.paths.cacheDir,
    access,
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
    parentImage: {
      reference,
      resolved: parent.resolved,
      digest: parent.digest,
      ...(parent.via?.length ? { via: parent.via } : {}),
    },
    components: components.map((c) => ({ reference: c.reference, resolved: c.arn })),
  };
  await ctx.emit({ kind: 'image', members: { resolvedReferences } });
  for (const hop of parent.via ?? []) await logLine(ctx, 'Resolve', `parent ${hop}`);
  await logLine(ctx, 'Resolve', `parent ${reference} → ${parent.resolved} (${parent.digest})`);
  for (const c of components) await logLine(ctx, 'Resolve', `component ${c.reference} → ${c.arn}`);
}
