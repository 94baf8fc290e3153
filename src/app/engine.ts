import { rm } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import { distributionEnvironment } from '../distribution/environment.js';
import { distributionHooks } from './distribution-hooks.js';
import { createImageBuildEngine } from '../engine/build-engine.js';
import type { BuildHandle } from '../engine/image-build.js';
import {
  type CollectGarbageOptions,
  collectGarbage,
  finishGcJournal,
  type GarbageCollection,
} from '../images/gc/collect.js';
import { GcGate } from '../images/gc/gate.js';
import { type ImageAccess, parentIdentity } from '../engine/parents/resolve-parent.js';
import { policyAllows } from '../service/policies.js';
import type { ParentIdentityResolver } from '../service/executions/dependencies.js';
import type { Store } from '../store/store.js';
import { s3SettingsFromEnv } from '../toe/exec/s3-env.js';
import type { ExecutionEngine } from '../worker/engine-hooks.js';

/** The directory DeleteImage removes: the image's own `dataDir/images/ami-…`, nothing else. */
export function imageDirOf(image: Readonly<Record<string, unknown>>, dataDir: string): string | undefined {
  const artifacts = image.kilnArtifacts as
    | { ociArchive?: string; ociLayout?: string; imageId?: string }
    | undefined;
  const imagesDir = resolve(dataDir, 'images');
  const candidates = [artifacts?.ociArchive, artifacts?.ociLayout].filter(
    (p): p is string => typeof p === 'string',
  );
  const dir =
    candidates.length > 0
      ? dirname(resolve(candidates[0] as string))
      : typeof artifacts?.imageId === 'string'
        ? resolve(imagesDir, artifacts.imageId)
        : undefined;
  if (!dir || dirname(dir) !== imagesDir || !/^ami-[0-9a-f]+$/.test(basename(dir))) return undefined;
  return dir;
}

/**
 * The real build engine of `kiln server`, with the maintenance hooks the worker calls: resuming
 * interrupted builds on the layer cache, artifact removal when an image is deleted (the image
 * directory, then a garbage collection of the blobs nothing references any more) and, at start,
 * finishing a garbage collection a dead process left. (The engine itself reaps instances and
 * staging directories of a dead process when it is created.) `collectGarbage` is the same
 * collection for other callers (lifecycle deletions): it runs once no build is in flight.
 */
export function kilnBuildEngine(
  config: Config,
  store: Store,
  clock: Clock,
  env: Readonly<Record<string, string | undefined>>,
  options: {
    readonly logError?: (err: unknown, context: string) => void;
    readonly log?: (line: string) => void;
  } = {},
): {
  engine: ExecutionEngine;
  parents: ParentIdentityResolver;
  collectGarbage: (o?: { signal?: AbortSignal }) => Promise<{ removedBlobs: number; freedBytes: number }>;
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
    distribution: distributionEnvironment(config),
    regionStores: config.regionStores,
    ...distributionHooks(config, store, clock),
    imageAccess,
    ...(s3 ? { s3 } : {}),
  });
  const regionDirs: Record<string, string> = {};
  for (const [region, where] of Object.entries(config.regionStores ?? {}))
    if (where.type === 'directory') regionDirs[region] = where.path;
  const gcOptions: CollectGarbageOptions = {
    dataDir: config.dataDir,
    cacheDir: config.cacheDir,
    regionDirs,
    ...(options.log ? { log: options.log } : {}),
  };
  const gate = new GcGate<GarbageCollection>(
    () => collectGarbage(gcOptions),
    (err) => options.logError?.(err, 'collecting unreferenced blobs'),
  );
  const nothingFreed = { removedBlobs: 0, freedBytes: 0 };
  return {
    collectGarbage: async (o = {}) => {
      const done = await gate.request();
      o.signal?.throwIfAborted();
      return done ?? nothingFreed;
    },
    parents: parentIdentity({
      lookup: store,
      dataDir: config.dataDir,
      cacheDir: config.cacheDir,
      access: imageAccess,
    }),
    engine: {
      start(request, observer, signal): BuildHandle {
        let inner: BuildHandle | undefined;
        const done = gate.build(() => {
          inner = engine.start(request, observer, signal);
          return inner.done;
        });
        return {
          done,
          deliverStepAction(stepExecutionId, action, reason) {
            if (!inner) throw new Error('the build has not started yet (a garbage collection is finishing)');
            inner.deliverStepAction(stepExecutionId, action, reason);
          },
        };
      },
      // Finished steps are cheap to redo from the layer cache, so an interrupted build resumes.
      canResume: () => true,
      async deleteArtifacts(image) {
        // The image directory holds hard links into the export caches and the blob store; its
        // blobs go with the collection, unless an AMI record, another image or a cache still
        // references them (AMIs outlive the image, as in AWS).
        const dir = imageDirOf(image, config.dataDir);
        if (dir) await rm(dir, { recursive: true, force: true });
        await gate.request();
      },
      async reapStale() {
        const removed = await finishGcJournal(gcOptions);
        return removed > 0 ? [`finished an interrupted garbage collection (${removed} files removed)`] : [];
      },
    },
  };
}
