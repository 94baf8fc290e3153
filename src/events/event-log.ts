/**
 * The event log: every state change as a KilnEvent document, listable by account and region
 * (and by resource), plus the queueing of webhook deliveries for events sent to a topic.
 */
import { randomUUID } from 'node:crypto';
import type { DocumentRecord, Store } from '../store/store.js';
import type { KilnEvent } from './event.js';
import { listSubscriptions, TOPIC_KIND } from './topics.js';

export const EVENT_KIND = 'event';
export const DELIVERY_KIND = 'delivery';

/** Sort keys that order by time, then by a per-process sequence for events of the same ms. */
let sequence = 0;
export const timeSortKey = (ms: number): string =>
  `${String(ms).padStart(15, '0')}:${String(sequence++ % 1_000_000).padStart(6, '0')}`;

export const newEventId = (): string => randomUUID();

export interface DeliveryBody {
  readonly deliveryId: string;
  readonly eventId: string;
  readonly detailType: string;
  readonly topicArn: string;
  readonly subscriptionArn: string;
  readonly endpoint: string;
  /** The exact bytes POSTed (and signed) on every attempt. */
  readonly payload: string;
  readonly attempts: readonly DeliveryAttempt[];
  readonly nextAttemptAt: number;
}

export interface DeliveryAttempt {
  readonly time: string;
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * Appends `event` to the log and, when `topicArn` names a Kiln topic, queues one delivery per
 * subscription. Returns how many deliveries were queued (the caller nudges the delivery loop).
 * Call it inside the transaction that makes the change, so a change is never without its event.
 */
export async function recordEvent(store: Store, event: KilnEvent, topicArn?: string): Promise<number> {
  const time = Date.parse(event.time);
  await store.putDocument({
    kind: EVENT_KIND,
    id: event.id,
    account: event.account,
    region: event.region,
    parent: event.resources[0] ?? '',
    status: event['detail-type'],
    sortKey: timeSortKey(time),
    body: event as unknown as Record<string, unknown>,
    createdAt: time,
    updatedAt: time,
  });
  if (!topicArn || !(await store.getDocument(TOPIC_KIND, topicArn))) return 0;
  const subscriptions = await listSubscriptions(store, topicArn);
  const payload = JSON.stringify(event);
  for (const sub of subscriptions) {
    const deliveryId = randomUUID();
    const body: DeliveryBody = {
      deliveryId,
      eventId: event.id,
      detailType: event['detail-type'],
      topicArn,
      subscriptionArn: sub.subscriptionArn,
      endpoint: sub.endpoint,
      payload,
      attempts: [],
      nextAttemptAt: time,
    };
    await store.putDocument({
      kind: DELIVERY_KIND,
      id: deliveryId,
      account: event.account,
      region: event.region,
      parent: sub.subscriptionArn,
      status: 'PENDING',
      sortKey: timeSortKey(time),
      body: body as unknown as Record<string, unknown>,
      createdAt: time,
      updatedAt: time,
    });
  }
  return subscriptions.length;
}

export interface EventQuery {
  readonly account: string;
  readonly region: string;
  /** Only events whose first resource is this ARN (an image, a pipeline). */
  readonly resource?: string;
  /** Continue after this cursor (the `cursor` of the last event seen). */
  readonly after?: string;
  readonly limit: number;
}

export interface EventPage {
  readonly events: readonly KilnEvent[];
  /** Pass as `after` to get what came later (also when this page was empty). */
  readonly cursor?: string;
}

/** Events oldest first, for `kiln events` and GET /kiln/events. */
export async function listEvents(store: Store, q: EventQuery): Promise<EventPage> {
  const docs = await store.listDocuments({
    kind: EVENT_KIND,
    account: q.account,
    region: q.region,
    ...(q.resource !== undefined ? { parent: q.resource } : {}),
    ...(q.after !== undefined ? { afterSortKey: q.after } : {}),
    limit: q.limit,
  });
  const last = docs[docs.length - 1];
  const cursor = last?.sortKey ?? q.after;
  return {
    events: docs.map((d) => d.body as unknown as KilnEvent),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

/** Deliveries of one topic (newest first), with every attempt, for `kiln topic deliveries`. */
export async function listDeliveries(
  store: Store,
  subscriptionArns: readonly string[],
  limit: number,
): Promise<(DeliveryBody & { status: string })[]> {
  const all: DocumentRecord[] = [];
  for (const parent of subscriptionArns)
    all.push(...(await store.listDocuments({ kind: DELIVERY_KIND, parent, limit, descending: true })));
  return all
    .sort((a, b) => (a.sortKey < b.sortKey ? 1 : -1))
    .slice(0, limit)
    .map((d) => ({ ...(d.body as unknown as DeliveryBody), status: d.status }));
}
