/**
 * The worker's pure decisions: which queued executions to claim, whether another worker's
 * lease is dead, and what to do with an execution whose worker died.
 */
import type { BuildStage, BuildStatus } from '../engine/image-build.js';
import { stageOfStatus } from '../service/executions/image-state.js';

export interface QueueEntry {
  readonly id: string;
  readonly pipelineArn?: string;
}

/**
 * Picks up to `free` entries from the queue (oldest first). An entry whose pipeline already
 * runs (here or on another worker), or was picked earlier in this pass, waits: one pipeline
 * never runs twice at once, but it does not hold up other pipelines queued behind it.
 */
export function pickClaims<T extends QueueEntry>(
  queued: readonly T[],
  runningPipelines: ReadonlySet<string>,
  free: number,
): T[] {
  const picked: T[] = [];
  const busy = new Set(runningPipelines);
  for (const entry of queued) {
    if (picked.length >= free) break;
    if (entry.pipelineArn !== undefined) {
      if (busy.has(entry.pipelineArn)) continue;
      busy.add(entry.pipelineArn);
    }
    picked.push(entry);
  }
  return picked;
}

/** A worker id: host, process id, and a random part that tells incarnations apart. */
export interface OwnerId {
  readonly host: string;
  readonly pid: number;
  readonly nonce: string;
}

export const formatOwner = (o: OwnerId): string => `${o.host}:${o.pid}:${o.nonce}`;

export function parseOwner(text: string): OwnerId | undefined {
  const m = /^(.*):(\d+):([^:]+)$/.exec(text);
  return m ? { host: m[1] as string, pid: Number(m[2]), nonce: m[3] as string } : undefined;
}

export interface LeaseView {
  readonly owner?: string;
  readonly heartbeatAt?: number;
}

/**
 * Whether a RUNNING execution's worker is gone. A lease of this host is dead when its process
 * is (or when it is a previous incarnation of this very process id); a lease of another host
 * is dead when its heartbeat is older than `staleMs`.
 */
export function isLeaseDead(
  lease: LeaseView,
  me: OwnerId,
  now: number,
  staleMs: number,
  processAlive: (pid: number) => boolean,
): boolean {
  const owner = lease.owner ? parseOwner(lease.owner) : undefined;
  if (!owner) return true;
  if (formatOwner(owner) === formatOwner(me)) return false;
  if (owner.host === me.host) return owner.pid === me.pid || !processAlive(owner.pid);
  return lease.heartbeatAt === undefined || now - lease.heartbeatAt > staleMs;
}

export type Recovery =
  | { readonly action: 'requeue'; readonly resumeFromStage?: BuildStage }
  | { readonly action: 'fail'; readonly reason: string };

/**
 * What happens to an execution whose worker died while it was at `lastStatus`: one that had
 * not started work yet runs again; one in a stage resumes there if the engine can resume it;
 * otherwise it fails with a reason saying so, never staying in progress forever.
 */
export function recoveryFor(lastStatus: BuildStatus | undefined, canResume: boolean): Recovery {
  if (lastStatus === undefined || lastStatus === 'PENDING') return { action: 'requeue' };
  if (canResume) {
    const stage = stageOfStatus(lastStatus);
    return stage ? { action: 'requeue', resumeFromStage: stage } : { action: 'requeue' };
  }
  return { action: 'fail', reason: `interrupted: the Kiln server stopped during ${lastStatus}` };
}
