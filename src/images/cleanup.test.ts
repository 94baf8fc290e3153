import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ListedPath, listingScript, parseListing, planCleanup } from './cleanup.js';

const f = (path: string): ListedPath => ({ path, type: 'f' });
const d = (path: string): ListedPath => ({ path, type: 'd' });
const tree: ListedPath[] = [
  f('/etc/hostname'),
  f('/etc/ssh/ssh_host_ed25519_key'),
  f('/etc/ssh/ssh_host_ed25519_key.pub'),
  f('/etc/ssh/sshd_config'),
  f('/root/.ssh/authorized_keys'),
  f('/home/admin/.ssh/authorized_keys'),
  d('/var/lib/cloud/instance'),
  f('/var/log/cloud-init.log'),
  f('/var/log/dpkg.log'),
  d('/var/log/amazon/ssm'),
  f('/var/log/amazon/ssm/agent.log'),
  f('/var/log/journal/abc/system.journal'),
  d('/var/log/journal/abc'),
  f('/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease'),
  f('/var/lib/apt/lists/lock'),
  d('/var/lib/apt/lists/partial'),
  f('/var/cache/apt/pkgcache.bin'),
  f('/var/cache/apt/archives/nginx.deb'),
  f('/var/tmp/build.tmp'),
  d('/tmp/TOE_2024-01-01_00-00-00_UTC-0_abc'),
];

test('planCleanup removes what Image Builder removes, truncates logs and empties machine-id', () => {
  const plan = planCleanup(tree);
  assert.deepEqual(plan.remove, [
    '/etc/hostname',
    '/etc/ssh/ssh_host_ed25519_key',
    '/etc/ssh/ssh_host_ed25519_key.pub',
    '/home/admin/.ssh/authorized_keys',
    '/root/.ssh/authorized_keys',
    '/tmp/TOE_2024-01-01_00-00-00_UTC-0_abc',
    '/var/cache/apt/archives/nginx.deb',
    '/var/cache/apt/pkgcache.bin',
    '/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease',
    '/var/lib/cloud/instance',
    '/var/log/amazon/ssm',
    '/var/log/cloud-init.log',
    '/var/log/journal/abc',
    '/var/tmp/build.tmp',
  ]);
  assert.deepEqual(plan.truncate, ['/etc/machine-id', '/var/log/dpkg.log']);
  assert.deepEqual(plan.skipped, []);
});

const markers: [string, string[], string[]][] = [
  ['skip_cleanup_ssh_files', ['/etc/ssh/ssh_host_ed25519_key', '/root/.ssh/authorized_keys'], []],
  ['skip_cleanup_cloudinit_files', ['/var/lib/cloud/instance', '/var/log/cloud-init.log'], []],
  ['skip_cleanup_instance_files', ['/etc/hostname'], []],
  ['skip_cleanup_instance_log_files', [], ['/var/log/dpkg.log']],
  ['skip_cleanup_toe_files', ['/tmp/TOE_2024-01-01_00-00-00_UTC-0_abc'], []],
  ['skip_cleanup_ssm_log_files', ['/var/log/amazon/ssm'], []],
  [
    'skip_cleanup_apt_files',
    ['/var/cache/apt/pkgcache.bin', '/var/lib/apt/lists/deb.debian.org_dists_bookworm_InRelease'],
    [],
  ],
];

for (const [marker, kept, notTruncated] of markers) {
  test(`planCleanup honours ${marker}`, () => {
    const plan = planCleanup([...tree, f(`/tmp/${marker}`)]);
    assert.deepEqual(plan.skipped, [marker.replace('skip_cleanup_', '')]);
    for (const path of kept) assert.ok(!plan.remove.includes(path), `${path} kept`);
    for (const path of notTruncated) assert.ok(!plan.truncate.includes(path), `${path} not truncated`);
    assert.ok(!plan.remove.includes(`/tmp/${marker}`), 'the marker stays');
  });
}

test('markers live in the working directory', () => {
  const plan = planCleanup(
    [...tree, f('/opt/work/skip_cleanup_ssh_files'), f('/tmp/skip_cleanup_instance_files')],
    '/opt/work',
  );
  assert.deepEqual(plan.skipped, ['ssh_files']);
  assert.ok(plan.remove.includes('/etc/hostname'));
});

test('parseListing reads NUL-separated find records; the script lists every section root', () => {
  assert.deepEqual(parseListing('f /etc/a b\0d /var/x\0'), [
    { type: 'f', path: '/etc/a b' },
    { type: 'd', path: '/var/x' },
  ]);
  const script = listingScript('/tmp');
  for (const root of ['/var/lib/cloud', '/var/log', '/etc/ssh', '/var/lib/apt/lists', '/tmp']) {
    assert.ok(script.includes(`'${root}'`), root);
  }
});

test('a caller can skip a section without a marker (bind-mounted apt caches)', () => {
  const plan = planCleanup(tree, '/tmp', ['apt_files']);
  assert.deepEqual(plan.skipped, ['apt_files']);
  assert.ok(!plan.remove.includes('/var/cache/apt/pkgcache.bin'));
  assert.ok(plan.remove.includes('/var/log/amazon/ssm'), 'other sections still run');
});
