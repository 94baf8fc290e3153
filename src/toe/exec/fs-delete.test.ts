import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { deleteFile, deleteFolder, listFiles } from './fs-delete.js';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('fs-delete-test');
});

after(() => t?.stop());

test('DeleteFile: one file, wildcards (folders spared), links not followed', async () => {
  await t.sh(
    'mkdir -p /d/keep.log && touch /d/a.log /d/b.log /d/c.txt /d/target && ln -s /d/target /d/link && ln -s /etc /d/etc.log',
  );
  assertSuccess(
    await t.run(deleteFile, [
      { path: '/d/c.txt' },
      { path: '/d/*.log' },
      { path: '/d/link' },
      { path: '/d/*.none' },
    ]),
  );
  assert.equal(await t.sh('ls /d; test -d /etc && echo etc-intact'), 'keep.log\ntarget\netc-intact\n');
  assertFailed(
    await t.run(deleteFile, [{ path: '/d/c.txt' }]),
    /^inputs\[0\]\.path: \/d\/c\.txt does not exist$/,
  );
  assertFailed(
    await t.run(deleteFile, [{ path: '/d/keep.log' }]),
    /^inputs\[0\]\.path: \/d\/keep\.log is a folder; use DeleteFolder$/,
  );
  assertFailed(
    await t.run(deleteFile, [{ path: '/nowhere/*.log' }]),
    /^inputs\[0\]\.path: \/nowhere does not exist$/,
  );
});

test('DeleteFolder: empty, non-empty needs force, files and links refused', async () => {
  await t.sh('mkdir -p /df/empty /df/full/sub && touch /df/full/sub/f /df/file && ln -s /df/full /df/link');
  assertSuccess(await t.run(deleteFolder, [{ path: '/df/empty' }]));
  assertFailed(
    await t.run(deleteFolder, [{ path: '/df/full' }]),
    /^inputs\[0\]\.path: \/df\/full is not empty; set force: true/,
  );
  assertFailed(await t.run(deleteFolder, [{ path: '/df/file' }]), /is not a folder; use DeleteFile/);
  assertFailed(await t.run(deleteFolder, [{ path: '/df/link' }]), /is a symbolic link, not a folder/);
  assertFailed(
    await t.run(deleteFolder, [{ path: '/df/none' }]),
    /^inputs\[0\]\.path: \/df\/none does not exist$/,
  );
  assertSuccess(await t.run(deleteFolder, [{ path: '/df/full', force: true }]));
  assert.equal(await t.sh('ls /df'), 'file\nlink\n');
});

test('ListFiles: comma-joined paths, fileNamePattern, recursive, errors', async () => {
  await t.sh(
    'mkdir -p /lf/sub/deep /lf/dir.txt && touch /lf/a.txt /lf/b.log /lf/sub/c.txt /lf/sub/deep/d.txt',
  );
  await t.sh('ln -s /lf/a.txt /lf/link.txt && ln -s /lf/sub /lf/sublink');
  assert.deepEqual(assertSuccess(await t.run(listFiles, [{ path: '/lf' }])), {
    files: '/lf/a.txt,/lf/b.log,/lf/link.txt',
  });
  assert.deepEqual(
    assertSuccess(await t.run(listFiles, [{ path: '/lf/', fileNamePattern: '*.txt', recursive: true }])),
    {
      files: '/lf/a.txt,/lf/link.txt,/lf/sub/c.txt,/lf/sub/deep/d.txt',
    },
  );
  assert.deepEqual(
    assertSuccess(
      await t.run(listFiles, [{ path: '/lf/sub', fileNamePattern: 'c*' }, { path: '/lf/sub/deep' }]),
    ),
    { files: '/lf/sub/c.txt,/lf/sub/deep/d.txt' },
  );
  assert.deepEqual(
    assertSuccess(await t.run(listFiles, [{ path: '/lf/sub/deep', fileNamePattern: '*.none' }])),
    {
      files: '',
    },
  );
  assertFailed(
    await t.run(listFiles, [{ path: '/lf/none' }]),
    /^inputs\[0\]\.path: \/lf\/none does not exist$/,
  );
  assertFailed(
    await t.run(listFiles, [{ path: '/lf/a.txt' }]),
    /^inputs\[0\]\.path: \/lf\/a\.txt is not a folder$/,
  );
});
