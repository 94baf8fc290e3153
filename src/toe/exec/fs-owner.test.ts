import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setFileOwner, setFilePermissions, setFolderOwner, setFolderPermissions } from './fs-owner.js';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('fs-owner-test');
  // Accounts only the instance has: the host's /etc/passwd must not be what resolves them.
  await t.sh(
    "echo 'builder:x:5100:5200::/home/builder:/bin/sh' >> /etc/passwd && echo 'builders:x:5200:' >> /etc/group && echo 'web:x:5300:' >> /etc/group",
  );
  await t.sh('mkdir -p /o/tree/sub && for f in /o/f /o/tree/t /o/tree/sub/s; do echo x > $f; done');
});

after(() => t?.stop());

test('SetFileOwner: group defaults to the owner primary group; names from the instance', async () => {
  assertSuccess(await t.run(setFileOwner, [{ path: '/o/f', owner: 'builder' }]));
  assert.equal(await t.stat('/o/f'), '644 builder builders regular file');
  assertSuccess(await t.run(setFileOwner, [{ path: '/o/f', owner: 'builder', group: 'web' }]));
  assert.equal(await t.stat('/o/f'), '644 builder web regular file');
  assertFailed(
    await t.run(setFileOwner, [{ path: '/o/f', owner: 'ghost' }]),
    /^inputs\[0\]\.owner: user 'ghost' does not exist/,
  );
  assertFailed(
    await t.run(setFileOwner, [{ path: '/o/f', owner: 'builder', group: 'ghosts' }]),
    /^inputs\[0\]\.group: group 'ghosts' does not exist/,
  );
  assertFailed(
    await t.run(setFileOwner, [{ path: '/o/none', owner: 'builder' }]),
    /^inputs\[0\]\.path: \/o\/none does not exist$/,
  );
});

test('SetFolderOwner: recursive by default, recursive: false only the folder', async () => {
  assertSuccess(await t.run(setFolderOwner, [{ path: '/o/tree', owner: 'builder' }]));
  assert.equal(await t.stat('/o/tree/sub/s'), '644 builder builders regular file');
  assertSuccess(
    await t.run(setFolderOwner, [{ path: '/o/tree', owner: 'root', group: 'web', recursive: false }]),
  );
  assert.equal(await t.stat('/o/tree'), '755 root web directory');
  assert.equal(await t.stat('/o/tree/t'), '644 builder builders regular file');
  assertFailed(
    await t.run(setFolderOwner, [{ path: '/o/f', owner: 'root' }]),
    /^inputs\[0\]\.path: \/o\/f is not a folder$/,
  );
});

test('SetFilePermissions and SetFolderPermissions: octal strings or ints, recursive default', async () => {
  assertSuccess(
    await t.run(setFilePermissions, [
      { path: '/o/f', permissions: '0600' },
      { path: '/o/tree/t', permissions: 755 },
    ]),
  );
  assert.equal(await t.stat('/o/f'), '600 builder web regular file');
  assert.equal(await t.stat('/o/tree/t'), '755 builder builders regular file');
  assertSuccess(await t.run(setFolderPermissions, [{ path: '/o/tree', permissions: '0750' }]));
  assert.equal(await t.stat('/o/tree/sub/s'), '750 builder builders regular file');
  assertSuccess(
    await t.run(setFolderPermissions, [{ path: '/o/tree', permissions: '2775', recursive: false }]),
  );
  assert.equal(await t.stat('/o/tree'), '2775 root web directory');
  assert.equal(await t.stat('/o/tree/sub'), '750 builder builders directory');
  assertFailed(
    await t.run(setFilePermissions, [{ path: '/o/f', permissions: 'rwx' }]),
    /^inputs\[0\]\.permissions: must be octal/,
  );
  assertFailed(await t.run(setFolderPermissions, [{ path: '/o/f', permissions: '0700' }]), /is not a folder/);
});
