import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { systemClock } from '../core/clock.js';
import { basics, openHarness, ScriptedEngine } from '../worker/testing.js';
import { Worker } from '../worker/worker.js';
import { DeliveryLoop } from './deliveries.js';
import { listDeliveries } from './event-log.js';
import { ImageLogs } from './image-logs.js';
import { createTopic, subscribe } from './topics.js';
import { nextAttemptDelay, SIGNATURE_HEADER, signPayload, verifySignature } from './webhooks.js';

const closers: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of closers.reverse()) await c();
});

describe('webhook signatures and backoff', () => {
  it('verifies its own signature and rejects a changed body or secret', () => {
    const header = signPayload('s3cret-s3cret-s3cret', 1_700_000_000, '{"a":1}');
    assert.ok(verifySignature('s3cret-s3cret-s3cret', header, '{"a":1}'));
    assert.equal(verifySignature('s3cret-s3cret-s3cret', header, '{"a":2}'), false);
    assert.equal(verifySignature('other-secret-other', header, '{"a":1}'), false);
  });
  const policy = { maxAttempts: 4, baseDelayMs: 1_000, maxDelayMs: 3_000 };
  for (const [attempts, delay] of [
    [1, 1_000],
    [2, 2_000],
    [3, 3_000],
    [4, undefined],
  ] as const) {
    it(`after ${attempts} failed attempts: ${delay ?? 'give up'}`, () =>
      assert.equal(nextAttemptDelay(policy, attempts), delay));
  }
});

describe('image notifications reach a topic subscriber', () => {
  it('POSTs signed events to a 127.0.0.1 receiver, retrying a failure, recording each attempt', async () => {
    const received: { body: string; signature: string; delivery: string }[] = [];
    let calls = 0;
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        calls++;
        // The very first POST fails, so one delivery needs a retry.
        res.statusCode = calls === 1 ? 500 : 204;
        if (calls > 1)
          received.push({
            body: Buffer.concat(chunks).toString('utf8'),
            signature: String(req.headers[SIGNATURE_HEADER]),
            delivery: String(req.headers['x-kiln-delivery-id']),
          });
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    closers.push(() => new Promise((r) => receiver.close(() => r())));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    const h = await openHarness();
    const scope = { account: '111122223333', region: 'us-east-1' };
    const topic = await createTopic(h.store, scope, 'builds', Date.now());
    const sub = await subscribe(h.store, scope, topic.topicArn, url, Date.now());
    const b = await basics(h, { snsTopicArn: topic.topicArn });
    const worker = new Worker({
      store: h.store,
      clock: systemClock,
      engine: new ScriptedEngine(),
      logs: new ImageLogs(h.dataDir),
      maxConcurrentBuilds: 1,
      pollMs: 50,
    });
    const loop = new DeliveryLoop({
      store: h.store,
      clock: systemClock,
      retry: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 100 },
      pollMs: 50,
    });
    await worker.start();
    loop.start();
    closers.push(async () => {
      await loop.stop();
      await worker.stop();
      await h.store.close();
    });
    const image = await h.call('CreateImage', {
      imageRecipeArn: b.imageRecipeArn,
      infrastructureConfigurationArn: b.infrastructureConfigurationArn,
    });
    const arn = image.imageBuildVersionArn as string;
    const deadline = Date.now() + 20_000;
    while (!received.some((r) => JSON.parse(r.body).detail.status === 'AVAILABLE')) {
      assert.ok(Date.now() < deadline, `no AVAILABLE notification; got ${received.length}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    for (const r of received) {
      assert.ok(verifySignature(sub.secret, r.signature, r.body), 'a valid HMAC-SHA256 signature');
      const event = JSON.parse(r.body);
      assert.equal(event.source, 'aws.imagebuilder');
      assert.equal(event['detail-type'], 'EC2 Image Builder Image State Change');
      assert.deepEqual(event.resources, [arn]);
    }
    const deliveries = await listDeliveries(h.store, [sub.subscriptionArn], 100);
    const retried = deliveries.find((d) => d.attempts.length === 2);
    assert.ok(retried, 'one delivery needed two attempts');
    assert.deepEqual(
      retried.attempts.map((a) => a.statusCode),
      [500, 204],
    );
    assert.equal(retried.status, 'DELIVERED');
  });
});
