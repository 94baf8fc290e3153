/**
 * What one build carries from stage to stage: the request, where things go, what was resolved,
 * the running instances, and what each stage produced. The stages and workflow step actions
 * read and extend it; only the engine creates it.
 */
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { DirectoryBlobStore } from '../images/blob-store.js';
import type { RegionStore } from '../config/config.js';
import type { Layer } from '../images/layers.js';
import type { OciImage } from '../images/oci.js';
import type { Instance, InstanceBackend } from '../instances/backend.js';
import type { BuildEvent, BuildLogLine, ImageBuildRequest } from './image-build.js';
import type { CompiledInfrastructure } from './infrastructure.js';
import type { LayerCache } from './layer-cache.js';
import type { S3Settings } from '../toe/exec/module.js';
import type { BuildPlan } from './plan.js';
import type { ParentTree } from './resolve.js';

export interface EnginePaths {
  readonly dataDir: string;
  readonly cacheDir: string;
  /** Published images: `<imagesDir>/<ami-id>/`. */
  readonly imagesDir: string;
  /** Regions' artifact stores: `<regionsDir>/<region>/blobs/sha256/…`. */
  readonly regionsDir: string;
  /** Per-build logs of the AWSTOE runs. */
  readonly logsDir: string;
  /** Backend instance records (reaped after a crash). */
  readonly instanceStateDir: string;
  /** Instances kept after a failure (`kiln instance shell ID`). */
  readonly keptDir: string;
  /** Shared apt caches bind-mounted into instances (`debs` is the parent builder's). */
  readonly aptCacheDir: string;
  readonly aptListsDir: string;
  readonly debsDir: string;
  readonly aptLock: string;
  /** Base layers of parents, by parent tree key. */
  readonly baseLayersDir: string;
  /** Disk exports by image identity, reused when a rebuild produces the same tree. */
  readonly diskCacheDir: string;
}

export function enginePaths(dataDir: string, cacheDir: string): EnginePaths {
  return Object.freeze({
    dataDir,
    cacheDir,
    imagesDir: join(dataDir, 'images'),
    regionsDir: join(dataDir, 'regions'),
    logsDir: join(dataDir, 'build-logs'),
    instanceStateDir: join(cacheDir, 'instances'),
    keptDir: join(cacheDir, 'kept-instances'),
    aptCacheDir: join(cacheDir, 'apt', 'cache'),
    aptListsDir: join(cacheDir, 'apt', 'lists'),
    debsDir: join(cacheDir, 'debs'),
    aptLock: join(cacheDir, 'debs.lock'),
    baseLayersDir: join(cacheDir, 'base-layers'),
    diskCacheDir: join(cacheDir, 'disks'),
  });
}

/** An instance the build launched, with the layers it was made from. */
export interface BuildInstance {
  /** The id workflow steps know it by; stays the same when a captured layer relaunches it. */
  readonly id: string;
  instance: Instance;
  /** Lower dirs, top first. */
  lowerDirs: string[];
  readonly purpose: 'BUILD' | 'TEST' | 'DISTRIBUTION';
}

/** The image the build stage captured (what TEST and DISTRIBUTION work from). */
export interface CapturedImage {
  readonly imageId: string;
  readonly dir: string;
  readonly oci: OciImage;
  /** The image's tree as lower dirs, top first: a test instance is launched from these. */
  readonly lowerDirs: readonly string[];
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** The failure that ends a build: where, and what the command said. */
export interface BuildFailure {
  readonly stage: string;
  readonly step: string;
  readonly exitCode?: number;
  readonly output?: string;
  readonly message: string;
}

export interface BuildContext {
  readonly request: ImageBuildRequest;
  readonly image: Readonly<Record<string, unknown>>;
  readonly recipe: Readonly<Record<string, unknown>>;
  readonly isContainer: boolean;
  readonly paths: EnginePaths;
  readonly clock: Clock;
  /** The S3-compatible endpoint components' S3 modules use, when one is configured. */
  readonly s3?: S3Settings;
  /**
   * Each region's artifact store (the config's `regionStores`); a region missing here, or all
   * of them when absent, is the directory `paths.regionsDir/<region>`.
   */
  readonly regionStores?: Readonly<Record<string, RegionStore>>;
  readonly backend: InstanceBackend;
  readonly blobs: DirectoryBlobStore;
  readonly layers: LayerCache;
  readonly infra: CompiledInfrastructure;
  readonly emit: (event: BuildEvent) => Promise<void>;
  stage: BuildLogLine['stage'];
  parent?: ParentTree;
  plan?: BuildPlan;
  /** Lower dirs the build stage stacked so far (component trees, top first, then the parent). */
  buildLowers: string[];
  /** Component layers captured or reused, in recipe order. */
  componentLayers: Layer[];
  captured?: CapturedImage;
  readonly instances: Map<string, BuildInstance>;
  failure?: BuildFailure;
  /** Timings per stage in the image record. */
  readonly timings: Record<string, { ms: number; bytes?: number }>;
}

/** Appends a line to the image's log (awaited: the observer persists it). */
export function logLine(
  ctx: BuildContext,
  step: string,
  text: string,
  stream: BuildLogLine['stream'] = 'info',
): Promise<void> {
  return ctx.emit({ kind: 'log', line: { time: ctx.clock.now(), stage: ctx.stage, step, stream, text } });
}
