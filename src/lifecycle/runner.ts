/**
 * The lifecycle runner: a background loop that claims due PENDING lifecycle executions (policy
 * runs from the scheduler or `POST /kiln/lifecycle/run`, StartResourceStateUpdate requests,
 * their `updateAt` included) and runs them one at a time, renewing each lease on a timer. The
 * store is the queue, so a runner in another process picks up work too.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { PollingLoop } from '../events/loop.js';
import { onWake } from '../events/wake.js';
import type { LifecycleDeps } from './apply.js';
import { claimExecution, runLifecycleExecution } from './execute.js';
import {
  EXECUTION_KIND,
  type ExecutionStatus,
  executionOf,
  getExecution,
  putExecutionBody,
} from './records.js';

export interface LifecycleRunnerOptions {
  readonly deps: LifecycleDeps;
  /** Poll interval in real ms (default 30 s); a nudge on the `queue` topic runs a pass at once. */
  readonly pollMs?: number;
  /** Lease renewal interval in real ms (default 5 s); keep it well under the worker's staleMs. */
  readonly heartbeatMs?: number;
  readonly logError?: (err: unknown, context: string) => void;
}

export class LifecycleRunner {
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  readonly #o: LifecycleRunnerOptions;
  readonly #loop: PollingLoop;
  readonly #abort = new AbortController();
  #unsubscribe: (() => void) | undefined;

  constructor(options: LifecycleRunnerOptions) {
    this.#o = options;
    this.#loop = new PollingLoop(async () => (await this.runDue()).nextDue, {
      pollMs: options.pollMs ?? 30_000,
      clock: options.deps.clock,
      context: 'running lifecycle executions',
      ...(options.logError ? { logError: options.logError } : {}),
    });
  }

  start(): void {
    this.#unsubscribe = onWake(this.#o.deps.store, 'queue', () => this.#loop.kick());
    this.#loop.start();
  }

  /** Stops; an execution in progress is aborted between images and left for recovery to resume. */
  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#abort.abort(new Error('the server is stopping'));
    await this.#loop.stop();
  }

  /** Resolves when the pass in progress (if any) has ended. */
  idle(): Promise<void> {
    return this.#loop.idle();
  }

  kick(): void {
    this.#loop.kick();
  }

  /** One pass: runs every due execution; returns them and when the next scheduled one is due. */
  async runDue(): Promise<{ ran: { id: string; status: ExecutionStatus }[]; nextDue?: number }> {
    const { deps } = this.#o;
    const pending = await deps.store.listDocuments({
      kind: EXECUTION_KIND,
      status: ['PENDING'],
      limit: 1_000,
    });
    const ran: { id: string; status: ExecutionStatus }[] = [];
    let nextDue: number | undefined;
    for (const doc of pending) {
      if (this.#abort.signal.aborted) break;
      const runAt = executionOf(doc).runAt;
      if (runAt > deps.clock.now()) {
        nextDue = Math.min(nextDue ?? Number.POSITIVE_INFINITY, runAt);
        continue;
      }
      const claimed = await claimExecution(deps, doc.id, this.owner);
      if (!claimed) continue;
      const beat = setInterval(() => void this.#beat(doc.id), this.#o.heartbeatMs ?? 5_000);
      beat.unref();
      try {
        ran.push({
          id: doc.id,
          status: await runLifecycleExecution(deps, claimed, { signal: this.#abort.signal }),
        });
      } catch (err) {
        this.#o.logError?.(err, `running lifecycle execution ${doc.id}`);
        ran.push({ id: doc.id, status: await this.#fail(doc.id, err) });
      } finally {
        clearInterval(beat);
      }
    }
    return nextDue === undefined ? { ran } : { ran, nextDue };
  }

  /** Renews the lease; compare-and-set on the status, so a concurrent cancel or end wins. */
  async #beat(id: string): Promise<void> {
    try {
      const doc = await getExecution(this.#o.deps.store, id);
      if (!doc || (doc.status !== 'IN_PROGRESS' && doc.status !== 'CANCELLING')) return;
      const now = this.#o.deps.clock.now();
      const body = executionOf(doc);
      if (body.owner !== this.owner) return;
      await putExecutionBody(this.#o.deps.store, doc, { ...body, heartbeatAt: now }, now, [doc.status]);
    } catch (err) {
      this.#o.logError?.(err, `renewing the lease of ${id}`);
    }
  }

  /** An unexpected error ends the execution FAILED with the error as its reason. */
  async #fail(id: string, err: unknown): Promise<ExecutionStatus> {
    const doc = await getExecution(this.#o.deps.store, id);
    if (!doc) return 'FAILED';
    const now = this.#o.deps.clock.now();
    const { owner: _o, heartbeatAt: _h, ...rest } = executionOf(doc);
    const reason = (err instanceof Error ? err.message : String(err)).slice(0, 1000) || 'failed';
    await putExecutionBody(
      this.#o.deps.store,
      doc,
      { ...rest, state: { status: 'FAILED', reason }, endTime: now },
      now,
      ['IN_PROGRESS', 'CANCELLING'],
    );
    return 'FAILED';
  }
}
