import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { makeTempDir, removeTree } from '../host/fs.js';
import { runProcess } from '../host/process.js';
import { DirectoryBlobStore, parseDigest, sha256Digest } from './blob-store.js';

let dir: string;
before(async () => {
  dir = await makeTempDir('blob-store-test-');
});
after(() => removeTree(dir));

test('put stores content under its sha256, once', async () => {
  const store = new DirectoryBlobStore(join(dir, 'a'));
  const first = await store.put(Buffer.from('hello'));
  assert.equal(first.digest, sha256Digest('hello'));
  assert.deepEqual([first.size, first.created], [5, true]);
  const again = await store.put(Readable.from([Buffer.from('hel'), Buffer.from('lo')]));
  assert.deepEqual([again.digest, again.created], [first.digest, false]);
  assert.equal(await store.has(first.digest), true);
  assert.deepEqual(await store.stat(first.digest), { digest: first.digest, size: 5 });
  assert.equal(await readFile(store.localPath(first.digest), 'utf8'), 'hello');
  assert.deepEqual(await store.list(), [first.digest]);
  let text = '';
  for await (const chunk of await store.open(first.digest)) text += chunk;
  assert.equal(text, 'hello');
  await store.delete(first.digest);
  assert.equal(await store.has(first.digest), false);
  await assert.rejects(store.open(first.digest), { code: 'ENOENT' });
});

test('a failed, mismatched or aborted put leaves no blob', async () => {
  const store = new DirectoryBlobStore(join(dir, 'b'));
  const failing = new Readable({
    read() {
      this.push(Buffer.alloc(1024));
      this.destroy(new Error('source broke'));
    },
  });
  await assert.rejects(store.put(failing), /source broke/);
  await assert.rejects(store.put(Buffer.from('x'), { expectedDigest: sha256Digest('y') }), /expected/);
  const controller = new AbortController();
  const endless = new Readable({
    read() {
      this.push(Buffer.alloc(65536));
      controller.abort();
    },
  });
  await assert.rejects(store.put(endless, { signal: controller.signal }), { name: 'AbortError' });
  assert.deepEqual(await store.list(), []);
  assert.deepEqual(await readdir(join(dir, 'b', 'blobs', '.tmp')), []);
});

test('a writer killed mid-blob leaves only a hidden temp file, which sweep removes', async () => {
  const root = join(dir, 'c');
  const writer = fileURLToPath(new URL('./blob-store.writer.fixture.ts', import.meta.url));
  const controller = new AbortController();
  const tmp = join(root, 'blobs', '.tmp');
  const running = runProcess([process.execPath, '--import', 'tsx', writer, root], {
    signal: controller.signal,
    killGraceMs: 0,
  });
  // wait until the writer has written part of its blob, then kill it
  for (let i = 0; i < 400; i++) {
    const names = existsSync(tmp) ? await readdir(tmp) : [];
    if (names.length > 0 && (await stat(join(tmp, names[0]!))).size > 0) break;
    await new Promise((r) => setTimeout(r, 25));
  }
  controller.abort();
  const result = await running;
  assert.equal(result.aborted, true, result.stderr);
  const store = new DirectoryBlobStore(root);
  assert.deepEqual(await store.list(), []);
  assert.equal(await store.sweep(), 1);
  assert.deepEqual(await readdir(tmp), []);
});

test('parseDigest accepts only sha256 digests', () => {
  assert.equal(parseDigest(`sha256:${'a'.repeat(64)}`), `sha256:${'a'.repeat(64)}`);
  for (const bad of ['sha256:abc', `sha512:${'a'.repeat(64)}`, `sha256:${'A'.repeat(64)}`, '']) {
    assert.throws(() => parseDigest(bad), /not a sha256 digest/);
  }
});
