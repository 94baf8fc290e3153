import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { mirrorState } from './mirror-state.js';

test('mirror state changes exactly when an InRelease file changes', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-mirror-'));
  try {
    const uri = pathToFileURL(dir).href;
    const release = async (suite: string, text: string) => {
      await mkdir(join(dir, 'dists', suite), { recursive: true });
      await writeFile(join(dir, 'dists', suite, 'InRelease'), text);
    };
    const entries = [
      { uri, suite: 'bookworm', components: ['main'] },
      { uri, suite: 'bookworm-updates', components: ['main'] },
    ];
    await release('bookworm', 'one');
    await release('bookworm-updates', 'two');
    const first = await mirrorState(entries);
    assert.match(first, /^[0-9a-f]{64}$/);
    assert.equal(await mirrorState([...entries].reverse()), first, 'order does not matter');
    await release('bookworm-updates', 'three');
    const second = await mirrorState(entries);
    assert.notEqual(second, first);
    await release('bookworm-updates', 'two');
    assert.equal(await mirrorState(entries), first);
    await assert.rejects(mirrorState([{ uri, suite: 'sid', components: ['main'] }]), /ENOENT/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
