/**
 * Starting lifecycle executions: a policy run (scheduled or on demand) or a
 * StartResourceStateUpdate. Both store a PENDING execution and nudge the runner, which claims
 * it when due (`runAt`); nothing runs in the request.
 */
import { KilnError } from '../core/errors.js';
import { lifecycleExecutionId } from '../core/ids.js';
import { wake } from '../events/wake.js';
import type { DocumentRecord, ResourceRecord, Store } from '../store/store.js';
import {
  activeExecutionOf,
  EXECUTION_KIND,
  type ExecutionBody,
  executionSortKey,
  indexImage,
  type StateUpdate,
} from './records.js';

interface StartDeps {
  readonly store: Store;
  readonly clock: { now(): number };
}

async function insertExecution(
  store: Store,
  owner: { account: string; region: string },
  parent: string,
  body: Omit<ExecutionBody, 'lifecycleExecutionId' | 'state' | 'resourcesImpactedSummary'>,
  now: number,
): Promise<DocumentRecord> {
  const id = lifecycleExecutionId();
  const full: ExecutionBody = {
    lifecycleExecutionId: id,
    state: { status: 'PENDING' },
    resourcesImpactedSummary: { hasImpactedResources: false },
    ...body,
  };
  const doc: DocumentRecord = {
    kind: EXECUTION_KIND,
    id,
    account: owner.account,
    region: owner.region,
    parent,
    status: 'PENDING',
    sortKey: executionSortKey(now, id),
    body: full as unknown as Record<string, unknown>,
    createdAt: now,
    updatedAt: now,
  };
  await store.putDocument(doc);
  return doc;
}

/**
 * Inserts a PENDING run of `policy` inside the caller's transaction. One execution per policy
 * at a time: while one is pending or running, a scheduled start is skipped (undefined) and an
 * on-demand start is ResourceInUseException.
 */
export async function insertPolicyExecution(
  store: Store,
  policy: ResourceRecord,
  trigger: 'SCHEDULED' | 'MANUAL',
  now: number,
): Promise<DocumentRecord | undefined> {
  const active = await activeExecutionOf(store, policy.arn);
  if (active) {
    if (trigger === 'SCHEDULED') return undefined;
    throw new KilnError(
      'ResourceInUseException',
      `The lifecycle policy '${policy.arn}' already has execution ${active.id} (${active.status}).`,
      { hint: 'Wait for it to end, or cancel it with CancelLifecycleExecution.' },
    );
  }
  return insertExecution(
    store,
    policy,
    policy.arn,
    { lifecyclePolicyArn: policy.arn, runAt: now, trigger },
    now,
  );
}

/** A run of `policy` now (see insertPolicyExecution), and a nudge for the runner. */
export async function startPolicyExecution(
  deps: StartDeps,
  policy: ResourceRecord,
  trigger: 'SCHEDULED' | 'MANUAL',
): Promise<DocumentRecord | undefined> {
  const doc = await deps.store.transaction((store) =>
    insertPolicyExecution(store, policy, trigger, deps.clock.now()),
  );
  if (doc) wake(deps.store, 'queue');
  return doc;
}

/** StartResourceStateUpdate: one image's transition, now or at `runAt` (epoch ms). */
export async function startStateUpdate(
  deps: StartDeps,
  image: ResourceRecord,
  update: StateUpdate,
  runAt: number | undefined,
): Promise<DocumentRecord> {
  const now = deps.clock.now();
  const doc = await deps.store.transaction(async (store) => {
    const made = await insertExecution(
      store,
      image,
      image.arn,
      { stateUpdate: update, runAt: runAt ?? now, trigger: 'STATE_UPDATE' },
      now,
    );
    await indexImage(store, made, image.arn, now);
    return made;
  });
  wake(deps.store, 'queue');
  return doc;
}
