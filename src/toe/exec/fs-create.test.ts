import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { appendFile, createFile, createFolder, createSymlink } from './fs-create.js';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('fs-create-test');
  await t.sh("echo 'app:x:4100:4200::/srv/app:/bin/sh' >> /etc/passwd && echo 'app:x:4200:' >> /etc/group");
});

after(() => t?.stop());

const hex = (path: string) => t.sh(`od -An -tx1 '${path}' | tr -d ' \\n'`);

test('CreateFile writes content, creates parents, defaults to 0644 root', async () => {
  assertSuccess(await t.run(createFile, [{ path: '/opt/new/deep/a.txt', content: 'line 1\nline 2\n' }]));
  assert.equal(await t.sh('cat /opt/new/deep/a.txt'), 'line 1\nline 2\n');
  assert.equal(await t.stat('/opt/new/deep/a.txt'), '644 root root regular file');
  assert.equal(await t.stat('/opt/new/deep'), '755 root root directory');
  assertSuccess(await t.run(createFile, [{ path: '/opt/new/empty' }]));
  assert.equal(await t.sh('wc -c < /opt/new/empty'), '0\n');
});

test('CreateFile runs items in order, with permissions as strings or YAML ints, owner and group', async () => {
  assertSuccess(
    await t.run(createFile, [
      { path: '/opt/p/a', content: 'a', permissions: '0750' },
      { path: '/opt/p/b', content: 'b', permissions: 755 },
      { path: '/opt/p/c', content: 'c', owner: 'app' },
      { path: '/opt/p/d', content: 'd', owner: 'app', group: 'daemon', permissions: '600' },
      { path: '/opt/p/a', content: 'second write wins' },
    ]),
  );
  assert.equal(await t.stat('/opt/p/a'), '750 root root regular file');
  assert.equal(await t.sh('cat /opt/p/a'), 'second write wins');
  assert.equal(await t.stat('/opt/p/b'), '755 root root regular file');
  assert.equal(await t.stat('/opt/p/c'), '644 app app regular file');
  assert.equal(await t.stat('/opt/p/d'), '600 app daemon regular file');
});

test('CreateFile encodes: utf16/utf32 little-endian by default, -BE variants, case-insensitive', async () => {
  const cases: [string, string][] = [
    ['utf8', '68c3a9'],
    ['UTF-16', '6800e900'],
    ['utf16-BE', '006800e9'],
    ['utf-32', '68000000e9000000'],
    ['UTF32-be', '00000068000000e9'],
  ];
  for (const [encoding, bytes] of cases) {
    assertSuccess(await t.run(createFile, [{ path: '/opt/enc', content: 'hé', encoding }]));
    assert.equal(await hex('/opt/enc'), bytes, encoding);
  }
});

test('CreateFile failures name the item and field', async () => {
  await t.sh('mkdir -p /opt/f && echo keep > /opt/f/exists');
  assertFailed(
    await t.run(createFile, [
      { path: '/opt/f/ok', content: 'x' },
      { path: '/opt/f/exists', content: 'y', overwrite: false },
    ]),
    /^inputs\[1\]\.path: \/opt\/f\/exists already exists and overwrite is false$/,
  );
  assert.equal(await t.sh('cat /opt/f/exists /opt/f/ok'), 'keep\nx');
  assertFailed(await t.run(createFile, [{ path: '/opt/f' }]), /^inputs\[0\]\.path: \/opt\/f is a folder/);
  assertFailed(
    await t.run(createFile, [{ path: '/opt/f/u', owner: 'nobody-here' }]),
    /^inputs\[0\]\.owner: user 'nobody-here' does not exist/,
  );
  assertFailed(
    await t.run(createFile, [{ path: '/opt/f/g', owner: 'app', group: 'nogroup-here' }]),
    /^inputs\[0\]\.group: group 'nogroup-here' does not exist/,
  );
  assertFailed(
    await t.run(createFile, [{ path: '/opt/f/p', permissions: '0999' }]),
    /^inputs\[0\]\.permissions:/,
  );
  assertFailed(
    await t.run(createFile, [{ path: '/opt/f/e', encoding: 'latin1' }]),
    /^inputs\[0\]\.encoding:/,
  );
  assertFailed(
    await t.run(createFile, [{ path: '/opt/f/o', overwrite: 'maybe' }]),
    /^inputs\[0\]\.overwrite:/,
  );
});

test('CreateFile to /tmp is seen by commands of the instance', async () => {
  assertSuccess(await t.run(createFile, [{ path: '/tmp/kiln-script.sh', content: 'echo from tmp\n' }]));
  assert.equal(await t.sh('bash /tmp/kiln-script.sh'), 'from tmp\n');
});

test('CreateFolder: recursive, permissions, owner, overwrite', async () => {
  assertSuccess(
    await t.run(createFolder, [
      { path: '/srv/x/y/z' },
      { path: '/srv/m', permissions: '0700', owner: 'app' },
      { path: '/srv/x/y/z', permissions: 775 },
    ]),
  );
  assert.equal(await t.stat('/srv/x/y'), '755 root root directory');
  assert.equal(await t.stat('/srv/x/y/z'), '775 root root directory');
  assert.equal(await t.stat('/srv/m'), '700 app app directory');
  assertFailed(
    await t.run(createFolder, [{ path: '/srv/m', overwrite: false }]),
    /^inputs\[0\]\.path: \/srv\/m already exists and overwrite is false$/,
  );
  await t.sh('touch /srv/file');
  assertFailed(
    await t.run(createFolder, [{ path: '/srv/file' }]),
    /^inputs\[0\]\.path: \/srv\/file exists and is not a folder/,
  );
  assertFailed(await t.run(createFolder, [{ path: '/srv/file/sub' }]), /^inputs\[0\]\.path: .*not a folder/);
});

test('AppendFile appends encoded content to an existing file only', async () => {
  await t.sh('printf "start" > /opt/app.log');
  assertSuccess(
    await t.run(appendFile, [
      { path: '/opt/app.log', content: '-one' },
      { path: '/opt/app.log' },
      { path: '/opt/app.log', content: 'é', encoding: 'utf-16-be' },
    ]),
  );
  assert.equal(await hex('/opt/app.log'), `${Buffer.from('start-one').toString('hex')}00e9`);
  assertFailed(
    await t.run(appendFile, [{ path: '/opt/missing.log', content: 'x' }]),
    /^inputs\[0\]\.path: \/opt\/missing\.log does not exist$/,
  );
});

test('CreateSymlink: target must exist, links need force, other files are never replaced', async () => {
  await t.sh('mkdir -p /opt/ln && echo v1 > /opt/ln/v1 && echo v2 > /opt/ln/v2 && touch /opt/ln/plain');
  assertSuccess(
    await t.run(createSymlink, [
      { path: '/opt/ln/current', target: '/opt/ln/v1' },
      { path: '/opt/ln/rel', target: 'v2' },
    ]),
  );
  assert.equal(
    await t.sh('readlink /opt/ln/current; cat /opt/ln/current /opt/ln/rel'),
    '/opt/ln/v1\nv1\nv2\n',
  );
  assertFailed(
    await t.run(createSymlink, [{ path: '/opt/ln/current', target: '/opt/ln/v2' }]),
    /^inputs\[0\]\.path: .*already a symbolic link; set force: true/,
  );
  assertSuccess(await t.run(createSymlink, [{ path: '/opt/ln/current', target: '/opt/ln/v2', force: true }]));
  assert.equal(await t.sh('cat /opt/ln/current'), 'v2\n');
  assertFailed(
    await t.run(createSymlink, [{ path: '/opt/ln/plain', target: '/opt/ln/v1', force: true }]),
    /^inputs\[0\]\.path: \/opt\/ln\/plain already exists and is not a symbolic link$/,
  );
  assertFailed(
    await t.run(createSymlink, [{ path: '/opt/ln/dangling', target: '/opt/ln/nope' }]),
    /^inputs\[0\]\.target: \/opt\/ln\/nope does not exist$/,
  );
});
