/**
 * Crash safety for lifecycle executions. An execution whose runner died (kill -9, power loss)
 * goes back to PENDING and is resumed: the next run first finishes the resources recorded
 * IN_PROGRESS (every action is idempotent), then re-plans and skips the images it already
 * handled, so no image gets two actions in one execution. One that was being cancelled ends
 * CANCELLED. Called from the worker's recovery (src/worker/recovery.ts).
 */
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.js';
import { wake } from '../events/wake.js';
import type { Store } from '../store/store.js';
import {
  EXECUTION_KIND,
  type ExecutionBody,
  type ExecutionStatus,
  executionOf,
  putExecutionBody,
} from './records.js';

export interface Lease {
  readonly owner?: string;
  readonly heartbeatAt?: number;
}

/**
 * Whether a running execution's runner is gone: no owner; an owner on this host whose process
 * is dead; or a heartbeat older than `staleMs` (another host, or a previous incarnation of a
 * reused process id). A live runner renews its heartbeat on a timer.
 */
export function isLifecycleLeaseDead(
  lease: Lease,
  now: number,
  staleMs: number,
  host: string,
  processAlive: (pid: number) => boolean,
): boolean {
  const m = lease.owner ? /^(.*):(\d+):([^:]+)$/.exec(lease.owner) : null;
  if (!m) return true;
  if (m[1] === host && !processAlive(Number(m[2]))) return true;
  return lease.heartbeatAt === undefined || now - lease.heartbeatAt > staleMs;
}

const processAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/** Requeues (or ends, when cancelling) executions with a dead lease; returns their ids. */
export async function recoverLifecycleExecutions(
  store: Store,
  clock: Clock,
  options: { staleMs: number; host?: string; processAlive?: (pid: number) => boolean },
): Promise<string[]> {
  const running = await store.listDocuments({
    kind: EXECUTION_KIND,
    status: ['IN_PROGRESS', 'CANCELLING'],
    limit: 10_000,
  });
  const host = options.host ?? hostname();
  const recovered: string[] = [];
  for (const doc of running) {
    const now = clock.now();
    const prev = executionOf(doc);
    if (!isLifecycleLeaseDead(prev, now, options.staleMs, host, options.processAlive ?? processAlive))
      continue;
    const { owner: _o, heartbeatAt: _h, ...rest } = prev;
    const body: ExecutionBody =
      doc.status === 'CANCELLING'
        ? {
            ...rest,
            state: { status: 'CANCELLED', reason: 'The runner stopped while cancelling.' },
            endTime: now,
          }
        : { ...rest, state: { status: 'PENDING' }, runAt: now, resumed: (prev.resumed ?? 0) + 1 };
    if (await putExecutionBody(store, doc, body, now, [doc.status as ExecutionStatus]))
      recovered.push(doc.id);
  }
  if (recovered.length > 0) wake(store, 'queue');
  return recovered;
}
