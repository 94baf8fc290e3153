import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { requireTool } from '../../src/host/tools.js';
import { writeBootableDisk } from '../../src/images/bootable-disk.js';
import { ensureDebianParent } from '../../src/images/parents/debian.js';
import { QemuBackend } from '../../src/instances/qemu/backend.js';
import { requireSandboxTools, testCacheDir } from '../support/debian.js';

/** Processes whose command line mentions `text` (the instance id is QEMU's -name). */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name) && Number(name) !== process.pid)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

test('a bootable disk boots in QEMU: commands, exit codes, a real reboot, stop leaves nothing', async (t) => {
  requireSandboxTools();
  requireTool('qemu-system-x86_64', 'qemu-system-x86');
  const started = performance.now();
  const parent = await ensureDebianParent({
    suite: 'bookworm',
    packages: ['linux-image-amd64'],
    cacheDir: testCacheDir(),
    log: (line) => process.stderr.write(`[kernel tree] ${line}\n`),
  });
  const work = await makeTempDir('kiln-qemu-e2e-');
  t.after(() => removeTree(work));
  const disk = await writeBootableDisk(parent.rootDir, join(work, 'disk.raw'), { sizeGiB: 2 });
  t.diagnostic(`bootable disk: ${disk.wallMs} ms, kernel ${disk.kernelVersion}`);
  // The state directory persists so that the KVM verdict is probed once per machine.
  const backend = new QemuBackend({
    stateDir: join(testCacheDir(), 'qemu-state'),
    scratchDir: join(work, 'vms'),
  });
  const instance = await backend.launch({
    lowerDirs: [],
    network: 'none',
    disk: disk.path,
    hostname: 'kiln-vm',
  });
  t.diagnostic(`boot to agent: ${instance.bootMs} ms`);
  try {
    const version = await instance.exec(['cat', '/etc/debian_version']);
    assert.equal(version.exitCode, 0, version.stderr);
    assert.match(version.stdout, /^12\.\d+\n$/);

    const lines: string[] = [];
    const failed = await instance.exec(['sh', '-c', 'echo one; echo two; echo oops >&2; exit 7'], {
      onStdoutLine: (line) => lines.push(line),
    });
    assert.deepEqual(
      [failed.exitCode, failed.stdout, failed.stderr, lines],
      [7, 'one\ntwo\n', 'oops\n', ['one', 'two']],
    );

    const echoed = await instance.exec(['sh', '-c', 'cat; hostname'], {
      input: 'from stdin\n',
      env: { X: '1' },
    });
    assert.equal(echoed.stdout, 'from stdin\nkiln-vm\n');
    const missing = await instance.exec(['/no/such/program']);
    assert.equal(missing.exitCode, 127);

    const slow = await instance.exec(['sleep', '600'], { timeoutMs: 500 });
    assert.equal(slow.timedOut, true);
    assert.equal(slow.signal, 'SIGKILL');

    const marker = await instance.exec([
      'sh',
      '-c',
      'echo kept > /root/marker && sync && cat /proc/sys/kernel/random/boot_id',
    ]);
    assert.equal(marker.exitCode, 0, marker.stderr);
    const rebootStarted = performance.now();
    await instance.reboot();
    t.diagnostic(`reboot to agent: ${Math.round(performance.now() - rebootStarted)} ms`);
    const after = await instance.exec(['sh', '-c', 'cat /root/marker /proc/sys/kernel/random/boot_id']);
    const [kept, bootId] = after.stdout.split('\n');
    assert.equal(kept, 'kept');
    assert.notEqual(bootId, marker.stdout.trim(), 'the guest kernel restarted');
  } finally {
    await instance.stop();
  }
  assert.deepEqual(processesMentioning(instance.id), [], 'no QEMU process is left');
  assert.deepEqual(readdirSync(join(work, 'vms')), [], 'no overlay or socket is left');
  assert.equal(
    existsSync(join(testCacheDir(), 'qemu-state', `${instance.id}.json`)),
    false,
    'no record is left',
  );
  await assert.rejects(instance.exec(['true']), /stopped/);
  t.diagnostic(`end to end: ${Math.round(performance.now() - started)} ms`);
});
