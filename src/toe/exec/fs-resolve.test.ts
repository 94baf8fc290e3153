import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { InstanceFsError } from './fs-errors.js';
import { PathResolver } from './fs-resolve.js';

// A fake instance: <base>/root is its `/`, <base>/tmp its /scratch mount, <base>/outside stands for the host.
let base: string;
let resolver: PathResolver;

before(async () => {
  base = await mkdtemp(join(tmpdir(), 'kiln-resolve-'));
  const root = join(base, 'root');
  for (const d of ['root/etc', 'root/opt/app', 'root/var', 'root/scratch', 'tmp/sub', 'outside']) {
    await mkdir(join(base, d), { recursive: true });
  }
  await writeFile(join(base, 'outside/secret'), 'host');
  await writeFile(join(root, 'etc/shadow'), 'instance');
  await symlink('/etc/shadow', join(root, 'opt/abs-link'));
  await symlink('../../../../../../..', join(root, 'opt/up'));
  await symlink(join(base, 'outside'), join(root, 'opt/host-abs'));
  await symlink('app', join(root, 'opt/rel'));
  await symlink('/scratch/sub', join(root, 'var/into-tmp'));
  await symlink('loop2', join(root, 'opt/loop1'));
  await symlink('loop1', join(root, 'opt/loop2'));
  await writeFile(join(root, 'opt/file'), '');
  resolver = new PathResolver(
    [
      { path: '/', hostDir: root },
      { path: '/scratch', hostDir: join(base, 'tmp') },
      { path: '/proc', hostDir: undefined },
    ],
    '/opt',
  );
});

after(() => rm(base, { recursive: true, force: true }));

const cases = (): { name: string; path: string; follow: boolean; path2: string; host: string }[] => [
  { name: 'plain file', path: '/etc/shadow', follow: true, path2: '/etc/shadow', host: 'root/etc/shadow' },
  {
    name: 'absolute link re-rooted',
    path: '/opt/abs-link',
    follow: true,
    path2: '/etc/shadow',
    host: 'root/etc/shadow',
  },
  {
    name: 'last link not followed',
    path: '/opt/abs-link',
    follow: false,
    path2: '/opt/abs-link',
    host: 'root/opt/abs-link',
  },
  {
    name: '.. link stops at the root',
    path: '/opt/up/etc/shadow',
    follow: true,
    path2: '/etc/shadow',
    host: 'root/etc/shadow',
  },
  {
    name: '.. in the path stops at the root',
    path: '/../../../etc/shadow',
    follow: true,
    path2: '/etc/shadow',
    host: 'root/etc/shadow',
  },
  // The host path written into the link means nothing inside the instance: it is missing there.
  {
    name: 'host path in a link',
    path: '/opt/host-abs/secret',
    follow: true,
    path2: `${base}/outside/secret`,
    host: `root${base}/outside/secret`,
  },
  { name: 'relative link', path: 'rel/x', follow: true, path2: '/opt/app/x', host: 'root/opt/app/x' },
  {
    name: 'link into a mount',
    path: '/var/into-tmp/f',
    follow: true,
    path2: '/scratch/sub/f',
    host: 'tmp/sub/f',
  },
  { name: 'the mount point itself', path: '/scratch', follow: true, path2: '/scratch', host: 'tmp' },
  { name: 'root', path: '/', follow: true, path2: '/', host: 'root' },
  {
    name: 'missing tail',
    path: '/opt/new/a/b',
    follow: true,
    path2: '/opt/new/a/b',
    host: 'root/opt/new/a/b',
  },
];

test('resolves paths inside the instance root, whatever links and .. say', async () => {
  for (const c of cases()) {
    const got = await resolver.resolve(c.path, c.follow);
    assert.equal(got.path, c.path2.replace(/\/$/, '') || '/', c.name);
    assert.equal(got.host, join(base, c.host), c.name);
  }
});

test('reports the kernel errors: loops, a file on the way, .. after a missing part, /proc', async () => {
  const code = async (path: string) => {
    try {
      await resolver.resolve(path, true);
      return 'ok';
    } catch (err) {
      assert.ok(err instanceof InstanceFsError, String(err));
      return err.code;
    }
  };
  assert.equal(await code('/opt/loop1'), 'ELOOP');
  assert.equal(await code('/opt/file/x'), 'ENOTDIR');
  assert.equal(await code('/opt/missing/../../etc'), 'ENOENT');
  assert.equal(await code('/proc/self/status'), 'EUNREACHABLE');
  assert.equal(resolver.isMountPoint('/scratch'), true);
  assert.equal(resolver.isMountPoint('/opt'), false);
});
