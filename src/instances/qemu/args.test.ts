import assert from 'node:assert/strict';
import { test } from 'node:test';
import { requireTool } from '../../host/tools.js';
import { probeArgs, qemuArgs } from './args.js';
import { bootSectorRuns } from './kvm-probe.js';

const launch = {
  accel: 'tcg' as const,
  vcpus: 2,
  memoryMiB: 2048,
  overlay: '/s/overlay.qcow2',
  agentSocket: '/s/agent.sock',
  network: 'none' as const,
  name: 'i-1',
};

const value = (argv: string[], flag: string): string[] =>
  argv.flatMap((a, i) => (a === flag && argv[i + 1] !== undefined ? [argv[i + 1]!] : []));

test('qemuArgs: resources, console on stdio, agent on the second serial port, overlay disk', () => {
  const argv = qemuArgs('/usr/bin/qemu-system-x86_64', launch);
  assert.equal(argv[0], '/usr/bin/qemu-system-x86_64');
  assert.deepEqual(value(argv, '-accel'), ['tcg']);
  assert.deepEqual(value(argv, '-cpu'), []);
  assert.deepEqual([value(argv, '-m'), value(argv, '-smp')], [['2048'], ['2']]);
  assert.deepEqual(value(argv, '-serial'), ['chardev:console', 'chardev:agent']);
  assert.deepEqual(value(argv, '-chardev'), [
    'stdio,id=console,signal=off',
    'socket,id=agent,path=/s/agent.sock',
  ]);
  assert.deepEqual(value(argv, '-drive'), ['file=/s/overlay.qcow2,format=qcow2,if=virtio,cache=unsafe']);
  assert.deepEqual(value(argv, '-nic'), ['none']);
  assert.ok(!argv.includes('-no-reboot'), 'a guest reboot must reset the machine, not end QEMU');
});

test('qemuArgs: host network is QEMU user networking; KVM uses the host CPU', () => {
  const argv = qemuArgs('qemu', { ...launch, accel: 'kvm', network: 'host' });
  assert.deepEqual(value(argv, '-nic'), ['user,model=virtio-net-pci']);
  assert.deepEqual(value(argv, '-cpu'), ['host']);
});

test('probeArgs boots the probe sector with the exit device', () => {
  const argv = probeArgs('qemu', 'kvm', '/p/probe.img');
  assert.deepEqual(value(argv, '-device'), ['isa-debug-exit,iobase=0xf4,iosize=0x04']);
  assert.deepEqual(value(argv, '-drive'), ['file=/p/probe.img,format=raw,if=ide']);
});

test('the probe boot sector runs under TCG (so a KVM "no" means KVM, not the probe)', async () => {
  const qemu = requireTool('qemu-system-x86_64', 'qemu-system-x86');
  assert.equal(await bootSectorRuns(qemu, 'tcg'), true);
});
