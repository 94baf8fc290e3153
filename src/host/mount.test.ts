import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, publishDir, removeTree, scratchRoot, writeFileAtomic } from './fs.js';
import { mountOverlay, mountsUnder, parseMountInfo, unmountTree } from './mount.js';
import { runProcess } from './process.js';

test('parses mountinfo lines, unescaping octal escapes', () => {
  const text = [
    '36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue',
    '40 36 0:50 / /tmp/with\\040space rw,relatime shared:5 - overlay overlay rw,lowerdir=/a,upperdir=/u,workdir=/w',
    'garbage',
  ].join('\n');
  assert.deepEqual(parseMountInfo(text), [
    {
      mountPoint: '/mnt/parent',
      fsType: 'ext3',
      source: '/dev/root',
      options: 'rw,noatime,rw,errors=continue',
    },
    {
      mountPoint: '/tmp/with space',
      fsType: 'overlay',
      source: 'overlay',
      options: 'rw,relatime,rw,lowerdir=/a,upperdir=/u,workdir=/w',
    },
  ]);
});

test('scratch goes to tmpfs when memory allows, and to disk when asked for more than there is', () => {
  assert.equal(scratchRoot({ memory: true, minFreeBytes: 1 }).startsWith('/dev/shm/'), true);
  assert.equal(scratchRoot({ memory: true, minFreeBytes: 2 ** 60 }).startsWith('/dev/shm'), false);
});

test('publishDir renames once; writeFileAtomic replaces whole files', async () => {
  const dir = await makeTempDir('kiln-fs-test-');
  try {
    await mkdir(join(dir, 'a'));
    await writeFile(join(dir, 'a/x'), '1');
    await mkdir(join(dir, 'b'));
    await writeFile(join(dir, 'b/x'), '2');
    assert.equal(await publishDir(join(dir, 'a'), join(dir, 'final')), true);
    assert.equal(await publishDir(join(dir, 'b'), join(dir, 'final')), false);
    assert.equal(await readFile(join(dir, 'final/x'), 'utf8'), '1');
    await writeFileAtomic(join(dir, 'f'), 'old');
    await writeFileAtomic(join(dir, 'f'), 'new');
    assert.equal(await readFile(join(dir, 'f'), 'utf8'), 'new');
  } finally {
    await removeTree(dir);
  }
});

test('overlay mounts: changes land in upper, removeTree refuses a mounted tree, busy mounts detach lazily', async () => {
  const dir = await makeTempDir('kiln-mount-test-');
  const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((d) => join(dir, d)) as [
    string,
    string,
    string,
    string,
  ];
  for (const d of [lower, upper, work, merged]) await mkdir(d);
  await writeFile(join(lower, 'base'), 'lower');
  await mountOverlay({ lowerDirs: [lower], upperDir: upper, workDir: work, target: merged });
  const busy = new AbortController();
  let holder: Promise<unknown> | undefined;
  try {
    assert.deepEqual(mountsUnder(dir), [merged]);
    await writeFile(join(merged, 'new'), 'upper');
    assert.equal(existsSync(join(upper, 'new')), true);
    assert.equal(existsSync(join(lower, 'new')), false);
    await assert.rejects(removeTree(dir), /refusing to remove .*still mounted/);
    // A process whose cwd is inside the overlay keeps it busy.
    holder = runProcess(['sleep', '300'], { cwd: merged, signal: busy.signal });
    assert.deepEqual(await unmountTree(dir), [merged]);
    assert.deepEqual(mountsUnder(dir), []);
  } finally {
    busy.abort();
    await holder;
    await unmountTree(dir);
    await removeTree(dir);
  }
  assert.equal(existsSync(dir), false);
});
