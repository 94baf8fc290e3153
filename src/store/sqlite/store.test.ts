import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DocumentRecord, Store } from '../store.js';
import { openSqliteStore } from './open.js';

const doc = (id: string, status: string, parent = 'image-1'): DocumentRecord => ({
  kind: 'execution',
  id,
  account: '000000000000',
  region: 'us-east-1',
  parent,
  status,
  sortKey: id,
  body: { id },
  createdAt: 1,
  updatedAt: 1,
});

describe('the SQLite store', () => {
  let dir: string;
  let store: Store;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kiln-store-'));
    store = await openSqliteStore(dir);
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps the newest build flag right through inserts and deletes', async () => {
    const base = {
      account: 'a',
      region: 'r',
      type: 'component' as const,
      nameKey: 'c',
      versionKey: 'v',
      body: {},
      tags: {},
      policy: undefined,
      dateCreated: 1,
      dateUpdated: 1,
    };
    await store.insert({ ...base, arn: 'c/1', build: 1 }, []);
    await store.insert({ ...base, arn: 'c/2', build: 2 }, []);
    const latest = async () =>
      (
        await store.list({ account: 'a', region: 'r', type: 'component', latestBuildsOnly: true, limit: 10 })
      ).map((r) => r.record.arn);
    assert.deepEqual(await latest(), ['c/2']);
    await store.delete('c/2');
    assert.deepEqual(await latest(), ['c/1']);
  });

  it('records references and reports dependents', async () => {
    const base = {
      account: 'a',
      region: 'r',
      type: 'image-pipeline' as const,
      versionKey: '',
      build: 0,
      body: {},
      tags: {},
      policy: undefined,
      dateCreated: 1,
      dateUpdated: 1,
    };
    await store.insert({ ...base, arn: 'p/1', nameKey: 'p1' }, ['infra/x', 'infra/x', 'recipe/y']);
    assert.deepEqual(await store.dependentsOf('infra/x'), ['p/1']);
    await store.update('p/1', {}, ['recipe/y']);
    assert.deepEqual(await store.dependentsOf('infra/x'), []);
  });

  it('stores documents with compare-and-set status changes', async () => {
    await store.putDocument(doc('e1', 'QUEUED'));
    await store.putDocument(doc('e2', 'QUEUED'));
    await store.putDocument(doc('e3', 'DONE', 'image-2'));
    assert.equal(
      await store.updateDocument('execution', 'e1', { status: 'RUNNING', updatedAt: 2 }, ['QUEUED']),
      true,
    );
    assert.equal(
      await store.updateDocument('execution', 'e1', { status: 'RUNNING', updatedAt: 3 }, ['QUEUED']),
      false,
      'a second claim fails',
    );
    const queued = await store.listDocuments({ kind: 'execution', status: ['QUEUED'], limit: 10 });
    assert.deepEqual(
      queued.map((d) => d.id),
      ['e2'],
    );
    const ofImage = await store.listDocuments({
      kind: 'execution',
      parent: 'image-1',
      limit: 10,
      descending: true,
    });
    assert.deepEqual(
      ofImage.map((d) => d.id),
      ['e2', 'e1'],
    );
    await store.putDocument({ ...doc('e2', 'QUEUED'), body: { id: 'e2', more: true } });
    assert.deepEqual((await store.getDocument('execution', 'e2'))?.body, { id: 'e2', more: true });
    await store.deleteDocument('execution', 'e2');
    assert.equal(await store.getDocument('execution', 'e2'), undefined);
  });

  it('rolls a failed transaction back', async () => {
    await assert.rejects(
      store.transaction(async (tx) => {
        await tx.putDocument(doc('t1', 'QUEUED'));
        throw new Error('boom');
      }),
      /boom/,
    );
    assert.equal(await store.getDocument('execution', 't1'), undefined);
  });
});
