/**
 * runLifecycleExecution: one claimed execution, start to end. Reads like a table of contents:
 * decide the work (a policy's plan, or one StartResourceStateUpdate), finish what a crashed
 * run left IN_PROGRESS, apply the rest image by image (checking for cancellation between
 * images), collect garbage after deletions, and record the outcome. The runner renews the
 * lease meanwhile (runner.ts).
 */
import type { DocumentRecord } from '../store/store.js';
import { type ApplyContext, applyImageWork, type LifecycleDeps } from './apply.js';
import { compileAmiPlanner } from './amis.js';
import { loadLifecycleImages } from './inputs.js';
import { planLifecycle } from './plan.js';
import {
  childParent,
  type ExecutionBody,
  type ExecutionStatus,
  executionOf,
  getExecution,
  type ImageWork,
  imageResources,
  indexImage,
  putExecutionBody,
  putResource,
  type ResourceBody,
  type StateUpdate,
} from './records.js';
import type { ImagePlan, LifecycleImage, LifecyclePolicyDetail, LifecyclePolicyInput } from './types.js';

export interface RunExecutionOptions {
  /** Aborted when the server stops: the execution stays IN_PROGRESS for recovery to resume. */
  readonly signal: AbortSignal;
}

const ACTION_OF = {
  AVAILABLE: 'AVAILABLE',
  DEPRECATED: 'DEPRECATE',
  DISABLED: 'DISABLE',
  DELETED: 'DELETE',
} as const;
const NO_INUSE: ReadonlySet<string> = new Set();

/** Moves a due PENDING execution to IN_PROGRESS under `owner`; undefined when another runner won. */
export async function claimExecution(
  deps: LifecycleDeps,
  id: string,
  owner: string,
): Promise<DocumentRecord | undefined> {
  const doc = await getExecution(deps.store, id);
  if (!doc || doc.status !== 'PENDING') return undefined;
  const now = deps.clock.now();
  const prev = executionOf(doc);
  const body: ExecutionBody = {
    ...prev,
    state: { status: 'IN_PROGRESS' },
    startTime: prev.startTime ?? now,
    owner,
    heartbeatAt: now,
  };
  if (!(await putExecutionBody(deps.store, doc, body, now, ['PENDING']))) return undefined;
  if (prev.lifecyclePolicyArn && prev.startTime === undefined) {
    const policy = await deps.store.getResource(prev.lifecyclePolicyArn);
    if (policy) await deps.store.update(policy.arn, { body: { ...policy.body, dateLastRun: now } });
  }
  return { ...doc, status: 'IN_PROGRESS', body: body as unknown as Record<string, unknown> };
}

/** Runs a claimed execution to its end; returns the final status (IN_PROGRESS when aborted). */
export async function runLifecycleExecution(
  deps: LifecycleDeps,
  exec: DocumentRecord,
  options: RunExecutionOptions,
): Promise<ExecutionStatus> {
  const { store, clock } = deps;
  const body = executionOf(exec);
  // Sort keys start at this run's start time, so a resumed run's resources list after the first's.
  const prefix = String(clock.now()).padStart(15, '0');
  let n = 0;
  const seq = () => `${prefix}:${String(n++).padStart(9, '0')}`;
  const ctx: ApplyContext = { deps, exec, seq, signal: options.signal };
  const earlier = await imageResources(store, exec.id);
  const decided = await decideWork(deps, exec, body);
  if ('end' in decided) return finish(deps, exec, decided.end, false);

  let impacted = earlier.length > 0;
  let failures = 0;
  let deleted = false;
  const done = new Set<string>();
  // Work a crashed run left IN_PROGRESS is finished first, as it was recorded.
  for (const doc of earlier) {
    const r = doc.body as unknown as ResourceBody;
    done.add(r.resourceId);
    if (r.state.status === 'FAILED') failures++;
    if (r.state.status !== 'IN_PROGRESS' || !r.work) continue;
    const status = await applyImageWork(ctx, r.work);
    if (status === 'FAILED') failures++;
    if (status === 'SUCCESS' && r.work.action === 'DELETE') deleted = true;
  }
  for (const item of decided.items) {
    if (done.has(item.arn)) continue;
    if (options.signal.aborted) return 'IN_PROGRESS';
    // CancelLifecycleExecution is honoured between images; what was done stays done.
    const fresh = await getExecution(store, exec.id);
    if (fresh?.status === 'CANCELLING') return finish(deps, exec, { status: 'CANCELLED' }, impacted);
    if ('skip' in item) {
      await recordSkipped(ctx, item.skip);
      continue;
    }
    impacted = true;
    const status = await applyImageWork(ctx, item);
    if (status === 'FAILED') failures++;
    if (status === 'SUCCESS' && item.action === 'DELETE') deleted = true;
  }
  if (deleted && deps.lifecycleHooks?.collectGarbage) {
    await deps.lifecycleHooks.collectGarbage({ signal: options.signal });
  }
  const end: ExecutionBody['state'] =
    failures > 0
      ? { status: 'FAILED', reason: `${failures} resource(s) failed; see ListLifecycleExecutionResources` }
      : { status: 'SUCCESS' };
  return finish(deps, exec, end, impacted);
}

type WorkItem = ImageWork | { readonly arn: string; readonly skip: ImagePlan };

/** The images this execution acts on (or records as skipped), newest first. */
async function decideWork(
  deps: LifecycleDeps,
  exec: DocumentRecord,
  body: ExecutionBody,
): Promise<{ items: WorkItem[] } | { end: ExecutionBody['state'] }> {
  const inUse = (await deps.lifecycleHooks?.inUseByLaunchTemplates?.()) ?? NO_INUSE;
  const now = deps.clock.now();
  if (body.stateUpdate) {
    const update = body.stateUpdate;
    const scope = { account: exec.account, region: exec.region };
    const { images } = await loadLifecycleImages(deps.store, deps.config.dataDir, scope, inUse);
    const image = images.find((i) => i.arn === update.resourceArn);
    if (!image)
      return { end: { status: 'FAILED', reason: `The image ${update.resourceArn} no longer exists.` } };
    return { items: [stateUpdateWork(update, image, now)] };
  }
  const policy = body.lifecyclePolicyArn ? await deps.store.getResource(body.lifecyclePolicyArn) : undefined;
  if (!policy) return { end: { status: 'FAILED', reason: 'The lifecycle policy was deleted.' } };
  if (policy.body.status !== 'ENABLED')
    return { end: { status: 'CANCELLED', reason: 'The lifecycle policy is DISABLED.' } };
  const { images } = await loadLifecycleImages(deps.store, deps.config.dataDir, policy, inUse);
  const input = { ...(policy.body as unknown as LifecyclePolicyInput), arn: policy.arn };
  const plan = planLifecycle(input, images, now, { omitKept: true });
  return {
    items: plan.images.map(
      (p): WorkItem =>
        p.outcome === 'ACT'
          ? {
              arn: p.arn,
              action: p.action ?? 'DELETE',
              reason: p.reason,
              includeResources: p.includeResources,
              amis: p.amis,
            }
          : { arn: p.arn, skip: p },
    ),
  };
}

/** StartResourceStateUpdate as work: the AMI exclusions are the planner's, compiled for one image. */
export function stateUpdateWork(update: StateUpdate, image: LifecycleImage, now: number): WorkItem {
  const action = ACTION_OF[update.status];
  const detail = {
    action: { type: action, includeResources: update.includeResources },
    filter: { type: 'COUNT', value: 1 },
    ...(update.exclusionRules?.amis ? { exclusionRules: { amis: update.exclusionRules.amis } } : {}),
  } as unknown as LifecyclePolicyDetail;
  const amis = compileAmiPlanner(detail, now)(image.amis);
  const reason = `StartResourceStateUpdate to ${update.status}`;
  const includeResources = update.includeResources;
  if (action === 'DELETE' && image.inUseByLaunchTemplate) {
    const skip: ImagePlan = {
      arn: image.arn,
      outcome: 'SKIPPED',
      action,
      reason: "a launch template's default version points at this image",
      includeResources,
      amis,
    };
    return { arn: image.arn, skip };
  }
  return { arn: image.arn, action, reason, includeResources, amis };
}

/** A protected image: recorded SKIPPED, with each AMI exclusion that protected it. */
async function recordSkipped(ctx: ApplyContext, plan: ImagePlan): Promise<void> {
  const { store, clock } = ctx.deps;
  const now = clock.now();
  const action = { name: plan.action ?? 'DELETE', reason: plan.reason };
  const image = await store.getResource(plan.arn);
  await putResource(
    store,
    ctx.exec,
    ctx.exec.id,
    ctx.seq(),
    {
      accountId: image?.account ?? ctx.exec.account,
      resourceId: plan.arn,
      state: { status: 'SKIPPED', reason: plan.reason },
      action,
      region: image?.region ?? ctx.exec.region,
      startTime: now,
      endTime: now,
    },
    now,
  );
  await indexImage(store, ctx.exec, plan.arn, now);
  for (const ami of plan.amis.filter((a) => a.outcome === 'SKIPPED')) {
    await putResource(
      store,
      ctx.exec,
      childParent(ctx.exec.id, plan.arn),
      ctx.seq(),
      {
        accountId: ami.accountId,
        resourceId: ami.id,
        state: { status: 'SKIPPED', reason: ami.reason },
        action: { name: action.name, reason: ami.reason },
        region: ami.region,
        startTime: now,
        endTime: now,
      },
      now,
    );
  }
}

async function finish(
  deps: LifecycleDeps,
  exec: DocumentRecord,
  state: ExecutionBody['state'],
  impacted: boolean,
): Promise<ExecutionStatus> {
  const now = deps.clock.now();
  const fresh = (await getExecution(deps.store, exec.id)) ?? exec;
  const { owner: _o, heartbeatAt: _h, ...rest } = executionOf(fresh);
  const body: ExecutionBody = {
    ...rest,
    state,
    endTime: now,
    resourcesImpactedSummary: { hasImpactedResources: impacted },
  };
  await putExecutionBody(deps.store, fresh, body, now, ['IN_PROGRESS', 'CANCELLING']);
  return state.status;
}
