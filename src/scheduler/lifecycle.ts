/**
 * The scheduler's lifecycle pass: every ENABLED lifecycle policy runs once a day, as AWS runs
 * them, at the time of day it was created (rate(1 day) anchored at its creation). The instant
 * handled is stored per policy in the same transaction as the new execution, so a crash can
 * neither lose nor double a run; a run due while the previous one is still going is skipped.
 */
import { wake } from '../events/wake.js';
import { insertPolicyExecution } from '../lifecycle/start.js';
import type { Store } from '../store/store.js';
import { dueRun } from './due.js';
import { parseSchedule } from './schedule.js';

/** How often policies run (docs/api-notes.md, "Lifecycle policies"). */
export const LIFECYCLE_SCHEDULE = 'rate(1 day)';
export const POLICY_SCHEDULE_KIND = 'lifecycle-policy-schedule';

const SCHEDULE = parseSchedule(LIFECYCLE_SCHEDULE);

export interface LifecyclePass {
  /** Ids of the executions started. */
  readonly started: string[];
  /** The next instant a policy of the scope is due. */
  readonly next?: number;
}

export async function scheduleLifecyclePolicies(
  deps: { readonly store: Store; readonly clock: { now(): number } },
  scope: { readonly account: string; readonly region: string },
): Promise<LifecyclePass> {
  const { store, clock } = deps;
  const policies = await store.list({ ...scope, type: 'lifecycle-policy', limit: 100_000 });
  const started: string[] = [];
  let next: number | undefined;
  for (const { record: policy } of policies) {
    const state = await store.getDocument(POLICY_SCHEDULE_KIND, policy.arn);
    const lastHandledAt = state?.body.lastFiredAt as number | undefined;
    const decision = dueRun({
      schedule: SCHEDULE,
      timezone: 'UTC',
      anchorMs: policy.dateCreated,
      lastHandledAt,
      enabled: policy.body.status === 'ENABLED',
      now: clock.now(),
    });
    if (decision.next !== undefined) next = Math.min(next ?? Number.POSITIVE_INFINITY, decision.next);
    const at = decision.handledUntil;
    if (at === undefined || at === lastHandledAt) continue;
    const made = await store.transaction(async (tx) => {
      // Another scheduler (another node) may have handled this instant meanwhile.
      const fresh = await tx.getDocument(POLICY_SCHEDULE_KIND, policy.arn);
      if (typeof fresh?.body.lastFiredAt === 'number' && fresh.body.lastFiredAt >= at) return undefined;
      const now = clock.now();
      await tx.putDocument({
        kind: POLICY_SCHEDULE_KIND,
        id: policy.arn,
        account: policy.account,
        region: policy.region,
        parent: '',
        status: '',
        sortKey: policy.arn,
        body: { lastFiredAt: at },
        createdAt: fresh?.createdAt ?? now,
        updatedAt: now,
      });
      return decision.fire === undefined ? undefined : insertPolicyExecution(tx, policy, 'SCHEDULED', now);
    });
    if (made) started.push(made.id);
  }
  if (started.length > 0) wake(store, 'queue');
  return next === undefined ? { started } : { started, next };
}
