/**
 * Kiln topics: the stand-in for SNS topics. An infrastructure configuration's `snsTopicArn`
 * names one (`arn:aws:sns:REGION:ACCOUNT:NAME`); its subscriptions are webhook URLs that get
 * every image notification as an HMAC-SHA256-signed JSON POST (webhooks.ts).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { KilnError, invalidValue, notFound } from '../core/errors.js';
import type { DocumentRecord, Store } from '../store/store.js';

export const TOPIC_KIND = 'topic';
export const SUBSCRIPTION_KIND = 'subscription';

export interface Topic {
  readonly topicArn: string;
  readonly name: string;
  readonly dateCreated: number;
}

export interface Subscription {
  readonly subscriptionArn: string;
  readonly topicArn: string;
  readonly endpoint: string;
  /** The HMAC key of this subscription's signatures. */
  readonly secret: string;
  readonly dateCreated: number;
}

export interface Scope {
  readonly account: string;
  readonly region: string;
}

const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}$/;
const TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):([0-9]{12}):([A-Za-z0-9_-]{1,256})$/;

export const topicArnFor = (scope: Scope, name: string): string =>
  `arn:aws:sns:${scope.region}:${scope.account}:${name}`;

/** Checks a topic ARN the way infrastructure configurations write it. */
export function parseTopicArn(arn: string, member = 'topicArn'): Scope & { name: string } {
  const m = TOPIC_ARN.exec(arn);
  if (!m)
    throw invalidValue(member, `'${arn}' is not a topic ARN like arn:aws:sns:us-east-1:123456789012:builds.`);
  return { region: m[1] as string, account: m[2] as string, name: m[3] as string };
}

const docOf = (
  scope: Scope,
  kind: string,
  id: string,
  parent: string,
  body: object,
  now: number,
): DocumentRecord => ({
  kind,
  id,
  account: scope.account,
  region: scope.region,
  parent,
  status: 'ACTIVE',
  sortKey: `${String(now).padStart(15, '0')}:${id}`,
  body: { ...body },
  createdAt: now,
  updatedAt: now,
});

export async function createTopic(store: Store, scope: Scope, name: string, now: number): Promise<Topic> {
  if (!TOPIC_NAME.test(name))
    throw invalidValue('name', `'${name}' is not a topic name: use 1–256 letters, digits, '-' or '_'.`);
  const topic: Topic = { topicArn: topicArnFor(scope, name), name, dateCreated: now };
  return store.transaction(async (tx) => {
    if (await tx.getDocument(TOPIC_KIND, topic.topicArn))
      throw new KilnError('ResourceAlreadyExistsException', `The topic '${topic.topicArn}' already exists.`);
    await tx.putDocument(docOf(scope, TOPIC_KIND, topic.topicArn, '', topic, now));
    return topic;
  });
}

export async function getTopic(store: Store, scope: Scope, topicArn: string): Promise<Topic> {
  const doc = await store.getDocument(TOPIC_KIND, topicArn);
  if (!doc || doc.account !== scope.account || doc.region !== scope.region) throw notFound('topic', topicArn);
  return doc.body as unknown as Topic;
}

export async function listTopics(store: Store, scope: Scope): Promise<Topic[]> {
  const docs = await store.listDocuments({ kind: TOPIC_KIND, ...scope, limit: 10_000 });
  return docs.map((d) => d.body as unknown as Topic);
}

/** Deletes a topic and its subscriptions; deliveries already made stay in the record. */
export async function deleteTopic(store: Store, scope: Scope, topicArn: string): Promise<void> {
  await getTopic(store, scope, topicArn);
  await store.transaction(async (tx) => {
    for (const s of await tx.listDocuments({ kind: SUBSCRIPTION_KIND, parent: topicArn, limit: 10_000 }))
      await tx.deleteDocument(SUBSCRIPTION_KIND, s.id);
    await tx.deleteDocument(TOPIC_KIND, topicArn);
  });
}

/** Adds a webhook URL; without `secret` a random one is made (returned once, here). */
export async function subscribe(
  store: Store,
  scope: Scope,
  topicArn: string,
  endpoint: string,
  now: number,
  secret?: string,
): Promise<Subscription> {
  await getTopic(store, scope, topicArn);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw invalidValue('endpoint', `'${endpoint}' is not a URL.`, 'Use e.g. https://hooks.example.org/kiln.');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw invalidValue('endpoint', `'${endpoint}' must be an http:// or https:// URL.`);
  if (secret !== undefined && secret.length < 16)
    throw invalidValue('secret', 'A webhook secret needs at least 16 characters.');
  const sub: Subscription = {
    subscriptionArn: `${topicArn}:${randomUUID()}`,
    topicArn,
    endpoint: url.toString(),
    secret: secret ?? randomBytes(24).toString('base64url'),
    dateCreated: now,
  };
  await store.putDocument(docOf(scope, SUBSCRIPTION_KIND, sub.subscriptionArn, topicArn, sub, now));
  return sub;
}

export async function listSubscriptions(store: Store, topicArn: string): Promise<Subscription[]> {
  const docs = await store.listDocuments({ kind: SUBSCRIPTION_KIND, parent: topicArn, limit: 10_000 });
  return docs.map((d) => d.body as unknown as Subscription);
}

export async function unsubscribe(store: Store, scope: Scope, subscriptionArn: string): Promise<void> {
  const doc = await store.getDocument(SUBSCRIPTION_KIND, subscriptionArn);
  if (!doc || doc.account !== scope.account || doc.region !== scope.region)
    throw notFound('subscription', subscriptionArn);
  await store.deleteDocument(SUBSCRIPTION_KIND, subscriptionArn);
}
