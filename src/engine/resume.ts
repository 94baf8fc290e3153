/**
 * RetryImage from the stage that failed (design.md §2): a run resuming at TEST or DISTRIBUTION
 * reuses the image the failed run captured — its artifacts (`kilnArtifacts`), its layers and
 * the exact component builds it resolved (`resolvedReferences`) — instead of building again.
 * When the captured image is gone, the retry builds again; the layer cache keeps that cheap.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { OciImage } from '../images/oci.js';
import { type BuildContext, logLine } from './context.js';
import { ensureImageTree, readImageContent, recordedLowers } from './parents/image-tree.js';
import { type ResolvedParent, planBuild } from './plan.js';
import { type BuildLookup, resolveComponentBuilds } from './resolve.js';

interface RecordedReferences {
  readonly parentImage?: ResolvedParent;
  readonly components?: readonly { reference: string; resolved: string }[];
}

/** The recipe with every component pinned to the build the failed run used (pure). */
export function pinnedRecipe(
  recipe: Readonly<Record<string, unknown>>,
  recorded: RecordedReferences,
): Record<string, unknown> {
  const refs = (recipe.components as { componentArn: string }[] | undefined) ?? [];
  const pins = recorded.components ?? [];
  if (pins.length !== refs.length) throw new Error('the recorded components do not match the recipe');
  return {
    ...recipe,
    components: refs.map((c, i) => ({ ...c, componentArn: pins[i]?.resolved ?? c.componentArn })),
  };
}

/**
 * Restores what TEST and DISTRIBUTION work from (the captured image and the plan); returns
 * false, having logged why, when there is nothing to resume from.
 */
export async function restoreCapturedImage(
  ctx: BuildContext,
  lookup: BuildLookup,
  signal: AbortSignal,
): Promise<boolean> {
  const stage = ctx.request.resumeFromStage;
  const artifacts = ctx.image.kilnArtifacts as Record<string, unknown> | undefined;
  const recorded = ctx.image.resolvedReferences as RecordedReferences | undefined;
  const imageId = typeof artifacts?.imageId === 'string' ? artifacts.imageId : undefined;
  const manifestDigest = typeof artifacts?.manifestDigest === 'string' ? artifacts.manifestDigest : undefined;
  const dir = imageId ? join(ctx.paths.imagesDir, imageId) : undefined;
  const missing =
    !imageId || !manifestDigest || !dir || !existsSync(dir)
      ? 'no captured image'
      : !recorded?.parentImage
        ? 'no recorded resolution'
        : undefined;
  if (missing) {
    await logLine(ctx, 'Resume', `retry from ${stage}: ${missing} of the failed run; building again`);
    return false;
  }
  let content: Awaited<ReturnType<typeof readImageContent>>;
  try {
    content = await readImageContent(ctx.blobs, manifestDigest as string);
  } catch (err) {
    await logLine(ctx, 'Resume', `retry from ${stage}: ${(err as Error).message}; building again`);
    return false;
  }
  const oci: OciImage = {
    manifestDigest: content.manifestDigest,
    manifestSize: (await ctx.blobs.stat(content.manifestDigest)).size,
    configDigest: content.configDigest,
    configSize: (await ctx.blobs.stat(content.configDigest)).size,
    layers: content.layers,
    wallMs: 0,
    bytesWritten: 0,
  };
  const lowerDirs = (await recordedLowers(ctx.paths.dataDir, imageId)) ?? [
    await ensureImageTree(ctx.blobs, content, {
      dataDir: ctx.paths.dataDir,
      cacheDir: ctx.paths.cacheDir,
      signal,
      log: (line) => void logLine(ctx, 'Resume', line),
    }),
  ];
  ctx.captured = {
    imageId: imageId as string,
    dir: dir as string,
    oci,
    lowerDirs,
    outputs: { ...artifacts },
  };
  const components = await resolveComponentBuilds(
    lookup,
    pinnedRecipe(ctx.recipe, recorded as RecordedReferences),
  );
  ctx.plan = planBuild({
    parent: recorded?.parentImage as ResolvedParent,
    components,
    externalState: '',
    layerCache: ctx.request.layerCache,
  });
  await logLine(
    ctx,
    'Resume',
    `retry from ${stage}: reusing image ${imageId} (${content.manifestDigest}) captured by the failed run`,
  );
  return true;
}
