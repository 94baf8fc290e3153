import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sharedBookworm, testCacheDir } from '../../../test/support/debian.js';
import { currentMounts, mountsUnder } from '../../host/mount.js';
import { runProcess } from '../../host/process.js';
import type { Instance, LaunchSpec } from '../backend.js';
import { BwrapBackend, reapStaleInstances } from './backend.js';

/** A broken kill or unmount would leave an exec pending forever: fail instead of hanging the run. */
const HANG_GUARD = { timeout: 120_000 };

let lower: string;
let stateDir: string;
let backend: BwrapBackend;

before(async () => {
  lower = await sharedBookworm();
  // Kept across runs: a run killed midway leaves its instances here for the next one to reap.
  stateDir = join(testCacheDir(), 'instance-state', 'bwrap-test');
  await reapStaleInstances(stateDir);
  backend = new BwrapBackend({ stateDir });
});

/** Launches an instance, runs the body, and always stops it; asserts nothing stays mounted. */
async function withInstance(spec: Partial<LaunchSpec>, body: (i: Instance) => Promise<void>): Promise<void> {
  const instance = await backend.launch({ lowerDirs: [lower], network: 'none', ...spec });
  const scratch = join(instance.upperDir, '..');
  try {
    await body(instance);
  } finally {
    await instance.stop();
  }
  assert.deepEqual(mountsUnder(scratch), []);
  assert.equal(
    currentMounts().some((m) => m.mountPoint.includes(instance.id)),
    false,
  );
  assert.equal(existsSync(scratch), false);
  assert.equal(existsSync(join(stateDir, `${instance.id}.json`)), false);
}

const run = async (i: Instance, script: string) => {
  const result = await i.exec(['sh', '-c', script]);
  assert.equal(result.exitCode, 0, result.stderr);
  return result.stdout;
};

test('runs commands in the Debian tree', HANG_GUARD, async () => {
  await withInstance({}, async (i) => {
    assert.match(await run(i, 'cat /etc/debian_version'), /^12\.\d+\n$/);
    assert.equal(await run(i, 'id -u'), '0\n');
  });
});

test(
  'writes go to the upper layer, persist across execs and never touch the lower tree',
  HANG_GUARD,
  async () => {
    await withInstance({}, async (i) => {
      await run(i, 'echo changed > /etc/kiln-marker');
      assert.equal(await run(i, 'cat /etc/kiln-marker'), 'changed\n');
      assert.equal(await readFile(join(i.upperDir, 'etc/kiln-marker'), 'utf8'), 'changed\n');
      assert.equal(await readFile(join(i.rootDir, 'etc/kiln-marker'), 'utf8'), 'changed\n');
      assert.equal(existsSync(join(lower, 'etc/kiln-marker')), false);
    });
  },
);

test('has its own PID namespace and hostname', HANG_GUARD, async () => {
  await withInstance({ hostname: 'kiln-test-host' }, async (i) => {
    const pids = (await run(i, 'ls /proc')).split('\n').filter((n) => /^\d+$/.test(n));
    // bwrap's init (1), the shell, and ls: nothing of the host's hundreds of processes.
    assert.ok(pids.length <= 3, `saw pids ${pids.join(' ')}`);
    assert.ok(pids.includes('1'));
    assert.equal(await run(i, 'cat /proc/sys/kernel/hostname'), 'kiln-test-host\n');
  });
});

test(
  '/tmp is private to the instance, kept across execs, and not part of its changes',
  HANG_GUARD,
  async () => {
    await withInstance({}, async (a) => {
      await withInstance({}, async (b) => {
        await run(a, 'echo a > /tmp/kiln-private');
        assert.equal(await run(a, 'cat /tmp/kiln-private'), 'a\n');
        assert.equal(await run(b, 'ls /tmp'), '');
        assert.equal(existsSync(join(a.upperDir, 'tmp/kiln-private')), false);
      });
    });
  },
);

const interfaces = (procNetDev: string): string[] =>
  procNetDev
    .split('\n')
    .slice(2)
    .map((l) => l.split(':')[0]!.trim())
    .filter(Boolean)
    .sort();

test("network 'none' has only loopback; 'host' sees the host's interfaces", HANG_GUARD, async () => {
  await withInstance({ network: 'none' }, async (i) => {
    assert.deepEqual(interfaces(await run(i, 'cat /proc/net/dev')), ['lo']);
  });
  await withInstance({ network: 'host' }, async (i) => {
    assert.deepEqual(
      interfaces(await run(i, 'cat /proc/net/dev')),
      interfaces(readFileSync('/proc/net/dev', 'utf8')),
    );
  });
});

/** Host processes whose command line is exactly argv. */
const processesRunning = (argv: string[]): number[] =>
  readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return readFileSync(`/proc/${n}/cmdline`, 'utf8') === `${argv.join('\0')}\0`;
      } catch {
        return false;
      }
    })
    .map(Number);

const until = async (condition: () => boolean): Promise<void> => {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
};

test('aborting an exec kills everything it started', HANG_GUARD, async () => {
  const marker = ['sleep', `${300 + Math.floor(Math.random() * 1000)}.25`];
  await withInstance({}, async (i) => {
    const controller = new AbortController();
    const running = i.exec(['sh', '-c', `${marker.join(' ')} & wait`], { signal: controller.signal });
    await until(() => processesRunning(marker).length === 1);
    controller.abort();
    const result = await running;
    assert.equal(result.aborted, true);
    assert.deepEqual(processesRunning(marker), []);
  });
});

test('stop() kills running execs; a failed exec leaves no mount behind', HANG_GUARD, async () => {
  let pending: Promise<unknown> | undefined;
  await withInstance({}, async (i) => {
    const failed = await i.exec(['/no/such/program']);
    assert.notEqual(failed.exitCode, 0);
    pending = i.exec(['sleep', '300']);
  });
  const result = (await pending) as { aborted: boolean };
  assert.equal(result.aborted, true);
});

test('launch leaves nothing behind when it fails', HANG_GUARD, async () => {
  await mkdir(stateDir, { recursive: true });
  const before = readdirSync(stateDir);
  await assert.rejects(backend.launch({ lowerDirs: ['/nonexistent/kiln-layer'], network: 'none' }));
  assert.deepEqual(readdirSync(stateDir), before);
});

test('reapStaleInstances cleans up the instances of a crashed process', HANG_GUARD, async () => {
  const backendUrl = new URL('./backend.ts', import.meta.url).href;
  const script = `
    const { BwrapBackend } = await import(${JSON.stringify(backendUrl)});
    const i = await new BwrapBackend({ stateDir: ${JSON.stringify(stateDir)} })
      .launch({ lowerDirs: [${JSON.stringify(lower)}], network: 'none' });
    console.log(JSON.stringify({ id: i.id, upper: i.upperDir }));
    await i.exec(['sleep', '300']);`;
  const controller = new AbortController();
  let launched: { id: string; upper: string } | undefined;
  // SIGTERM to a node process without handlers ends it at once: no stop(), like a crash.
  await runProcess([process.execPath, '--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('../../..', import.meta.url)),
    signal: controller.signal,
    onStdoutLine: (line) => {
      launched = JSON.parse(line);
      controller.abort();
    },
  });
  assert.ok(launched, 'the child process launched an instance');
  const scratch = join(launched.upper, '..');
  assert.equal(mountsUnder(scratch).length, 1, 'the crashed owner left its overlay mounted');
  assert.deepEqual(await reapStaleInstances(stateDir), [launched.id]);
  assert.deepEqual(mountsUnder(scratch), []);
  assert.equal(existsSync(scratch), false);
  assert.equal(existsSync(join(stateDir, `${launched.id}.json`)), false);
});
