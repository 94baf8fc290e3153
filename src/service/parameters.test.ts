import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ManualClock } from '../core/clock.js';
import { makeTempDir, removeTree } from '../host/fs.js';
import { openSqliteStore } from '../store/sqlite/open.js';
import type { Store } from '../store/store.js';
import {
  checkParameterName,
  checkPut,
  deleteParameter,
  getParameter,
  listParameters,
  parameterRoutes,
  putParameter,
} from './parameters.js';

test('parameter names follow SSM rules', () => {
  for (const ok of ['base', '/base/latest', 'a.b-c_d', '/x/y/z']) assert.equal(checkParameterName(ok), ok);
  for (const bad of ['', 'a/b', '/aws/x', 'ssm-thing', '/a//b', 'sp ace', 42]) {
    assert.throws(() => checkParameterName(bad), /name/, String(bad));
  }
});

test('checkPut: types, image values, lengths', () => {
  assert.deepEqual(checkPut({ name: 'n', value: 'v' }), { name: 'n', value: 'v', type: 'text' });
  const image = { name: '/img', type: 'aws:ec2:image' };
  assert.equal(checkPut({ ...image, value: 'ami-0123456789abcdef0' }).type, 'aws:ec2:image');
  assert.ok(checkPut({ ...image, value: 'arn:aws:imagebuilder:us-east-1:123456789012:image/base/1.x.x' }));
  assert.throws(() => checkPut({ ...image, value: 'hello' }), /image id/);
  assert.throws(() => checkPut({ name: 'n', value: 'v', type: 'String' }), /type/);
  assert.throws(() => checkPut({ name: 'n', value: '' }), /value/);
  assert.throws(() => checkPut({ name: 'n', value: 'x'.repeat(4097) }), /value/);
});

let dir: string;
let store: Store;
before(async () => {
  dir = await makeTempDir('kiln-parameters-');
  store = await openSqliteStore(dir);
});
after(async () => {
  await store?.close();
  if (dir) await removeTree(dir);
});

test('put, overwrite, get, list and delete, per account and region', async () => {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
  const deps = { store, clock };
  const a = { account: '111111111111', region: 'us-east-1', requestId: 'r', operation: 'o' };
  const b = { ...a, account: '222222222222' };
  assert.equal((await putParameter(deps, a, { name: '/base/latest', value: 'one' })).version, 1);
  await assert.rejects(putParameter(deps, a, { name: '/base/latest', value: 'two' }), /exists/);
  clock.advance(1000);
  const second = await putParameter(deps, a, { name: '/base/latest', value: 'two', overwrite: true });
  assert.equal(second.version, 2);
  assert.equal(second.lastModified, Date.parse('2026-01-01T00:00:01Z'));
  await putParameter(deps, a, { name: 'other', value: 'x' });
  await putParameter(deps, b, { name: '/base/latest', value: 'b' });
  assert.equal((await getParameter(deps, a, '/base/latest')).value, 'two');
  assert.equal((await getParameter(deps, b, '/base/latest')).value, 'b');
  assert.deepEqual(
    (await listParameters(deps, a)).map((p) => p.name),
    ['/base/latest', 'other'],
  );
  assert.deepEqual(
    (await listParameters(deps, a, '/base')).map((p) => p.name),
    ['/base/latest'],
  );
  await deleteParameter(deps, a, '/base/latest');
  await assert.rejects(getParameter(deps, a, '/base/latest'), /does not exist/);
  await assert.rejects(deleteParameter(deps, a, '/base/latest'), /does not exist/);
});

test('the /kiln/parameters routes put, get, list and delete', async () => {
  const deps = { store, clock: new ManualClock(0) } as unknown as Parameters<typeof parameterRoutes>[0];
  const routes = parameterRoutes(deps);
  const ctx = { account: '333333333333', region: 'us-east-1', requestId: 'r', operation: 'o' };
  const call = (key: string, query: Record<string, string> = {}, body: Record<string, unknown> = {}) =>
    routes[key]?.({ ctx, query: new URLSearchParams(query), body }) as Promise<Record<string, unknown>>;
  const put = await call(
    'POST /kiln/parameters',
    {},
    { name: '/r/x', value: 'ami-0123456789abcdef0', type: 'aws:ec2:image' },
  );
  assert.equal((put.parameter as { version: number }).version, 1);
  assert.equal(
    ((await call('GET /kiln/parameters', { name: '/r/x' })).parameter as { value: string }).value,
    'ami-0123456789abcdef0',
  );
  assert.equal(((await call('GET /kiln/parameters', { path: '/r' })).parameters as unknown[]).length, 1);
  assert.deepEqual(await call('DELETE /kiln/parameters', { name: '/r/x' }), {});
  assert.deepEqual((await call('GET /kiln/parameters')).parameters, []);
});
