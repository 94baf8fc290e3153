/**
 * The image build engine (design.md §2): CREATING (resolve + plan) → BUILDING → TESTING →
 * DISTRIBUTING → INTEGRATING → AVAILABLE, or FAILED / CANCELLED with the reason. The
 * orchestrator below is the table of contents; each stage lives in its own module.
 */
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../core/clock.js';
import type { RegionStore } from '../config/config.js';
import { removeTree } from '../host/fs.js';
import { DirectoryBlobStore } from '../images/blob-store.js';
import type { InstanceBackend } from '../instances/backend.js';
import { BwrapBackend, reapStaleInstances } from '../instances/bwrap/backend.js';
import { StepActionInbox } from '../workflows/runner.js';
import { buildActions } from './actions/index.js';
import type { S3Settings } from '../toe/exec/module.js';
import { type BuildContext, enginePaths, type EnginePaths, logLine } from './context.js';
import type {
  BuildEvent,
  BuildObserver,
  BuildOutcome,
  BuildStatus,
  ImageBuildEngine,
  ImageBuildRequest,
} from './image-build.js';
import { compileInfrastructure } from './infrastructure.js';
import { parameterStoreOf } from './actions/image-parameters.js';
import {
  type AddLaunchTemplateVersion,
  type CopyToRegistry,
  type EngineDistribution,
  type ExportDisk,
  planDistribution,
} from './distribute.js';
import { defaultDistributionEnvironment, type DistributionEnvironment } from '../distribution/environment.js';
import type { RetryPolicy } from '../distribution/run.js';
import { endInstance } from './instances.js';
import { LayerCache } from './layer-cache.js';
import type { ImageAccess, ParentLookup } from './parents/resolve-parent.js';
import { resolveBuildInputs } from './resolve-inputs.js';
import { restoreCapturedImage } from './resume.js';
import { CancelledError, runSteps, type Step } from './steps.js';
import { scanGateFailure } from './scan.js';
import { runStage, StageFailedError, type StageRun, stageWorkflows } from './workflow-stage.js';

export interface ImageBuildEngineDeps {
  /** Component, workflow and parent image builds and parameters are read from here (a Store satisfies it). */
  readonly store: ParentLookup;
  /**
   * Whether an account may build on another account's image (an image policy granting
   * imagebuilder:GetImage); default: only its own images.
   */
  readonly imageAccess?: ImageAccess;
  /** Where S3Download/S3Upload in components go; undefined makes them fail saying so. */
  readonly s3?: S3Settings;
  readonly clock: Clock;
  /** Images, regions' artifact stores and build logs go here. */
  readonly dataDir: string;
  /** Parent trees, package caches, layer cache, instance records. */
  readonly cacheDir: string;
  /** Kiln's configured regions (distribution targets must be among them). */
  readonly regions: readonly string[];
  /** The config's `regionStores`; default: every region a directory under `dataDir/regions`. */
  readonly regionStores?: Readonly<Record<string, RegionStore>>;
  /** Default: bubblewrap instances with their records under `cacheDir/instances`. */
  readonly backend?: InstanceBackend;
  /**
   * Region stores, KMS keys, organizations and known accounts (distributionEnvironment(config));
   * default: directory stores under `dataDir/regions`, no keys.
   */
  readonly distribution?: DistributionEnvironment;
  /** launchTemplateConfigurations targets; without it they fail saying so. */
  readonly addLaunchTemplateVersion?: AddLaunchTemplateVersion;
  /** AMI copies into registry region stores; without it they fail saying so. */
  readonly copyToRegistry?: CopyToRegistry;
  /** s3ExportConfiguration targets; without it they fail saying so. */
  readonly exportDisk?: ExportDisk;
  /** Retries of transient distribution failures (default 3 tries). */
  readonly distributionRetry?: RetryPolicy;
}

function engineDistribution(deps: ImageBuildEngineDeps): EngineDistribution {
  const parameters = parameterStoreOf(deps.store);
  return {
    env: deps.distribution ?? defaultDistributionEnvironment(deps.dataDir, deps.regions),
    ...(parameters ? { parameters } : {}),
    ...(deps.addLaunchTemplateVersion ? { addLaunchTemplateVersion: deps.addLaunchTemplateVersion } : {}),
    ...(deps.copyToRegistry ? { copyToRegistry: deps.copyToRegistry } : {}),
    ...(deps.exportDisk ? { exportDisk: deps.exportDisk } : {}),
    ...(deps.distributionRetry ? { retry: deps.distributionRetry } : {}),
  };
}

/** Leftovers of a killed process: instances (reaped via their records) and unpublished images. */
async function recoverFromCrash(paths: EnginePaths): Promise<void> {
  await reapStaleInstances(paths.instanceStateDir);
  if (!existsSync(paths.imagesDir)) return;
  for (const name of await readdir(paths.imagesDir)) {
    if (name.startsWith('.staging-')) await removeTree(join(paths.imagesDir, name));
  }
}

export function createImageBuildEngine(deps: ImageBuildEngineDeps): ImageBuildEngine {
  const paths = enginePaths(deps.dataDir, deps.cacheDir);
  const backend = deps.backend ?? new BwrapBackend({ stateDir: paths.instanceStateDir });
  const ready = recoverFromCrash(paths);
  const distribution = engineDistribution(deps);
  return {
    start(request, observer, signal) {
      const inbox = new StepActionInbox();
      const done = ready.then(() =>
        runBuild({ deps, paths, backend, distribution, request, observer, signal, inbox }),
      );
      return { done, deliverStepAction: (id, action, reason) => inbox.deliver(id, action, reason) };
    },
  };
}

interface BuildRun {
  readonly deps: ImageBuildEngineDeps;
  readonly paths: EnginePaths;
  readonly backend: InstanceBackend;
  readonly distribution: EngineDistribution;
  readonly request: ImageBuildRequest;
  readonly observer: BuildObserver;
  readonly signal: AbortSignal;
  readonly inbox: StepActionInbox;
}

function newContext(run: BuildRun): BuildContext {
  // DistributeImage: the source's artifacts are this run's (in memory only; the new image's
  // record never claims them, so deleting it leaves the source's files alone).
  const image =
    run.request.image.kilnSourceArtifacts === undefined
      ? run.request.image
      : { ...run.request.image, kilnArtifacts: run.request.image.kilnSourceArtifacts };
  const recipe = (image.imageRecipe ?? image.containerRecipe ?? {}) as Record<string, unknown>;
  return {
    request: run.request,
    image,
    recipe,
    isContainer: image.containerRecipe !== undefined,
    paths: run.paths,
    clock: run.deps.clock,
    ...(run.deps.s3 ? { s3: run.deps.s3 } : {}),
    ...(run.deps.regionStores ? { regionStores: run.deps.regionStores } : {}),
    backend: run.backend,
    blobs: new DirectoryBlobStore(join(run.paths.dataDir, 'blobs')),
    layers: new LayerCache(join(run.paths.cacheDir, 'layers')),
    infra: compileInfrastructure(image.infrastructureConfiguration as Record<string, unknown> | undefined),
    emit: (event: BuildEvent) => run.observer(event),
    stage: 'CREATE',
    buildLowers: [],
    componentLayers: [],
    instances: new Map(),
    timings: {},
  };
}

/** The `$.imagebuilder.*` variables of this build's workflows. */
function systemVariables(ctx: BuildContext): Record<string, unknown> {
  const img = ctx.image;
  const arn = ctx.request.imageArn;
  return {
    imageType: ctx.isContainer ? 'Docker' : 'AMI',
    platform: img.platform ?? 'Linux',
    imageName: img.name,
    imageVersionNumber: img.version,
    imageBuildNumber: Number(/\/(\d+)$/.exec(arn)?.[1] ?? 1),
    collectImageMetadata: img.enhancedImageMetadataEnabled !== false,
    collectImageScanFindings:
      (img.imageScanningConfiguration as { imageScanningEnabled?: boolean } | undefined)
        ?.imageScanningEnabled === true,
    sourceImageARN: ctx.recipe.parentImage,
    workingDirectory: ctx.recipe.workingDirectory ?? '/tmp',
    terminateInstanceOnFailure: ctx.infra.terminateInstanceOnFailure,
    subnetId: (img.infrastructureConfiguration as { subnetId?: string } | undefined)?.subnetId ?? '',
  };
}

async function runBuild(run: BuildRun): Promise<BuildOutcome> {
  let ctx: BuildContext | undefined;
  let failed = false;
  const stageRun = (c: BuildContext): StageRun => ({
    ctx: c,
    actions: buildActions(c, run.distribution, run.deps.store),
    inbox: run.inbox,
    signal: run.signal,
    imagebuilder: systemVariables(c),
    workflowOutputs: {},
  });
  let sr: StageRun | undefined;
  // RetryImage: where this run resumed, once CREATING restored the failed run's image.
  let resumedAt: 'TEST' | 'DISTRIBUTION' | undefined;
  const stage = (
    status: BuildStatus,
    name: BuildContext['stage'],
    work: (c: BuildContext) => Promise<void>,
  ): Step<BuildContext> => ({
    name: status,
    async run(c) {
      if ((name === 'BUILD' && resumedAt) || (name === 'TEST' && resumedAt === 'DISTRIBUTION')) return;
      await c.emit({ kind: 'status', status });
      c.stage = name;
      const started = performance.now();
      await work(c);
      const ms = Math.round(performance.now() - started);
      c.timings[status] = { ms };
      await c.emit({ kind: 'timing', stage: status, ms });
    },
  });
  const workflows = (type: 'BUILD' | 'TEST' | 'DISTRIBUTION') => async (c: BuildContext) => {
    sr ??= stageRun(c);
    await runStage(sr, type, await stageWorkflows(c, run.deps.store, type));
  };
  try {
    ctx = newContext(run);
    const steps: Step<BuildContext>[] = [
      releaseInstancesAtTheEnd(() => failed),
      stage('CREATING', 'CREATE', async (c) => {
        // Preflight: a distribution that cannot work fails the image now, not after the build.
        const planned = planDistribution(c, run.distribution.env);
        await logLine(
          c,
          'Preflight',
          `distribution to ${planned.map((d) => d.region).join(', ')}: configuration checked`,
        );
        const from = run.request.resumeFromStage;
        if (
          (from === 'TEST' || from === 'DISTRIBUTION') &&
          (await restoreCapturedImage(c, run.deps.store, run.signal))
        ) {
          resumedAt = from;
          return;
        }
        if (c.image.kilnSourceImageArn !== undefined)
          throw new Error(
            `the artifacts of the source image ${String(c.image.kilnSourceImageArn)} are gone; there is nothing to distribute`,
          );
        if (from === 'BUILD')
          await logLine(
            c,
            'Resume',
            'retry from BUILD: building again; the layer cache keeps finished components',
          );
        await resolveBuildInputs(c, run.deps.store, run.signal, run.deps.imageAccess);
      }),
      stage('BUILDING', 'BUILD', workflows('BUILD')),
      stage(
        'TESTING',
        'TEST',
        skipUnless(testsEnabled, async (c) => {
          await workflows('TEST')(c);
          // The scan gate fails the image whatever the scan step's onFailure says.
          const gate = scanGateFailure(c);
          if (gate) throw new StageFailedError('TEST', `TEST stage: ${gate}`, false);
        }),
      ),
      stage('DISTRIBUTING', 'DISTRIBUTION', workflows('DISTRIBUTION')),
      stage('INTEGRATING', 'INTEGRATE', async (c) => {
        await c.emit({ kind: 'image', members: { kilnTimings: c.timings } });
      }),
    ];
    await runSteps(steps, ctx, run.signal, {
      stepFailed: () => {
        failed = true;
      },
    });
    await run.observer({ kind: 'status', status: 'AVAILABLE' });
    return { status: 'AVAILABLE' };
  } catch (err) {
    return finishFailed(run, ctx, err);
  }
}

const testsEnabled = (c: BuildContext) =>
  (c.image.imageTestsConfiguration as { imageTestsEnabled?: boolean } | undefined)?.imageTestsEnabled !==
  false;

function skipUnless(cond: (c: BuildContext) => boolean, work: (c: BuildContext) => Promise<void>) {
  return async (c: BuildContext) => {
    if (!cond(c)) {
      await logLine(
        c,
        'TestStage',
        'image tests are turned off (imageTestsConfiguration.imageTestsEnabled: false)',
      );
      return;
    }
    await work(c);
  };
}

/** Whatever instances are still running when the build ends are ended (kept only on failure, if configured). */
function releaseInstancesAtTheEnd(failed: () => boolean): Step<BuildContext> {
  return {
    name: 'instances',
    async run(ctx, signal, onCleanup) {
      onCleanup({
        name: 'end instances',
        run: async () => {
          for (const id of [...ctx.instances.keys()]) await endInstance(ctx, id, failed() && !signal.aborted);
        },
      });
    },
  };
}

const STAGE_OF: Record<string, 'BUILD' | 'TEST' | 'DISTRIBUTION' | undefined> = {
  BUILD: 'BUILD',
  TEST: 'TEST',
  DISTRIBUTION: 'DISTRIBUTION',
};

async function finishFailed(
  run: BuildRun,
  ctx: BuildContext | undefined,
  err: unknown,
): Promise<BuildOutcome> {
  const cancelled =
    run.signal.aborted || err instanceof CancelledError || (err instanceof StageFailedError && err.cancelled);
  const message = err instanceof Error ? err.message : String(err);
  const stageName = ctx?.stage ?? 'CREATE';
  const reason = err instanceof StageFailedError ? message : `${stageName} stage: ${message}`;
  const failedStage = err instanceof StageFailedError ? err.stage : STAGE_OF[stageName];
  if (cancelled) {
    await run.observer({ kind: 'status', status: 'CANCELLED', reason: 'Cancelled by request' });
    return { status: 'CANCELLED', reason: 'Cancelled by request' };
  }
  await run.observer({ kind: 'status', status: 'FAILED', reason });
  return { status: 'FAILED', reason, ...(failedStage ? { failedStage } : {}) };
}
