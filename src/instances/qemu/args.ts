/** Everything one QEMU invocation depends on (pure input of qemuArgs). */
export interface QemuLaunch {
  accel: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  /** The instance's copy-on-write qcow2 overlay of the image's disk. */
  overlay: string;
  /** Unix socket the host listens on; QEMU connects the guest's second serial port (ttyS1) to it. */
  agentSocket: string;
  network: 'host' | 'none';
  name: string;
}

/**
 * The qemu-system-x86_64 argv of an instance. No default devices, no display or monitor; the
 * first serial port (the guest console) is QEMU's stdout, the second is the agent's line. No
 * `-no-reboot`: a guest reboot resets the machine, as on real hardware. `cache=unsafe` is safe
 * here because the overlay is thrown away with the instance.
 */
export function qemuArgs(qemu: string, launch: QemuLaunch): string[] {
  return [
    qemu,
    '-name',
    launch.name,
    '-accel',
    launch.accel,
    ...(launch.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m',
    `${launch.memoryMiB}`,
    '-smp',
    `${launch.vcpus}`,
    '-nodefaults',
    '-display',
    'none',
    '-monitor',
    'none',
    '-chardev',
    'stdio,id=console,signal=off',
    '-serial',
    'chardev:console',
    '-chardev',
    `socket,id=agent,path=${launch.agentSocket}`,
    '-serial',
    'chardev:agent',
    '-drive',
    `file=${launch.overlay},format=qcow2,if=virtio,cache=unsafe`,
    '-nic',
    launch.network === 'host' ? 'user,model=virtio-net-pci' : 'none',
  ];
}

/**
 * A boot sector that proves guest code runs: `mov al,1; out 0xf4,al; hlt; jmp $-3`, so QEMU
 * with `-device isa-debug-exit,iobase=0xf4` exits with status (1 << 1) | 1 = 3.
 */
export function probeBootSector(): Buffer {
  const sector = Buffer.alloc(512);
  Buffer.from([0xb0, 0x01, 0xe6, 0xf4, 0xf4, 0xeb, 0xfd]).copy(sector);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

export const PROBE_EXIT_CODE = 3;

/** The argv that boots the probe sector with an accelerator (pure). */
export function probeArgs(qemu: string, accel: 'kvm' | 'tcg', sectorFile: string): string[] {
  return [
    qemu,
    '-accel',
    accel,
    ...(accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-m',
    '16',
    '-nodefaults',
    '-display',
    'none',
    '-monitor',
    'none',
    '-serial',
    'none',
    '-drive',
    `file=${sectorFile},format=raw,if=ide`,
    '-device',
    'isa-debug-exit,iobase=0xf4,iosize=0x04',
  ];
}
