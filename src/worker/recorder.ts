/**
 * Persists one execution's BuildEvents: statuses onto the image record (with their events),
 * workflow and step executions as documents, log lines into the image's log file, timings and
 * other members into the image record. The engine awaits each call, so a status is stored
 * before the work it announces starts.
 */
import type { Clock } from '../core/clock.js';
import type {
  BuildEvent,
  BuildObserver,
  BuildStatus,
  StepExecutionRecord,
  WorkflowExecutionRecord,
} from '../engine/image-build.js';
import { stepStateChangeEvent, workflowStateChangeEvent } from '../events/event.js';
import { recordEvent, timeSortKey } from '../events/event-log.js';
import type { ImageLogs } from '../events/image-logs.js';
import { logAppended, wake } from '../events/wake.js';
import {
  EXECUTION_KIND,
  STEP_EXECUTION_KIND,
  WAITING,
  WORKFLOW_EXECUTION_KIND,
} from '../service/executions/records.js';
import { originOf, setImageStatus, topicOf } from '../service/executions/transitions.js';
import type { ResourceRecord, Store } from '../store/store.js';

/**
 * The abort reason of a server shutdown. The engine then winds the build down (and may report
 * CANCELLED), but the execution stays RUNNING so the next start resumes or fails it; the
 * recorder therefore drops status changes that arrive after a shutdown abort.
 */
export const SHUTDOWN = new Error('the Kiln server is shutting down');

export interface RecorderOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly logs: ImageLogs;
  readonly image: ResourceRecord;
  readonly attempt: number;
  readonly signal: AbortSignal;
}

export class ExecutionRecorder {
  readonly #o: RecorderOptions;
  /** Per record id: its sort key (kept stable across upserts) and last status. */
  readonly #seen = new Map<string, { sortKey: string; status: string }>();
  readonly #workflowArns = new Map<string, string>();

  constructor(options: RecorderOptions) {
    this.#o = options;
  }

  readonly observe: BuildObserver = async (event: BuildEvent) => {
    switch (event.kind) {
      case 'status':
        return this.status(event.status, event.reason);
      case 'workflow':
        return this.workflow(event.record);
      case 'step':
        return this.step(event.record);
      case 'log':
        await this.#o.logs.append(this.#o.image.arn, [{ ...event.line, attempt: this.#o.attempt }]);
        logAppended(this.#o.store, this.#o.image.arn);
        return;
      case 'timing':
        return this.mergeImage((body) => ({
          timings: [
            ...((body.timings as unknown[] | undefined) ?? []),
            {
              stage: event.stage,
              ms: event.ms,
              ...(event.bytes !== undefined ? { bytes: event.bytes } : {}),
              attempt: this.#o.attempt,
            },
          ],
        }));
      case 'image':
        return this.mergeImage(() => ({ ...event.members }));
    }
  };

  async status(status: BuildStatus, reason?: string) {
    const { store, clock, image, signal } = this.#o;
    if (signal.aborted && signal.reason === SHUTDOWN) return;
    await setImageStatus(store, clock, image.arn, status, reason, { attempt: this.#o.attempt });
    await store.transaction(async (tx) => {
      const exec = await tx.getDocument(EXECUTION_KIND, image.arn);
      if (exec?.status !== 'RUNNING') return;
      await tx.updateDocument(EXECUTION_KIND, image.arn, {
        body: { ...exec.body, lastStatus: status },
        updatedAt: clock.now(),
      });
    });
  }

  private async mergeImage(patch: (body: Readonly<Record<string, unknown>>) => Record<string, unknown>) {
    const { store, clock, image } = this.#o;
    await store.transaction(async (tx) => {
      const current = await tx.getResource(image.arn);
      if (!current) return;
      await tx.update(image.arn, {
        body: { ...current.body, ...patch(current.body) },
        dateUpdated: clock.now(),
      });
    });
  }

  private async workflow(record: WorkflowExecutionRecord) {
    const { image } = this.#o;
    this.#workflowArns.set(record.workflowExecutionId, record.workflowBuildVersionArn);
    const previous = await this.upsert(WORKFLOW_EXECUTION_KIND, record.workflowExecutionId, record.status, {
      ...record,
      imageBuildVersionArn: image.arn,
      retried: this.#o.attempt > 1,
    });
    if (previous?.status === record.status) return;
    const now = this.#o.clock.now();
    await this.publish(
      workflowStateChangeEvent(
        originOf(image, now),
        image.arn,
        record.workflowExecutionId,
        record.workflowBuildVersionArn,
        record.status,
        previous?.status,
        typeof record.message === 'string' ? record.message : undefined,
      ),
      false,
    );
  }

  private async step(record: StepExecutionRecord) {
    const { image } = this.#o;
    const { waiting, ...rest } = record;
    const status = waiting ? WAITING : record.status;
    const workflowBuildVersionArn =
      this.#workflowArns.get(record.workflowExecutionId) ??
      (rest.workflowBuildVersionArn as string | undefined);
    const previous = await this.upsert(STEP_EXECUTION_KIND, record.stepExecutionId, status, {
      ...rest,
      imageBuildVersionArn: image.arn,
      ...(workflowBuildVersionArn ? { workflowBuildVersionArn } : {}),
    });
    if (previous?.status === status) return;
    const now = this.#o.clock.now();
    const message = typeof record.message === 'string' ? record.message : undefined;
    await this.publish(
      stepStateChangeEvent(
        originOf(image, now),
        image.arn,
        record,
        record.status,
        previous?.status,
        waiting,
        message,
      ),
      waiting,
    );
  }

  /** Upserts a record by id, keeping its first sort key; returns what was there before. */
  private async upsert(kind: string, id: string, status: string, body: Record<string, unknown>) {
    const { store, clock, image } = this.#o;
    let previous = this.#seen.get(id);
    if (!previous) {
      const stored = await store.getDocument(kind, id);
      if (stored) previous = { sortKey: stored.sortKey, status: stored.status };
    }
    const now = clock.now();
    const sortKey = previous?.sortKey ?? timeSortKey(now);
    await store.putDocument({
      kind,
      id,
      account: image.account,
      region: image.region,
      parent: image.arn,
      status,
      sortKey,
      body,
      createdAt: now,
      updatedAt: now,
    });
    this.#seen.set(id, { sortKey, status });
    return previous;
  }

  /** Appends an event; `notify` also sends it to the image's topic (waiting steps, like AWS). */
  private async publish(event: Parameters<typeof recordEvent>[1], notify: boolean) {
    const { store, image } = this.#o;
    const queued = await recordEvent(store, event, notify ? topicOf(image.body) : undefined);
    if (queued > 0) wake(store, 'deliveries');
  }
}
