import assert from 'node:assert/strict';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BOOKWORM, sharedBookworm, sharedPackageCache, testCacheDir } from '../../../test/support/debian.js';
import { makeTempDir, removeTree } from '../../host/fs.js';
import { mountsUnder } from '../../host/mount.js';
import { HostCommandError } from '../../host/process.js';
import { debianParentKey, ensureDebianParent } from './debian.js';
import { mirrorState } from './mirror-state.js';

test(
  'builds bookworm minbase with merged /usr once, then serves it from the cache',
  { timeout: 600_000 },
  async () => {
    const shared = await sharedBookworm();
    const options = { ...BOOKWORM, packages: [...BOOKWORM.packages], cacheDir: testCacheDir() };
    const first = await ensureDebianParent(options);
    const second = await ensureDebianParent(options);
    assert.equal(first.rootDir, shared);
    assert.equal(second.cached, true);
    assert.equal(second.key, first.key);
    assert.match(second.mirrorState, /^[0-9a-f]{64}$/);
    assert.ok(existsSync(join(shared, 'etc/debian_version')));
    assert.ok(lstatSync(join(shared, 'bin')).isSymbolicLink(), '/bin -> usr/bin (merged-usr hook)');
    const status = readFileSync(join(shared, 'var/lib/dpkg/status'), 'utf8');
    assert.match(status, /^Package: usr-is-merged$/m);
    assert.doesNotMatch(status, /^Package: (usrmerge|perl)$/m, 'the hook keeps usrmerge and perl out');
    assert.deepEqual(
      readdirSync(join(shared, 'var/cache/apt/archives')).filter((f) => f.endsWith('.deb')),
      [],
    );
    // The tree's downloads stay in the shared package cache for every later build (nothing may
    // empty it: builds bind-mount it and the capture cleanup skips it).
    assert.ok(
      readdirSync(sharedPackageCache()).some((f) => f.endsWith('.deb')),
      'downloads stay in the package cache',
    );
  },
);

test('rejects suites and package names that cannot be Debian ones', async () => {
  const cacheDir = testCacheDir();
  await assert.rejects(ensureDebianParent({ suite: 'Bookworm; rm', cacheDir }), {
    name: 'InvalidParameterValueException',
    message: /'debian:Bookworm; rm' does not name a Debian suite/,
  });
  await assert.rejects(ensureDebianParent({ suite: 'bookworm', packages: ['--evil'], cacheDir }), {
    name: 'InvalidParameterValueException',
    message: /'--evil' is not a Debian package name/,
  });
});

test('uses the cached tree for the recipe when the mirror is unreachable, and fails without one', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'kiln-parent-'));
  try {
    const mirror = join(dir, 'mirror');
    await mkdir(join(mirror, 'dists/bookworm'), { recursive: true });
    await writeFile(join(mirror, 'dists/bookworm/InRelease'), 'state 1');
    const entries = [{ uri: pathToFileURL(mirror).href, suite: 'bookworm', components: ['main'] }];
    const options = { suite: 'bookworm', cacheDir: join(dir, 'cache'), sources: entries };
    // A tree "built" earlier for this recipe and mirror state (built trees are tested above).
    const key = debianParentKey({ suite: 'bookworm', packages: [], entries }, await mirrorState(entries));
    await mkdir(join(dir, 'cache/debian', key, 'rootfs'), { recursive: true });
    await writeFile(join(dir, 'cache/debian', key, 'meta.json'), JSON.stringify({ mirrorState: 'm1' }));
    const online = await ensureDebianParent(options);
    assert.deepEqual([online.key, online.cached], [key, true]);
    await rm(join(mirror, 'dists'), { recursive: true });
    const lines: string[] = [];
    const offline = await ensureDebianParent({ ...options, log: (l) => lines.push(l) });
    assert.deepEqual([offline.key, offline.cached, offline.rootDir], [key, true, online.rootDir]);
    assert.match(lines.join('\n'), /mirror unreachable/);
    await assert.rejects(ensureDebianParent({ ...options, packages: ['hello'] }), {
      name: 'ServiceException',
      message: /asking the mirror for the state of debian:bookworm: .*ENOENT/,
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test(
  'a cancelled build leaves no tree, no build directory and no mount behind',
  { timeout: 120_000 },
  async () => {
    const cacheDir = await makeTempDir('kiln-cancel-');
    try {
      const controller = new AbortController();
      const build = ensureDebianParent({
        suite: 'bookworm',
        packages: ['hello'],
        cacheDir,
        signal: controller.signal,
        // Cancel once mmdebstrap has mounted the package cache into the half-built tree.
        log: (line) => {
          if (line.includes('--setup-hook')) controller.abort(new Error('cancelled by test'));
        },
      });
      await assert.rejects(build, (err: unknown) => err instanceof HostCommandError && err.aborted);
      assert.deepEqual(
        readdirSync(join(cacheDir, 'debian')).filter((n) => !n.endsWith('.lock')),
        [],
      );
      assert.deepEqual(mountsUnder(cacheDir), []);
    } finally {
      await removeTree(cacheDir);
    }
  },
);
