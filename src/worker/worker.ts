/**
 * The embedded worker: claims queued executions in order (compare-and-set on the execution
 * document, at most `maxConcurrentBuilds` at once, never two of one pipeline), runs each with
 * the build engine, heartbeats its leases, and relays cancel requests and step actions from
 * the store to the running builds. Recovery of dead leases is in recovery.ts.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Clock } from '../core/clock.js';
import type { BuildHandle, BuildOutcome } from '../engine/image-build.js';
import type { ImageLogs } from '../events/image-logs.js';
import { PollingLoop } from '../events/loop.js';
import { onWake } from '../events/wake.js';
import { CANCEL_REASON } from '../service/executions/control.js';
import {
  EXECUTION_KIND,
  type ExecutionBody,
  executionOf,
  STEP_ACTION_KIND,
  type StepActionBody,
} from '../service/executions/records.js';
import type { Store } from '../store/store.js';
import { formatOwner, type OwnerId, pickClaims } from './decide.js';
import type { ExecutionEngine } from './engine-hooks.js';
import { SHUTDOWN } from './recorder.js';
import { finishExecution, startExecution } from './run.js';
import { cleanUpDeletedImages, recoverDeadLeases } from './recovery.js';

export interface WorkerOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly engine: ExecutionEngine;
  readonly logs: ImageLogs;
  readonly maxConcurrentBuilds: number;
  /** How often the queue and the control requests are polled (besides nudges). */
  readonly pollMs?: number;
  readonly heartbeatMs?: number;
  /** A lease of another host without a heartbeat for this long is dead. */
  readonly staleMs?: number;
  readonly layerCache?: boolean;
  readonly logError?: (err: unknown, context: string) => void;
}

interface Running {
  readonly controller: AbortController;
  readonly handle: BuildHandle;
  readonly pipelineArn?: string;
  readonly settled: Promise<void>;
}

export { SHUTDOWN };

export class Worker {
  readonly owner: OwnerId = { host: hostname(), pid: process.pid, nonce: randomBytes(4).toString('hex') };
  readonly #o: WorkerOptions;
  readonly #running = new Map<string, Running>();
  readonly #loop: PollingLoop;
  readonly #unsubscribe: (() => void)[] = [];
  #lastHeartbeat = 0;
  #lastRecovery = 0;

  constructor(options: WorkerOptions) {
    this.#o = options;
    this.#loop = new PollingLoop(() => this.pass(), {
      pollMs: options.pollMs ?? 1_000,
      clock: options.clock,
      context: 'running image executions',
      ...(options.logError ? { logError: options.logError } : {}),
    });
  }

  get id(): string {
    return formatOwner(this.owner);
  }

  /** Image ARNs this worker is building now. */
  running(): string[] {
    return [...this.#running.keys()];
  }

  async start(): Promise<void> {
    const reaped = (await this.#o.engine.reapStale?.()) ?? [];
    if (reaped.length > 0)
      this.#o.logError?.(new Error(`reaped ${reaped.join(', ')}`), 'cleaning up after a crash');
    await recoverDeadLeases(this.#o, this.owner, this.#o.staleMs ?? 30_000);
    this.#lastRecovery = this.#o.clock.now();
    for (const topic of ['queue', 'control'] as const)
      this.#unsubscribe.push(onWake(this.#o.store, topic, () => this.#loop.kick()));
    this.#loop.start();
  }

  /** Stops claiming; running builds are aborted and left RUNNING for the next start to recover. */
  async stop(): Promise<void> {
    for (const u of this.#unsubscribe) u();
    await this.#loop.stop();
    for (const r of this.#running.values()) r.controller.abort(SHUTDOWN);
    await Promise.all([...this.#running.values()].map((r) => r.settled));
  }

  /** Waits until no build runs and the queue pass is idle (tests). */
  async drained(): Promise<void> {
    await this.#loop.idle();
    while (this.#running.size > 0) await Promise.race([...this.#running.values()].map((r) => r.settled));
  }

  private async pass(): Promise<number | undefined> {
    const now = this.#o.clock.now();
    const heartbeatMs = this.#o.heartbeatMs ?? 5_000;
    if (now - this.#lastHeartbeat >= heartbeatMs) await this.heartbeat();
    await this.relayControl();
    if (now - this.#lastRecovery >= (this.#o.staleMs ?? 30_000) / 2) {
      this.#lastRecovery = now;
      await recoverDeadLeases(this.#o, this.owner, this.#o.staleMs ?? 30_000);
    }
    await this.claim();
    await cleanUpDeletedImages(this.#o);
    return this.#lastHeartbeat + heartbeatMs;
  }

  private async heartbeat(): Promise<void> {
    const { store, clock } = this.#o;
    this.#lastHeartbeat = clock.now();
    for (const arn of this.#running.keys()) {
      await store.transaction(async (tx) => {
        const doc = await tx.getDocument(EXECUTION_KIND, arn);
        if (doc?.status !== 'RUNNING' || executionOf(doc).owner !== this.id) return;
        await tx.updateDocument(EXECUTION_KIND, arn, {
          body: { ...doc.body, heartbeatAt: clock.now() },
          updatedAt: clock.now(),
        });
      });
    }
  }

  /** Cancel requests and step actions recorded by the API for builds running here. */
  private async relayControl(): Promise<void> {
    const { store, clock } = this.#o;
    if (this.#running.size === 0) return;
    for (const [arn, run] of this.#running) {
      const doc = await store.getDocument(EXECUTION_KIND, arn);
      if (doc && executionOf(doc).cancelRequested && !run.controller.signal.aborted)
        run.controller.abort(CANCEL_REASON);
    }
    const actions = await store.listDocuments({ kind: STEP_ACTION_KIND, status: ['PENDING'], limit: 1000 });
    for (const doc of actions) {
      const run = this.#running.get(doc.parent);
      if (!run) continue;
      const a = doc.body as unknown as StepActionBody;
      try {
        run.handle.deliverStepAction(a.stepExecutionId, a.action, a.reason);
      } catch (err) {
        this.#o.logError?.(err, `delivering ${a.action} to ${a.stepExecutionId}`);
      }
      await store.updateDocument(STEP_ACTION_KIND, doc.id, { status: 'DELIVERED', updatedAt: clock.now() }, [
        'PENDING',
      ]);
    }
  }

  private async claim(): Promise<void> {
    const { store, clock } = this.#o;
    const free = this.#o.maxConcurrentBuilds - this.#running.size;
    if (free <= 0) return;
    const queued = await store.listDocuments({ kind: EXECUTION_KIND, status: ['QUEUED'], limit: 200 });
    if (queued.length === 0) return;
    const active = await store.listDocuments({ kind: EXECUTION_KIND, status: ['RUNNING'], limit: 10_000 });
    const busy = new Set(active.map((d) => d.parent).filter((p) => p !== ''));
    const entries = queued.map((d) => ({ id: d.id, doc: d, ...(d.parent ? { pipelineArn: d.parent } : {}) }));
    for (const entry of pickClaims(entries, busy, free)) {
      const claimed = await store.transaction(async (tx) => {
        if (entry.pipelineArn) {
          const other = await tx.listDocuments({
            kind: EXECUTION_KIND,
            parent: entry.pipelineArn,
            status: ['RUNNING'],
            limit: 1,
          });
          if (other.length > 0) return undefined;
        }
        const doc = await tx.getDocument(EXECUTION_KIND, entry.id);
        if (doc?.status !== 'QUEUED') return undefined;
        const now = clock.now();
        const body = { ...doc.body, owner: this.id, heartbeatAt: now, startedAt: now };
        const won = await tx.updateDocument(
          EXECUTION_KIND,
          entry.id,
          { status: 'RUNNING', body, updatedAt: now },
          ['QUEUED'],
        );
        return won ? executionOf({ ...doc, body }) : undefined;
      });
      if (claimed) await this.launch(claimed);
    }
  }

  private async launch(execution: ExecutionBody): Promise<void> {
    const controller = new AbortController();
    let handle: BuildHandle | undefined;
    let failure: Error = new Error('the image record is gone');
    try {
      handle = await startExecution(this.#o, execution, controller.signal);
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
    }
    const finish = async (outcome: BuildOutcome | Error) => {
      try {
        if (controller.signal.reason === SHUTDOWN) return;
        await finishExecution(this.#o, execution, outcome);
      } catch (err) {
        this.#o.logError?.(err, `finishing ${execution.imageArn}`);
      } finally {
        this.#running.delete(execution.imageArn);
        this.#loop.kick();
      }
    };
    const done = handle ? handle.done : Promise.reject(failure);
    const settled = done.then(finish, (err: unknown) =>
      finish(err instanceof Error ? err : new Error(String(err))),
    );
    if (handle) {
      this.#running.set(execution.imageArn, {
        controller,
        handle,
        settled,
        ...(execution.pipelineArn ? { pipelineArn: execution.pipelineArn } : {}),
      });
    }
  }
}
