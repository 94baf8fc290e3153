/**
 * The build stage's per-component layers (design.md §2 step 2): each component's changes become
 * a layer under its chained cache key. A hit stacks the cached tree and skips the run; a miss
 * runs `build` then `validate`, captures the instance's upper dir (blob store + layer cache) and
 * continues on an instance whose lowers include the new layer.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../host/fs.js';
import { captureLayer, type Layer } from '../images/layers.js';
import { runComponentPhases } from './component-run.js';
import { type BuildContext, type BuildInstance, logLine } from './context.js';
import { relaunch, withAptCaches } from './instances.js';
import type { CachedLayer } from './layer-cache.js';
import { explainMiss, type KeyInputs, type PlannedComponent } from './plan.js';

/** Where the key inputs of the component at this position of this recipe were last recorded. */
function historyFile(ctx: BuildContext, index: number): string {
  const recipe = String(ctx.recipe.arn ?? ctx.recipe.name ?? 'recipe').replace(/\/\d+$/, '');
  const id = createHash('sha256').update(`${recipe}\n${index}`).digest('hex').slice(0, 32);
  return join(ctx.paths.cacheDir, 'layer-history', `${id}.json`);
}

async function previousInputs(ctx: BuildContext, index: number): Promise<KeyInputs | undefined> {
  const file = historyFile(ctx, index);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as KeyInputs;
  } catch {
    return undefined;
  }
}

async function remember(ctx: BuildContext, index: number, inputs: KeyInputs): Promise<void> {
  await mkdir(join(ctx.paths.cacheDir, 'layer-history'), { recursive: true });
  await writeFileAtomic(historyFile(ctx, index), JSON.stringify(inputs));
}

const sameLowers = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * The layer of a cache entry, present in this data directory's blob store: the cached tree is
 * the source of truth, so a store without the entry's blob (another data directory made the
 * entry) captures it again from the tree.
 */
export async function layerInStore(
  ctx: BuildContext,
  cached: CachedLayer,
  signal: AbortSignal,
): Promise<Layer> {
  if (await ctx.blobs.has(cached.layer.digest)) return cached.layer;
  const sourceDateEpoch = (ctx.parent as NonNullable<BuildContext['parent']>).sourceDateEpoch;
  return captureLayer(cached.treeDir, ctx.blobs, { sourceDateEpoch, signal });
}

/** Makes the instance's tree match what the build has stacked so far. */
async function sync(ctx: BuildContext, entry: BuildInstance): Promise<void> {
  if (!sameLowers(entry.lowerDirs, ctx.buildLowers)) await relaunch(ctx, entry, ctx.buildLowers);
}

async function runAndCapture(
  ctx: BuildContext,
  entry: BuildInstance,
  planned: PlannedComponent,
  signal: AbortSignal,
): Promise<void> {
  const { component } = planned;
  await sync(ctx, entry);
  await withAptCaches(ctx, entry, signal, () =>
    runComponentPhases(ctx, entry.id, component, ['build', 'validate'], signal),
  );
  const parent = ctx.parent as NonNullable<BuildContext['parent']>;
  const layer = await captureLayer(entry.instance.upperDir, ctx.blobs, {
    sourceDateEpoch: parent.sourceDateEpoch,
    signal,
  });
  const cached = await ctx.layers.put(
    {
      key: planned.cacheKey,
      layer,
      componentArn: component.arn,
      keyInputs: planned.keyInputs,
      createdAt: ctx.clock.now(),
    },
    entry.instance.upperDir,
    signal,
  );
  ctx.componentLayers.push(cached.layer === layer ? layer : await layerInStore(ctx, cached, signal));
  ctx.buildLowers = [cached.treeDir, ...ctx.buildLowers];
  await logLine(
    ctx,
    component.name,
    `layer ${layer.digest} captured: ${layer.entries} entries, ${layer.size} bytes compressed (${layer.wallMs} ms)`,
  );
}

/** Applies every component of the plan to the build instance, reusing cached layers. */
export async function applyBuildComponents(
  ctx: BuildContext,
  entry: BuildInstance,
  signal: AbortSignal,
): Promise<void> {
  const plan = ctx.plan;
  if (!plan) throw new Error('the build was not planned');
  for (const [index, planned] of plan.components.entries()) {
    signal.throwIfAborted();
    const name = planned.component.name;
    const hit = plan.layerCache ? await ctx.layers.get(planned.cacheKey) : undefined;
    if (hit) {
      const layer = await layerInStore(ctx, hit, signal);
      ctx.componentLayers.push(layer);
      ctx.buildLowers = [hit.treeDir, ...ctx.buildLowers];
      await logLine(
        ctx,
        name,
        `cached: ${planned.component.arn} reuses layer ${layer.digest} (key ${planned.cacheKey})`,
      );
    } else {
      const why = explainMiss(planned.keyInputs, await previousInputs(ctx, index), plan.layerCache);
      await logLine(ctx, name, `not cached: ${why}; running build and validate of ${planned.component.arn}`);
      await runAndCapture(ctx, entry, planned, signal);
    }
    await remember(ctx, index, planned.keyInputs);
  }
  await sync(ctx, entry);
}
