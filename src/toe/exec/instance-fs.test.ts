import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { copyFile } from './fs-copy.js';
import { createFile } from './fs-create.js';
import { InstanceFsError } from './fs-errors.js';
import { assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('instance-fs-test');
  await t.sh(
    [
      "echo 'kilnuser:x:4242:4343::/home/kilnuser:/bin/sh' >> /etc/passwd",
      "echo 'kilngrp:x:4343:' >> /etc/group",
      "echo 'kilnother:x:4444:' >> /etc/group",
    ].join('\n'),
  );
});

after(() => t?.stop());

async function code(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'ok';
  } catch (err) {
    assert.ok(err instanceof InstanceFsError, String(err));
    return err.code;
  }
}

const hostHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('writes, reads and stats files the instance sees, with exact modes', async () => {
  await t.fs.mkdir('/opt/kiln/a/b');
  await t.fs.writeFile('/opt/kiln/a/b/f.txt', 'hello\n');
  assert.equal(await t.sh('cat /opt/kiln/a/b/f.txt'), 'hello\n');
  assert.equal(await t.stat('/opt/kiln/a/b/f.txt'), '644 root root regular file');
  assert.equal(await t.stat('/opt/kiln/a'), '755 root root directory');
  await t.fs.writeFile('/opt/kiln/a/b/f.txt', 'again', { mode: 0o600 });
  assert.equal(await t.stat('/opt/kiln/a/b/f.txt'), '600 root root regular file');
  await t.fs.appendFile('/opt/kiln/a/b/f.txt', '+more');
  assert.equal((await t.fs.readFile('/opt/kiln/a/b/f.txt')).toString(), 'again+more');
  assert.deepEqual(await t.fs.stat('/opt/kiln/a/b/f.txt'), {
    type: 'file',
    mode: 0o600,
    size: 10,
    uid: 0,
    gid: 0,
  });
  assert.equal(await t.fs.stat('/opt/kiln/none'), undefined);
  assert.equal(await code(t.fs.appendFile('/opt/kiln/none', 'x')), 'ENOENT');
  assert.equal(await code(t.fs.writeFile('/opt/kiln/no/parent', 'x')), 'ENOENT');
  assert.equal(await code(t.fs.writeFile('/opt/kiln/a', 'x')), 'EISDIR');
  assert.equal(await code(t.fs.mkdir('/opt/kiln/a/b/f.txt/sub')), 'ENOTDIR');
});

test('/tmp and /run are the instance private ones, also through /var/lock -> /run/lock', async () => {
  await t.fs.writeFile('/tmp/from-fs', 'fs side');
  assert.equal(await t.sh('cat /tmp/from-fs'), 'fs side');
  await t.sh('echo exec side > /tmp/from-exec');
  assert.equal((await t.fs.readFile('/tmp/from-exec')).toString(), 'exec side\n');
  await t.fs.writeFile('/var/lock/kiln-lock', 'locked');
  assert.equal(await t.sh('cat /run/lock/kiln-lock'), 'locked');
  assert.equal(existsSync(`${t.instance.rootDir}/tmp/from-fs`), false);
  await t.fs.rename('/tmp/from-fs', '/opt/kiln/moved-from-tmp');
  assert.equal(
    await t.sh('cat /opt/kiln/moved-from-tmp; test ! -e /tmp/from-fs && echo gone'),
    'fs sidegone\n',
  );
  assert.equal(await code(t.fs.rm('/tmp', { recursive: true })), 'EINVAL');
  assert.equal(await code(t.fs.readFile('/proc/self/status')), 'EUNREACHABLE');
});

test('links never lead to host files: /etc/shadow and ../../.. stay inside the instance', async () => {
  const marker = `kiln-escape-${randomBytes(4).toString('hex')}`;
  const shadowBefore = hostHash('/etc/shadow');
  await t.sh(
    `ln -s /etc/shadow /opt/evil && ln -s ../../../../../../../.. /opt/up && echo secret > /etc/${marker}`,
  );
  const created = await t.run(createFile, [
    { path: '/opt/evil', content: 'pwned' },
    { path: `/opt/up/${marker}`, content: 'rooted' },
    { path: `/../../../../${marker}-2`, content: 'dotdot' },
  ]);
  assertSuccess(created);
  assert.equal(hostHash('/etc/shadow'), shadowBefore);
  assert.equal(await t.sh('cat /etc/shadow'), 'pwned');
  assert.equal(existsSync(`/${marker}`), false);
  assert.equal(existsSync(`/${marker}-2`), false);
  assert.equal(await t.sh(`cat /${marker} /${marker}-2`), 'rooteddotdot');
  // Copying out through a link reads the instance's file, and copying onto one writes the instance's.
  assertSuccess(
    await t.run(copyFile, [
      { source: `/opt/up/etc/${marker}`, destination: '/opt/copied' },
      { source: '/opt/copied', destination: '/opt/evil' },
    ]),
  );
  assert.equal(await t.sh('cat /opt/copied /etc/shadow'), 'secret\nsecret\n');
  assert.equal(hostHash('/etc/shadow'), shadowBefore);
});

test('chown uses the instance accounts; chmod and chown -R leave link targets alone', async () => {
  await t.fs.mkdir('/srv/tree/sub');
  await t.fs.writeFile('/srv/tree/sub/f', 'x');
  await t.fs.symlink('/etc', '/srv/tree/etc-link');
  await t.fs.chown('/srv/tree', { user: 'kilnuser' }, { recursive: true });
  assert.equal(await t.stat('/srv/tree/sub/f'), '644 kilnuser kilngrp regular file');
  assert.equal(await t.stat('/etc'), '755 root root directory');
  assert.equal(
    (await t.sh("stat -c '%U' /srv/tree/etc-link -L; stat -c '%U' /srv/tree/etc-link")).trim(),
    'root\nkilnuser',
  );
  await t.fs.chown('/srv/tree/sub/f', { group: 'kilnother' });
  assert.equal(await t.stat('/srv/tree/sub/f'), '644 kilnuser kilnother regular file');
  await t.fs.chmod('/srv/tree', 0o700, { recursive: true });
  assert.equal(await t.stat('/srv/tree/sub/f'), '700 kilnuser kilnother regular file');
  assert.equal(await t.stat('/etc'), '755 root root directory');
  assert.equal(await code(t.fs.chown('/srv/tree', { user: 'nosuchuser' })), 'ENOACCOUNT');
});

test('copy keeps modes and links, merges folders; rename, rm, glob, readlink', async () => {
  await t.sh('mkdir -p /src/d/inner && echo a > /src/d/a && chmod 751 /src/d/a && ln -s a /src/d/link');
  await t.sh(
    'chmod 700 /src/d/inner && echo old > /src/d/inner/z && mkdir -p /dst/d && echo keep > /dst/d/keep',
  );
  await t.fs.copy('/src/d', '/dst/d');
  assert.equal(await t.stat('/dst/d/a'), '751 root root regular file');
  assert.equal(await t.stat('/dst/d/inner'), '700 root root directory');
  assert.equal(await t.fs.readlink('/dst/d/link'), 'a');
  assert.equal(await t.sh('cat /dst/d/keep /dst/d/link'), 'keep\na\n');
  assert.equal(await code(t.fs.copy('/src/d', '/src/d/inner/again')), 'EINVAL');
  assert.deepEqual(await t.fs.glob('/dst/d/*'), ['/dst/d/a', '/dst/d/inner', '/dst/d/keep', '/dst/d/link']);
  assert.deepEqual(await t.fs.glob('/dst/d/?'), ['/dst/d/a']);
  await t.fs.rename('/dst/d/keep', '/dst/kept');
  assert.equal(await code(t.fs.rmdir('/dst/d')), 'ENOTEMPTY');
  assert.equal(await code(t.fs.rm('/dst/d')), 'EISDIR');
  await t.fs.rm('/dst/d', { recursive: true });
  assert.equal(await t.sh('ls /dst; cat /src/d/a'), 'kept\na\n');
  assert.equal(await code(t.fs.symlink('x', '/dst/kept')), 'EEXIST');
});
