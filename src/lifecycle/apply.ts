/**
 * Applying one image's lifecycle action: its AMIs and containers first, the image last, each
 * resource recorded IN_PROGRESS before it is touched and SUCCESS/FAILED after. Every step is
 * idempotent (an AMI already gone, an image already deleted is SUCCESS), so an execution
 * interrupted by a crash is finished by running the same work again.
 */
import { rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { isoTime } from '../core/clock.js';
import { type AmiRecord, readAmiRecord, removeAmiRecord, writeAmiRecord } from '../distribution/ami-store.js';
import { imageStateChangeEvent } from '../events/event.js';
import { recordEvent } from '../events/event-log.js';
import { wake } from '../events/wake.js';
import type { ServiceDeps } from '../service/context.js';
import { deleteImageBuild } from '../service/executions/control.js';
import { originOf, statusOf, topicOf } from '../service/executions/transitions.js';
import type { DocumentRecord } from '../store/store.js';
import { deleteContainerImage } from './containers.js';
import {
  type ActionName,
  childParent,
  type ImageWork,
  indexImage,
  putResource,
  type ResourceBody,
  type ResourceStatus,
} from './records.js';

/**
 * What lifecycle execution needs from other parts of Kiln, injected by the composition root
 * (each has a safe default when absent).
 */
export interface LifecycleHooks {
  /** Keys `${region}/${amiId}` that a launch template's default version uses; never deleted. Default: none. */
  inUseByLaunchTemplates?(): Promise<ReadonlySet<string>>;
  /** Reference-counted garbage collection, run after an execution deleted something. Default: none. */
  collectGarbage?(options: { signal?: AbortSignal }): Promise<{ removedBlobs: number; freedBytes: number }>;
  /** Deletes a distributed container image; a missing one is not an error. Default: skopeo delete. */
  removeContainerImage?(uri: string, signal: AbortSignal): Promise<void>;
}

/** The service's dependencies plus the lifecycle hooks (the composition root adds them to its deps). */
export interface LifecycleDeps extends ServiceDeps {
  readonly lifecycleHooks?: LifecycleHooks;
}

/** One execution's running context while it applies work. */
export interface ApplyContext {
  readonly deps: LifecycleDeps;
  readonly exec: DocumentRecord;
  /** The next processing sort key (orders ListLifecycleExecutionResources, across resumes too). */
  readonly seq: () => string;
  readonly signal: AbortSignal;
}

const STATUS_OF: Readonly<Record<ActionName, string>> = {
  AVAILABLE: 'AVAILABLE',
  DEPRECATE: 'DEPRECATED',
  DISABLE: 'DISABLED',
  DELETE: 'DELETED',
};
const AMI_STATE = { AVAILABLE: 'available', DEPRECATE: 'deprecated', DISABLE: 'disabled' } as const;

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Applies `work` to its image and returns the image-level outcome. */
export async function applyImageWork(ctx: ApplyContext, work: ImageWork): Promise<ResourceStatus> {
  const { deps, exec } = ctx;
  const { store, clock } = deps;
  const image = await store.getResource(work.arn);
  const region = image?.region ?? exec.region;
  const imageDoc = (state: ResourceBody['state'], startTime: number, endTime?: number): ResourceBody => ({
    accountId: image?.account ?? exec.account,
    resourceId: work.arn,
    state,
    action: { name: work.action, reason: work.reason },
    region,
    startTime,
    ...(endTime !== undefined ? { endTime } : {}),
    work,
  });
  const seq = ctx.seq();
  const start = clock.now();
  await putResource(store, exec, exec.id, seq, imageDoc({ status: 'IN_PROGRESS' }, start), start);
  await indexImage(store, exec, work.arn, start);

  const parent = childParent(exec.id, work.arn);
  let failed = 0;
  for (const ami of work.amis) {
    if (ami.outcome === 'UNTOUCHED') continue;
    const ok = await applyToAmi(ctx, parent, work, ami);
    if (!ok) failed++;
  }
  if (work.action === 'DELETE' && work.includeResources.containers && image) {
    const containers = (image.body.outputResources as { containers?: unknown } | undefined)?.containers;
    for (const c of Array.isArray(containers) ? containers : []) {
      const entry = c as { region?: string; imageUris?: string[] };
      if (!entry.imageUris?.length) continue;
      const ok = await removeContainers(ctx, parent, work, entry.region ?? region, entry.imageUris);
      if (!ok) failed++;
    }
  }

  let state: ResourceBody['state'];
  if (!image) state = { status: 'SUCCESS', reason: 'the image was already deleted' };
  else if (failed > 0 && work.action === 'DELETE')
    state = {
      status: 'FAILED',
      reason: `${failed} associated resource(s) could not be removed; the image is kept so a later run retries`,
    };
  else {
    try {
      if (work.action === 'DELETE') {
        await deleteImageBuild(deps, image);
        state = { status: 'SUCCESS' };
      } else {
        const changed = await setRetirementStatus(
          deps,
          work.arn,
          STATUS_OF[work.action],
          exec.id,
          work.reason,
        );
        state = changed ? { status: 'SUCCESS' } : { status: 'SUCCESS', reason: 'already in that state' };
      }
      if (failed > 0) state = { status: 'FAILED', reason: `${failed} associated resource(s) failed` };
    } catch (err) {
      state = { status: 'FAILED', reason: message(err).slice(0, 1000) };
    }
  }
  const end = clock.now();
  await putResource(store, exec, exec.id, seq, imageDoc(state, start, end), end);
  return state.status;
}

/**
 * The image's new status, `lifecycleExecutionId` and `deprecationTime` (set when deprecated,
 * cleared when made AVAILABLE again), with the state-change event. False when already there.
 */
async function setRetirementStatus(
  deps: ServiceDeps,
  arn: string,
  status: string,
  executionId: string,
  reason: string,
): Promise<boolean> {
  let queued = 0;
  const changed = await deps.store.transaction(async (store) => {
    const image = await store.getResource(arn);
    if (!image) return false;
    const previous = statusOf(image);
    const now = deps.clock.now();
    const { deprecationTime: _d, ...rest } = image.body;
    const deprecationTime = status === 'DEPRECATED' ? now : status === 'AVAILABLE' ? undefined : _d;
    const body = {
      ...rest,
      state: { status },
      lifecycleExecutionId: executionId,
      ...(deprecationTime !== undefined ? { deprecationTime } : {}),
    };
    await store.update(arn, { body, dateUpdated: now });
    if (previous === status) return false;
    queued += await recordEvent(
      store,
      imageStateChangeEvent(
        originOf(image, now),
        arn,
        status,
        previous,
        `lifecycle ${executionId}: ${reason}`,
      ),
      topicOf(image.body),
    );
    return true;
  });
  if (queued > 0) wake(deps.store, 'deliveries');
  return changed;
}

/** One AMI: SKIPPED as planned, or the action applied to its record. */
async function applyToAmi(
  ctx: ApplyContext,
  parent: string,
  work: ImageWork,
  ami: ImageWork['amis'][number],
): Promise<boolean> {
  const { store, clock, config } = ctx.deps;
  const seq = ctx.seq();
  const start = clock.now();
  const record = await readAmiRecord(config.dataDir, ami.region, ami.id);
  const includeSnapshots = work.action === 'DELETE' && work.includeResources.snapshots;
  const body = (state: ResourceBody['state'], snapState?: ResourceBody['state'], endTime?: number) => ({
    accountId: ami.accountId,
    resourceId: ami.id,
    state,
    action: { name: work.action, reason: ami.reason },
    region: ami.region,
    ...(includeSnapshots && record ? { snapshots: snapshotsOf(record, snapState ?? state) } : {}),
    startTime: start,
    ...(endTime !== undefined ? { endTime } : {}),
  });
  if (ami.outcome === 'SKIPPED') {
    await putResource(
      store,
      ctx.exec,
      parent,
      seq,
      body({ status: 'SKIPPED', reason: ami.reason }, undefined, start),
      start,
    );
    return true;
  }
  await putResource(store, ctx.exec, parent, seq, body({ status: 'IN_PROGRESS' }), start);
  let state: ResourceBody['state'];
  try {
    if (!record) state = { status: 'SUCCESS', reason: `${ami.id} is no longer registered in ${ami.region}` };
    else if (work.action === 'DELETE') {
      if (includeSnapshots) await removeExports(config, record);
      await removeAmiRecord(config.dataDir, ami.region, ami.id);
      state = { status: 'SUCCESS' };
    } else {
      const { deprecationTime: _d, ...rest } = record;
      const target = AMI_STATE[work.action];
      await writeAmiRecord(config.dataDir, {
        ...rest,
        state: target,
        ...(target === 'deprecated' ? { deprecationTime: isoTime(clock.now()) } : {}),
        ...(target === 'disabled' && _d !== undefined ? { deprecationTime: _d } : {}),
      } as AmiRecord);
      state = { status: 'SUCCESS' };
    }
  } catch (err) {
    state = { status: 'FAILED', reason: message(err).slice(0, 1000) };
  }
  const end = clock.now();
  await putResource(store, ctx.exec, parent, seq, body(state, state, end), end);
  return state.status !== 'FAILED';
}

/** An AMI's "snapshots" are its content-addressed blobs: released here, freed by garbage collection. */
function snapshotsOf(record: AmiRecord, state: ResourceBody['state']) {
  return (record.blobs ?? [record.manifestDigest]).map((snapshotId) => ({
    snapshotId,
    state:
      state.status === 'SUCCESS' ? { status: state.status, reason: 'released to garbage collection' } : state,
  }));
}

/** The directory of a region's artifact store (a registry region keeps no exports on disk). */
function regionDir(config: ServiceDeps['config'], region: string): string {
  const stores = (config as { regionStores?: Record<string, { type: string; path?: string }> }).regionStores;
  const entry = stores?.[region];
  return entry?.type === 'directory' && entry.path ? entry.path : join(config.dataDir, 'regions', region);
}

/** Disk exports of a copy (s3ExportConfiguration); only files inside the region's store are removed. */
async function removeExports(config: ServiceDeps['config'], record: AmiRecord): Promise<void> {
  const root = resolve(regionDir(config, record.region));
  for (const e of record.exports ?? []) {
    const path = resolve(root, e.path);
    const inside = relative(root, path);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) continue;
    await rm(path, { recursive: true, force: true });
  }
}

async function removeContainers(
  ctx: ApplyContext,
  parent: string,
  work: ImageWork,
  region: string,
  imageUris: readonly string[],
): Promise<boolean> {
  const { store, clock } = ctx.deps;
  const remove = ctx.deps.lifecycleHooks?.removeContainerImage ?? deleteContainerImage;
  const seq = ctx.seq();
  const start = clock.now();
  const body = (state: ResourceBody['state'], endTime?: number): ResourceBody => ({
    accountId: ctx.exec.account,
    resourceId: imageUris[0] as string,
    state,
    action: { name: work.action, reason: 'includeResources.containers' },
    region,
    imageUris,
    startTime: start,
    ...(endTime !== undefined ? { endTime } : {}),
  });
  await putResource(store, ctx.exec, parent, seq, body({ status: 'IN_PROGRESS' }), start);
  let state: ResourceBody['state'] = { status: 'SUCCESS' };
  for (const uri of imageUris) {
    try {
      await remove(uri, ctx.signal);
    } catch (err) {
      state = { status: 'FAILED', reason: `${uri}: ${message(err)}`.slice(0, 1000) };
    }
  }
  const end = clock.now();
  await putResource(store, ctx.exec, parent, seq, body(state, end), end);
  return state.status !== 'FAILED';
}
