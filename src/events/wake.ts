/**
 * In-process nudges between the API handlers and the worker loops that share one Store.
 *
 * The store is the source of truth: a handler records what it wants (a queued execution, a
 * cancel request, a step action, a delivery) and every loop also polls, so a worker in another
 * process (PostgreSQL scale-out) sees the request on its next poll. In the embedded server the
 * nudge makes the same process react at once instead of after a poll interval. Keyed by the
 * Store object so two servers in one test process never nudge each other.
 */
import { EventEmitter } from 'node:events';
import type { Store } from '../store/store.js';

export type WakeTopic =
  /** An execution was queued (or re-queued by RetryImage). */
  | 'queue'
  /** A cancel request or a step action waits for the worker running that image. */
  | 'control'
  /** A webhook delivery is due. */
  | 'deliveries';

const hubs = new WeakMap<Store, EventEmitter>();

function hubFor(store: Store): EventEmitter {
  let hub = hubs.get(store);
  if (!hub) {
    hub = new EventEmitter();
    hub.setMaxListeners(0);
    hubs.set(store, hub);
  }
  return hub;
}

/** Nudges the loops of this store that listen to `topic`; a no-op when none listens. */
export function wake(store: Store, topic: WakeTopic): void {
  hubFor(store).emit(topic);
}

/** Calls `listener` on each nudge of `topic`; returns the function that stops listening. */
export function onWake(store: Store, topic: WakeTopic, listener: () => void): () => void {
  const hub = hubFor(store);
  hub.on(topic, listener);
  return () => hub.off(topic, listener);
}

/** A line was appended to an image's log (live tails in this process). */
export function onLogAppended(store: Store, imageArn: string, listener: () => void): () => void {
  const hub = hubFor(store);
  const name = `log:${imageArn}`;
  hub.on(name, listener);
  return () => hub.off(name, listener);
}

export function logAppended(store: Store, imageArn: string): void {
  hubFor(store).emit(`log:${imageArn}`);
}
