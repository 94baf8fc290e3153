import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { createImageBuildEngine } from '../engine/build-engine.js';
import { type ImageAccess, parentIdentity } from '../engine/parents/resolve-parent.js';
import { policyAllows } from '../service/policies.js';
import type { ParentIdentityResolver } from '../service/executions/dependencies.js';
import type { Store } from '../store/store.js';
import { s3SettingsFromEnv } from '../toe/exec/s3-env.js';
import type { ExecutionEngine } from '../worker/engine-hooks.js';

/**
 * The real build engine of `kiln server`, with the maintenance hooks the worker calls: resuming
 * interrupted builds on the layer cache, and artifact removal when an image is deleted. (The
 * engine itself reaps instances and staging directories of a dead process when it is created.)
 */
export function kilnBuildEngine(
  config: Config,
  store: Store,
  clock: Clock,
  env: Readonly<Record<string, string | undefined>>,
): {
  engine: ExecutionEngine;
  parents: ParentIdentityResolver;
} {
  // Another account's image may be a parent when its image policy grants GetImage.
  const imageAccess: ImageAccess = (image, account) =>
    image.account === account || policyAllows(image.policy, 'image', account, 'imagebuilder:GetImage');
  const s3 = s3SettingsFromEnv(env);
  const engine = createImageBuildEngine({
    store,
    clock,
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    regions: config.regions,
    imageAccess,
    ...(s3 ? { s3 } : {}),
  });
  const imagesDir = resolve(config.dataDir, 'images');
  return {
    parents: parentIdentity({
      lookup: store,
      dataDir: config.dataDir,
      cacheDir: config.cacheDir,
      access: imageAccess,
    }),
    engine: {
      start: (request, observer, signal) => engine.start(request, observer, signal),
      // Finished steps are cheap to redo from the layer cache, so an interrupted build resumes.
      canResume: () => true,
      async deleteArtifacts(image) {
        const artifacts = image.kilnArtifacts as { ociArchive?: string } | undefined;
        if (!artifacts?.ociArchive) return;
        // The image directory holds hard links into content-addressed caches; removing it frees
        // what no other image links to.
        const dir = dirname(resolve(artifacts.ociArchive));
        if (dirname(dir) !== imagesDir || !basename(dir).startsWith('ami-')) return;
        await rm(dir, { recursive: true, force: true });
      },
    },
  };
}
