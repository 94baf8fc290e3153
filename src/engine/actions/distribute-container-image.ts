import { join } from 'node:path';
import { exportOciLayout } from '../../images/oci.js';
import type { ActionHandler } from '../../workflows/runner.js';
import { type BuildContext, logLine } from '../context.js';

interface ContainerTarget {
  readonly region: string;
  readonly repositoryName: string;
  readonly tags: readonly string[];
}

const REPOSITORY = /^[a-z0-9]+(?:[._/-][a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * Where a container image goes (pure): each distribution's `containerDistributionConfiguration`,
 * or — as the service does when the configuration has none for the build region — the recipe's
 * `targetRepository` in the build region. Tags default to the image's version-build.
 */
export function containerTargets(
  distribution: Readonly<Record<string, unknown>> | undefined,
  recipeRepository: string | undefined,
  buildRegion: string,
  regions: readonly string[],
  defaultTag: string,
): ContainerTarget[] {
  const entries = (distribution?.distributions as Record<string, unknown>[] | undefined) ?? [];
  const targets: ContainerTarget[] = [];
  for (const [i, d] of entries.entries()) {
    const cfg = d.containerDistributionConfiguration as
      | { targetRepository?: { repositoryName?: string }; containerTags?: string[] }
      | undefined;
    if (!cfg) continue;
    targets.push({
      region: String(d.region),
      repositoryName: String(cfg.targetRepository?.repositoryName ?? ''),
      tags: cfg.containerTags?.length ? cfg.containerTags : [defaultTag],
    });
    if (!regions.includes(String(d.region))) {
      throw new Error(`distributions[${i}].region '${String(d.region)}' is not one of Kiln's regions`);
    }
  }
  if (!targets.some((t) => t.region === buildRegion) && recipeRepository) {
    targets.push({ region: buildRegion, repositoryName: recipeRepository, tags: [defaultTag] });
  }
  for (const t of targets) {
    if (!REPOSITORY.test(t.repositoryName)) throw new Error(`'${t.repositoryName}' is not a repository name`);
    for (const tag of t.tags) if (!TAG.test(tag)) throw new Error(`'${tag}' is not a container tag`);
  }
  return targets;
}

/**
 * DistributeContainerImage: publishes the container image into each target region's artifact
 * store as an OCI layout per repository and tag (`regions/<region>/repositories/<name>/<tag>`),
 * addressable as `oci:<dir>:<tag>` by skopeo, podman or buildah. Pushing to OCI registries is
 * the distribution issue's.
 */
export function distributeContainerImageAction(ctx: BuildContext, regions: readonly string[]): ActionHandler {
  return {
    async run(_inputs, actx) {
      const captured = ctx.captured;
      if (!captured) throw new Error('no container image was captured to distribute');
      const build = /\/(\d+)$/.exec(ctx.request.imageArn)?.[1] ?? '1';
      const recipe = ctx.recipe as { version?: string; targetRepository?: { repositoryName?: string } };
      const targets = containerTargets(
        ctx.image.distributionConfiguration as Record<string, unknown> | undefined,
        recipe.targetRepository?.repositoryName,
        ctx.request.region,
        regions,
        `${recipe.version ?? '1.0.0'}-${build}`,
      );
      const containers: { region: string; imageUris: string[] }[] = [];
      const succeededRegions: string[] = [];
      for (const t of targets) {
        actx.signal.throwIfAborted();
        const imageUris: string[] = [];
        for (const tag of t.tags) {
          const dir = join(ctx.paths.regionsDir, t.region, 'repositories', t.repositoryName, tag);
          await exportOciLayout(ctx.blobs, captured.oci, dir, tag);
          imageUris.push(`oci:${dir}:${tag}`);
        }
        await logLine(
          ctx,
          'DistributeContainerImage',
          `published ${t.repositoryName} as ${t.tags.join(', ')} in ${t.region}`,
        );
        containers.push({ region: t.region, imageUris });
        succeededRegions.push(t.region);
      }
      await ctx.emit({ kind: 'image', members: { outputResources: { containers } } });
      return { status: 'Success', succeededRegions, failedRegions: [] };
    },
  };
}
