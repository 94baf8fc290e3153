import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { sharedBookworm, testCacheDir } from '../../../test/support/debian.js';
import { instanceType } from '../../core/instance-types.js';
import { BwrapBackend, reapStaleInstances } from './backend.js';
import { type CgroupFacts, parseProcCgroup, planCgroups, readCgroupFacts } from './limits.js';

const micro = instanceType('kiln.micro')!;
const medium = instanceType('kiln.medium')!;

test('parses /proc/self/cgroup, v1 lines per controller and the v2 line', () => {
  const own = parseProcCgroup('4:memory:/svc/x\n2:cpu,cpuacct:/\n0::/kiln.service\n');
  assert.deepEqual(own, { memory: '/svc/x', cpu: '/', cpuacct: '/', '': '/kiln.service' });
});

const facts = (f: Partial<CgroupFacts>): CgroupFacts => ({ v2Controllers: [], v1Mounts: {}, own: {}, ...f });

test('plans v2 when the unified hierarchy has cpu and memory, else v1, else fails naming what is missing', () => {
  const v2 = planCgroups(
    facts({ v2Mount: '/sys/fs/cgroup', v2Controllers: ['cpu', 'io', 'memory'], own: { '': '/kiln' } }),
    'i-1',
    medium,
  );
  assert.equal(v2.version, 2);
  assert.deepEqual(v2.dirs, ['/sys/fs/cgroup/kiln/kiln-i-1']);
  assert.deepEqual(v2.writes.slice(0, 2), [
    { file: '/sys/fs/cgroup/kiln/kiln-i-1/cpu.max', value: '200000 100000' },
    { file: '/sys/fs/cgroup/kiln/kiln-i-1/memory.max', value: String(4096 * 1024 * 1024) },
  ]);
  assert.equal(v2.enable?.file, '/sys/fs/cgroup/kiln/cgroup.subtree_control');

  // Hybrid (as on the project's machines): the unified hierarchy has no controllers.
  const hybrid = facts({
    v2Mount: '/sys/fs/cgroup/unified',
    v1Mounts: { cpu: '/sys/fs/cgroup/cpu', memory: '/sys/fs/cgroup/memory' },
    own: { cpu: '/', memory: '/sup/42', '': '/' },
  });
  const v1 = planCgroups(hybrid, 'i-2', micro);
  assert.equal(v1.version, 1);
  assert.deepEqual(v1.dirs, ['/sys/fs/cgroup/cpu/kiln-i-2', '/sys/fs/cgroup/memory/sup/42/kiln-i-2']);
  assert.deepEqual(v1.writes, [
    { file: '/sys/fs/cgroup/cpu/kiln-i-2/cpu.cfs_period_us', value: '100000' },
    { file: '/sys/fs/cgroup/cpu/kiln-i-2/cpu.cfs_quota_us', value: '100000' },
    { file: '/sys/fs/cgroup/memory/sup/42/kiln-i-2/memory.limit_in_bytes', value: String(512 * 1024 * 1024) },
  ]);
  assert.deepEqual(
    v1.procsFiles,
    v1.dirs.map((d) => `${d}/cgroup.procs`),
  );

  assert.throws(
    () => planCgroups(facts({ v2Mount: '/sys/fs/cgroup', v2Controllers: ['io'] }), 'i-3', micro),
    /kiln\.micro needs cgroups.*offers \[io\]; no v1 'cpu' hierarchy, no v1 'memory' hierarchy/,
  );
  assert.throws(() => planCgroups(facts({}), 'i-4', micro), /no cgroup v2 hierarchy is mounted/);
});

let lower: string;
let backend: BwrapBackend;

before(async () => {
  lower = await sharedBookworm();
  const stateDir = join(testCacheDir(), 'instance-state', 'limits-test');
  await reapStaleInstances(stateDir);
  backend = new BwrapBackend({ stateDir });
});

test(
  'a kiln.micro instance: 1 GiB is killed by the OOM killer, 100 MiB works; no cgroup left after stop',
  {
    timeout: 120_000,
  },
  async () => {
    const plan = planCgroups(readCgroupFacts(), 'probe', micro);
    const instance = await backend.launch({ lowerDirs: [lower], network: 'none', instanceType: micro });
    const dirs = planCgroups(readCgroupFacts(), instance.id, micro).dirs;
    try {
      for (const dir of dirs) assert.ok(existsSync(dir), `${dir} exists while the instance runs`);
      // perl (Essential in every Debian tree) builds a string of the given size in memory.
      const alloc = (mib: number) =>
        instance.exec(['perl', '-e', `my $x = "a" x (${mib} * 1024 * 1024); print length($x), "\\n"`]);
      const small = await alloc(100);
      assert.equal(small.exitCode, 0, small.stderr);
      assert.equal(small.stdout.trim(), String(100 * 1024 * 1024));
      const big = await alloc(1024);
      assert.equal(big.exitCode, 128 + 9, 'allocating 1 GiB in a 512 MiB instance is killed (SIGKILL)');
      assert.doesNotMatch(big.stdout, /\d/);
      // ... by the OOM killer of the instance's memory cgroup.
      const events =
        plan.version === 2
          ? join(dirs[0] as string, 'memory.events')
          : join(dirs.at(-1) as string, 'memory.oom_control');
      assert.match(await readFile(events, 'utf8'), /^oom_kill [1-9]/m);
      // The quota is what the instance's processes see in their cgroup files.
      const quota =
        plan.version === 2
          ? await readFile(join(dirs[0] as string, 'cpu.max'), 'utf8')
          : await readFile(join(dirs[0] as string, 'cpu.cfs_quota_us'), 'utf8');
      assert.match(quota, /^100000\b/);
      const inCgroup = await instance.exec(['cat', '/proc/self/cgroup']);
      assert.match(inCgroup.stdout, new RegExp(`kiln-${instance.id}`));
    } finally {
      await instance.stop();
    }
    for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} is left after stop`);
  },
);

test('an instance without an instance type has no cgroup of its own', async () => {
  const instance = await backend.launch({ lowerDirs: [lower], network: 'none' });
  try {
    const own = await instance.exec(['cat', '/proc/self/cgroup']);
    assert.doesNotMatch(own.stdout, /kiln-/);
  } finally {
    await instance.stop();
  }
});
