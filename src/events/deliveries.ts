/**
 * The delivery loop: POSTs queued webhook deliveries, records every attempt on the delivery,
 * and retries failures with backoff until the retry policy gives up (status FAILED). The queue
 * is in the store, so deliveries due while the server was down go out after it starts again.
 */
import { isoTime, type Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import { DELIVERY_KIND, type DeliveryAttempt, type DeliveryBody } from './event-log.js';
import { PollingLoop } from './loop.js';
import { listSubscriptions } from './topics.js';
import { onWake } from './wake.js';
import {
  DEFAULT_RETRY,
  nextAttemptDelay,
  postWebhook,
  type RetryPolicy,
  SIGNATURE_HEADER,
  signPayload,
} from './webhooks.js';

export interface DeliveryLoopOptions {
  readonly store: Store;
  readonly clock: Clock;
  readonly retry?: RetryPolicy;
  /** How long one POST may take. */
  readonly timeoutMs?: number;
  /** How often the queue is polled besides nudges. */
  readonly pollMs?: number;
  readonly logError?: (err: unknown, context: string) => void;
}

export class DeliveryLoop {
  readonly #o: DeliveryLoopOptions;
  readonly #retry: RetryPolicy;
  readonly #loop: PollingLoop;
  #unsubscribe: (() => void) | undefined;

  constructor(options: DeliveryLoopOptions) {
    this.#o = options;
    this.#retry = options.retry ?? DEFAULT_RETRY;
    this.#loop = new PollingLoop(() => this.runDue(), {
      pollMs: options.pollMs ?? 5_000,
      clock: options.clock,
      context: 'delivering webhooks',
      ...(options.logError ? { logError: options.logError } : {}),
    });
  }

  start(): void {
    this.#unsubscribe = onWake(this.#o.store, 'deliveries', () => this.#loop.kick());
    this.#loop.start();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    await this.#loop.stop();
  }

  /** Attempts every due delivery once; returns when the next pending one is due. */
  async runDue(): Promise<number | undefined> {
    const { store, clock } = this.#o;
    const pending = await store.listDocuments({ kind: DELIVERY_KIND, status: ['PENDING'], limit: 1000 });
    let nextDue: number | undefined;
    for (const doc of pending) {
      const d = doc.body as unknown as DeliveryBody;
      if (d.nextAttemptAt > clock.now()) {
        nextDue = Math.min(nextDue ?? Number.POSITIVE_INFINITY, d.nextAttemptAt);
        continue;
      }
      const secret = (await listSubscriptions(store, d.topicArn)).find(
        (s) => s.subscriptionArn === d.subscriptionArn,
      )?.secret;
      const now = clock.now();
      const result = secret
        ? await postWebhook(
            d.endpoint,
            d.payload,
            {
              [SIGNATURE_HEADER]: signPayload(secret, Math.floor(now / 1000), d.payload),
              'x-kiln-event-id': d.eventId,
              'x-kiln-delivery-id': d.deliveryId,
            },
            this.#o.timeoutMs ?? 10_000,
          )
        : { ok: false, error: 'the subscription was deleted', durationMs: 0 };
      const attempt: DeliveryAttempt = { time: isoTime(now), ...result };
      const attempts = [...d.attempts, attempt];
      const delay = result.ok || !secret ? undefined : nextAttemptDelay(this.#retry, attempts.length);
      const status = result.ok ? 'DELIVERED' : delay === undefined ? 'FAILED' : 'PENDING';
      const nextAttemptAt = delay === undefined ? d.nextAttemptAt : clock.now() + delay;
      await store.updateDocument(
        DELIVERY_KIND,
        doc.id,
        { status, body: { ...d, attempts, nextAttemptAt }, updatedAt: clock.now() },
        ['PENDING'],
      );
      if (status === 'PENDING') nextDue = Math.min(nextDue ?? Number.POSITIVE_INFINITY, nextAttemptAt);
    }
    return nextDue;
  }
}
