import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GcGate } from './gate.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

test('a collection asked for during a build runs when the last build ends', async () => {
  const events: string[] = [];
  const gate = new GcGate(
    async () => {
      events.push('gc');
      return 1;
    },
    (err) => assert.fail(String(err)),
  );
  const a = deferred();
  const b = deferred();
  const buildA = gate.build(() => a.promise.then(() => events.push('a done')));
  const buildB = gate.build(() => b.promise.then(() => events.push('b done')));
  assert.equal(await gate.request(), undefined);
  a.resolve();
  await buildA;
  assert.deepEqual(events, ['a done']);
  b.resolve();
  await buildB;
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(events, ['a done', 'b done', 'gc']);
});

test('a build started during a collection waits for it; with no build a collection runs at once', async () => {
  const events: string[] = [];
  const gc = deferred();
  const gate = new GcGate(
    async () => {
      events.push('gc start');
      await gc.promise;
      events.push('gc end');
      return 2;
    },
    () => undefined,
  );
  const collecting = gate.request();
  let started = false;
  const build = gate.build(async () => {
    started = true;
    events.push('build');
  });
  await new Promise((r) => setImmediate(r));
  assert.equal(started, false);
  gc.resolve();
  assert.equal(await collecting, 2);
  await build;
  assert.deepEqual(events, ['gc start', 'gc end', 'build']);
});
