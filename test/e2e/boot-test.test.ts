/**
 * The boot test (issue 4): a recipe whose component installs a kernel is built in sandboxes, and
 * with `kiln.vm.small` in its infrastructure configuration its test phase runs in a QEMU VM
 * booted from the image's bootable disk — including a real reboot in the middle of the phase.
 * Slow by nature (TCG boots); the kernel install is a cached layer after the first run.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTempDir, removeTree, scratchRoot } from '../../src/host/fs.js';
import { requireTool } from '../../src/host/tools.js';
import { sharedBookworm, testCacheDir } from '../support/debian.js';
import { componentRecord, engineFor, imageRequest } from './build-support.js';

const KERNEL = `name: kernel
schemaVersion: 1.0
phases:
  - name: build
    steps:
      - name: InstallKernel
        action: ExecuteBash
        inputs:
          commands:
            - apt-get update -qq
            - apt-get install -y -qq --no-install-recommends linux-image-amd64
`;

/** Checks that only hold on a real boot of the image, a marker file, a reboot, and again. */
const BOOT_CHECK = `name: boot-check
schemaVersion: 1.0
phases:
  - name: test
    steps:
      - name: RealKernel
        action: ExecuteBash
        inputs:
          commands:
            - installed=$(ls /boot | sed -n 's/^vmlinuz-//p')
            - echo "kiln-boot-test kernel $(uname -r) installed $installed init $(cat /proc/1/comm)"
            - '[ "$(uname -r)" = "$installed" ] || exit 1'
            - grep -q 'init=/usr/lib/kiln/init' /proc/cmdline
      - name: BootId
        action: ExecuteBash
        inputs:
          commands:
            - cat /proc/sys/kernel/random/boot_id
      - name: Marker
        action: CreateFile
        inputs:
          - path: /root/kiln-boot-marker
            content: kept across the reboot
      - name: Restart
        action: Reboot
      - name: AfterReboot
        action: ExecuteBash
        inputs:
          commands:
            - after=$(cat /proc/sys/kernel/random/boot_id)
            - echo "kiln-boot-test boot id before {{ test.BootId.outputs.stdout }} after $after"
            - '[ "{{ test.BootId.outputs.stdout }}" != "$after" ]'
      - name: ReadMarker
        action: ReadFile
        inputs:
          - path: /root/kiln-boot-marker
      - name: MarkerKept
        action: ExecuteBash
        inputs:
          commands:
            - echo "kiln-boot-test marker {{ test.ReadMarker.outputs.content }}"
`;

let dataDir: string;
let build: ReturnType<typeof engineFor>;

before(async () => {
  for (const [tool, pkg] of [
    ['qemu-system-x86_64', 'qemu-system-x86'],
    ['qemu-img', 'qemu-utils'],
    ['syslinux', 'syslinux'],
    ['debugfs', 'e2fsprogs'],
  ] as const)
    requireTool(tool, pkg);
  await sharedBookworm();
  dataDir = await makeTempDir('kiln-boot-e2e-');
  build = engineFor({ dataDir, cacheDir: testCacheDir() }, [
    componentRecord('kernel', KERNEL),
    componentRecord('boot-check', BOOT_CHECK),
  ]);
});

after(async () => {
  if (dataDir) await removeTree(dataDir);
});

/** Processes whose command line mentions `text` (a VM's instance id is QEMU's -name). */
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

const VM = { instanceTypes: ['kiln.vm.small'] };

test('a bootable image is tested in a QEMU VM: real kernel, a real reboot, state kept', async (t) => {
  const started = performance.now();
  const r = await build(
    imageRequest({
      name: 'boot-test',
      components: [{ name: 'kernel' }, { name: 'boot-check' }],
      infrastructure: VM,
    }),
  );
  t.diagnostic(
    `build + boot test: ${Math.round(performance.now() - started)} ms, VM boot ${r.timing('vm-boot')} ms`,
  );
  const timings = r.events.flatMap((e) => (e.kind === 'timing' ? [`${e.stage} ${e.ms} ms`] : []));
  t.diagnostic(`timings: ${timings.join(', ')}`);
  assert.equal(r.outcome.status, 'AVAILABLE', `${r.outcome.reason}\n${r.logs.slice(-30).join('\n')}`);
  const artifacts = r.image.kilnArtifacts as Record<string, string>;
  assert.ok(
    artifacts.bootableDisk && existsSync(artifacts.bootableDisk),
    'the image lists its bootable disk',
  );

  const lines = r.logs.filter((l) => l.startsWith('TEST ') && l.includes('kiln-boot-test'));
  const kernel = lines.find((l) => l.includes('kiln-boot-test kernel'));
  assert.match(kernel ?? '', /kernel (\S+) installed \1 init /, lines.join('\n'));
  const ids = /boot id before (\S+) after (\S+)/.exec(lines.find((l) => l.includes('boot id')) ?? '');
  assert.ok(ids, lines.join('\n'));
  assert.notEqual(ids[1], ids[2], 'the guest kernel restarted');
  assert.ok(
    lines.some((l) => l.endsWith('kiln-boot-test marker kept across the reboot')),
    lines.join('\n'),
  );

  const vmId = /VM (i-[0-9a-f]+) booted/.exec(r.logs.join('\n'))?.[1];
  assert.ok(vmId, 'the TEST stage booted a VM');
  assert.deepEqual(processesMentioning(vmId), [], 'no QEMU process is left');
  assert.equal(existsSync(join(testCacheDir(), 'instances', `${vmId}.json`)), false, 'no record is left');
  const vms = join(scratchRoot({ memory: true }), 'vms');
  const left = existsSync(vms) ? readdirSync(vms).filter((n) => n.startsWith(vmId)) : [];
  assert.deepEqual(left, [], 'no overlay is left');
});

test('a boot test of an image without a kernel fails, saying how to get one', async () => {
  const r = await build(
    imageRequest({ name: 'no-kernel', components: [{ name: 'boot-check' }], infrastructure: VM }),
  );
  assert.equal(r.outcome.status, 'FAILED');
  assert.match(r.outcome.reason ?? '', /install linux-image-amd64 in a build component to boot-test/);
  assert.equal((r.image.kilnArtifacts as Record<string, string>).bootableDisk, undefined);
});
