import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { copyFile, copyFolder, moveFile, moveFolder, targetPath } from './fs-copy.js';
import { assertFailed, assertSuccess, launchTestInstance, type TestInstance } from './fs-test-support.js';

let t: TestInstance;

before(async () => {
  t = await launchTestInstance('fs-copy-test');
  await t.sh(
    [
      'mkdir -p /in/sub/deeper /in/other',
      'echo one > /in/a.conf && chmod 640 /in/a.conf',
      'echo two > /in/b.conf && echo txt > /in/c.txt',
      'echo s > /in/sub/s && echo d > /in/sub/deeper/d && chmod 700 /in/sub',
      'echo o > /in/other/o',
    ].join(' && '),
  );
});

after(() => t?.stop());

test('targetPath: trailing separator or wildcard = folder keeping the source name', () => {
  const cases: [string, string, boolean, string][] = [
    ['/in/a.conf', '/out/b.conf', false, '/out/b.conf'],
    ['/in/a.conf', '/out/', false, '/out/a.conf'],
    ['/in/a.conf', '/out\\', false, '/out/a.conf'],
    ['/in/a.conf', '/out', true, '/out/a.conf'],
    ['/in/a.conf', '/', false, '/a.conf'],
  ];
  for (const [source, destination, wildcard, want] of cases) {
    assert.equal(targetPath(source, destination, wildcard), want, `${source} -> ${destination}`);
  }
});

test('CopyFile: to a file, into a folder (/), with wildcards; parents created; modes kept', async () => {
  assertSuccess(
    await t.run(copyFile, [
      { source: '/in/a.conf', destination: '/out1/renamed.conf' },
      { source: '/in/a.conf', destination: '/out2/nested/' },
      { source: '/in/*.conf', destination: '/out3/' },
    ]),
  );
  assert.equal(await t.sh('cat /out1/renamed.conf /out2/nested/a.conf'), 'one\none\n');
  assert.equal(await t.stat('/out1/renamed.conf'), '640 root root regular file');
  assert.equal(await t.sh('ls /out3'), 'a.conf\nb.conf\n');
  assert.equal(await t.sh('cat /in/a.conf'), 'one\n');
});

test('CopyFile: overwrite by default, overwrite=false errors, missing sources and folders error', async () => {
  await t.sh('mkdir -p /out4 && echo old > /out4/a.conf');
  assertSuccess(await t.run(copyFile, [{ source: '/in/a.conf', destination: '/out4/' }]));
  assert.equal(await t.sh('cat /out4/a.conf'), 'one\n');
  assertFailed(
    await t.run(copyFile, [{ source: '/in/b.conf', destination: '/out4/a.conf', overwrite: false }]),
    /^inputs\[0\]\.destination: \/out4\/a\.conf already exists and overwrite is false$/,
  );
  assertFailed(
    await t.run(copyFile, [{ source: '/in/nope', destination: '/out4/' }]),
    /^inputs\[0\]\.source: \/in\/nope does not exist$/,
  );
  assertFailed(
    await t.run(copyFile, [{ source: '/in/*.none', destination: '/out4/' }]),
    /^inputs\[0\]\.source: no file matches \/in\/\*\.none$/,
  );
  assertFailed(
    await t.run(copyFile, [{ source: '/in/sub', destination: '/out4/' }]),
    /is a folder; use CopyFolder/,
  );
  assertFailed(
    await t.run(copyFile, [{ source: '/in/a.conf', destination: '/out4' }]),
    /^inputs\[0\]\.destination: \/out4 is a folder; end the destination with '\/'/,
  );
});

test('CopyFolder: new name, into a folder, wildcards, merge, overwrite=false', async () => {
  assertSuccess(
    await t.run(copyFolder, [
      { source: '/in/sub', destination: '/cf/copy' },
      { source: '/in/sub', destination: '/cf/into/' },
      { source: '/in/*', destination: '/cf/all' },
    ]),
  );
  assert.equal(await t.sh('cat /cf/copy/s /cf/copy/deeper/d /cf/into/sub/s'), 's\nd\ns\n');
  assert.equal(await t.stat('/cf/copy'), '700 root root directory');
  assert.equal(await t.sh('ls /cf/all'), 'other\nsub\n');
  await t.sh('mkdir -p /cf/merge && echo mine > /cf/merge/mine && echo old > /cf/merge/s');
  assertSuccess(await t.run(copyFolder, [{ source: '/in/sub', destination: '/cf/merge' }]));
  assert.equal(await t.sh('cat /cf/merge/mine /cf/merge/s'), 'mine\ns\n');
  assertFailed(
    await t.run(copyFolder, [{ source: '/in/sub', destination: '/cf/merge', overwrite: false }]),
    /^inputs\[0\]\.destination: \/cf\/merge already exists and overwrite is false$/,
  );
  assertFailed(
    await t.run(copyFolder, [{ source: '/in/a.conf', destination: '/cf/x' }]),
    /is not a folder; use CopyFile/,
  );
  assertFailed(
    await t.run(copyFolder, [{ source: '/in/sub', destination: '/in/sub/again' }]),
    /inside itself/,
  );
});

test('MoveFile and MoveFolder: rename, into folders, across /tmp, overwrite rules', async () => {
  await t.sh(
    'mkdir -p /mv && echo 1 > /mv/one && echo 2 > /mv/two.log && echo 3 > /mv/three.log && echo t > /tmp/fromtmp',
  );
  assertSuccess(
    await t.run(moveFile, [
      { source: '/mv/one', destination: '/mv/dest/uno' },
      { source: '/mv/*.log', destination: '/mv/logs/' },
      { source: '/tmp/fromtmp', destination: '/mv/dest/' },
    ]),
  );
  assert.equal(
    await t.sh('ls /mv /mv/dest /mv/logs; ls /tmp'),
    '/mv:\ndest\nlogs\n\n/mv/dest:\nfromtmp\nuno\n\n/mv/logs:\nthree.log\ntwo.log\n',
  );
  await t.sh('echo new > /mv/newer');
  assertFailed(
    await t.run(moveFile, [{ source: '/mv/newer', destination: '/mv/dest/uno', overwrite: false }]),
    /already exists and overwrite is false/,
  );
  assertSuccess(await t.run(moveFile, [{ source: '/mv/newer', destination: '/mv/dest/uno' }]));
  assert.equal(await t.sh('cat /mv/dest/uno; test ! -e /mv/newer && echo moved'), 'new\nmoved\n');

  await t.sh('mkdir -p /mf/a/inner /mf/b && echo x > /mf/a/inner/x && echo y > /mf/b/y');
  assertSuccess(
    await t.run(moveFolder, [
      { source: '/mf/a', destination: '/mf/moved/a2' },
      { source: '/mf/b', destination: '/mf/moved/' },
    ]),
  );
  assert.equal(await t.sh('cat /mf/moved/a2/inner/x /mf/moved/b/y; ls /mf'), 'x\ny\nmoved\n');
  await t.sh('mkdir -p /mf/c /mf/target && echo c > /mf/c/c && echo keep > /mf/target/keep');
  assertSuccess(await t.run(moveFolder, [{ source: '/mf/c', destination: '/mf/target' }]));
  assert.equal(await t.sh('ls /mf/target; test ! -e /mf/c && echo gone'), 'c\nkeep\ngone\n');
  assertFailed(
    await t.run(moveFolder, [{ source: '/mf/moved/b', destination: '/mf/target', overwrite: false }]),
    /^inputs\[0\]\.destination: \/mf\/target already exists and overwrite is false$/,
  );
});
