import { join } from 'node:path';
import type { RegionStore } from '../../config/config.js';
import {
  type ContainerDistributionConfiguration,
  type ContainerPublication,
  distributeContainer,
} from '../../distribution/containers.js';
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';

interface ContainerTarget {
  readonly region: string;
  readonly configuration: ContainerDistributionConfiguration;
}

/**
 * Where a container image goes (pure): each distribution's `containerDistributionConfiguration`,
 * or — as the service does when the configuration has none for the build region — the recipe's
 * `targetRepository` in the build region. Repository names and tags are checked when published.
 */
export function containerTargets(
  distribution: Readonly<Record<string, unknown>> | undefined,
  recipeRepository: string | undefined,
  buildRegion: string,
  regions: readonly string[],
): ContainerTarget[] {
  const entries = (distribution?.distributions as Record<string, unknown>[] | undefined) ?? [];
  const targets: ContainerTarget[] = [];
  for (const [i, d] of entries.entries()) {
    const cfg = d.containerDistributionConfiguration as ContainerDistributionConfiguration | undefined;
    if (!cfg) continue;
    if (!regions.includes(String(d.region))) {
      throw new Error(`distributions[${i}].region '${String(d.region)}' is not one of Kiln's regions`);
    }
    targets.push({
      region: String(d.region),
      configuration: {
        ...cfg,
        targetRepository: {
          ...cfg.targetRepository,
          repositoryName: cfg.targetRepository?.repositoryName ?? '',
        },
      },
    });
  }
  if (!targets.some((t) => t.region === buildRegion) && recipeRepository) {
    targets.push({
      region: buildRegion,
      configuration: { targetRepository: { repositoryName: recipeRepository } },
    });
  }
  return targets;
}

/** A region's store: the configured one, else the directory under the engine's regions dir. */
export const regionStoreOf = (ctx: BuildContext, region: string): RegionStore =>
  ctx.regionStores?.[region] ?? { type: 'directory', path: join(ctx.paths.regionsDir, region) };

/**
 * DistributeContainerImage: publishes the container image to each target region's store — a
 * push to the region's OCI registry, or OCI layouts per tag in its directory. Each region is
 * tried on its own: the ones that succeeded are reported in `outputResources.containers` even
 * when another failed, and the step then fails naming the failed regions.
 */
export function distributeContainerImageAction(ctx: BuildContext, regions: readonly string[]): ActionHandler {
  return {
    async run(_inputs, actx) {
      const captured = ctx.captured;
      if (!captured) throw new Error('no container image was captured to distribute');
      const recipe = ctx.recipe as { version?: string; targetRepository?: { repositoryName?: string } };
      const targets = containerTargets(
        ctx.image.distributionConfiguration as Record<string, unknown> | undefined,
        recipe.targetRepository?.repositoryName,
        ctx.request.region,
        regions,
      );
      const variables = {
        version: recipe.version ?? '1.0.0',
        buildVersion: Number(/\/(\d+)$/.exec(ctx.request.imageArn)?.[1] ?? 1),
        buildDate: ctx.clock.now(),
      };
      const source = {
        layoutDir: join(captured.dir, 'oci'),
        layoutTag: 'latest',
        blobs: ctx.blobs,
        image: captured.oci,
      };
      const containers: ContainerPublication[] = [];
      const failed: { region: string; message: string }[] = [];
      for (const t of targets) {
        actx.signal.throwIfAborted();
        const store = regionStoreOf(ctx, t.region);
        try {
          const published = await distributeContainer({
            region: t.region,
            store,
            source,
            configuration: t.configuration,
            variables,
            signal: actx.signal,
          });
          containers.push(published);
          const where = store.type === 'registry' ? `the registry ${store.url}` : store.path;
          await logLine(
            ctx,
            'DistributeContainerImage',
            `published ${published.imageUris.join(', ')} (${published.digest}) in ${t.region} to ${where}`,
          );
        } catch (err) {
          if (actx.signal.aborted) throw err;
          failed.push({ region: t.region, message: (err as Error).message });
          await logLine(ctx, 'DistributeContainerImage', `${t.region}: ${(err as Error).message}`, 'stderr');
        }
      }
      await ctx.emit({
        kind: 'image',
        members: {
          outputResources: {
            containers: containers.map((c) => ({ region: c.region, imageUris: c.imageUris })),
          },
        },
      });
      if (failed.length > 0) {
        throw new Error(
          `container distribution failed in ${failed.map((f) => `${f.region} (${f.message})`).join('; ')}`,
        );
      }
      return { status: 'Success', succeededRegions: containers.map((c) => c.region), failedRegions: [] };
    },
  };
}
