import { invalidRequest } from '../core/errors.js';
import { AGENT_DIR, AGENT_PATH, AGENT_UNIT, INIT_PATH } from '../instances/qemu/guest-agent.js';

const MiB = 1024 ** 2;
export const SECTOR = 512;

/** Where the partitions of a bootable disk go, in bytes (MiB-aligned, as fdisk aligns them). */
export interface BootLayout {
  totalBytes: number;
  bootStart: number;
  bootBytes: number;
  rootStart: number;
  rootBytes: number;
}

/**
 * An MBR disk of `sizeGiB`: a FAT boot partition holding the kernel and initrd with room to
 * spare, then the ext4 root filling the rest (pure).
 */
export function bootLayout(sizeGiB: number, bootPayloadBytes: number): BootLayout {
  const totalBytes = sizeGiB * 1024 * MiB;
  const bootStart = MiB;
  const bootBytes = Math.max(32, Math.ceil((bootPayloadBytes * 11) / 10 / MiB) + 16) * MiB;
  const rootStart = bootStart + bootBytes;
  const rootBytes = totalBytes - rootStart;
  if (rootBytes < 64 * MiB) {
    throw invalidRequest(
      `a ${sizeGiB} GiB disk leaves no room for the root file system after a ${bootBytes / MiB} MiB boot partition.`,
      'Raise the volume size.',
    );
  }
  return { totalBytes, bootStart, bootBytes, rootStart, rootBytes };
}

/** The sfdisk script of a layout: DOS label, bootable FAT partition 1, Linux partition 2. */
export function sfdiskScript(layout: BootLayout): string {
  const s = (bytes: number): number => bytes / SECTOR;
  return [
    'label: dos',
    'unit: sectors',
    '',
    `start=${s(layout.bootStart)}, size=${s(layout.bootBytes)}, type=c, bootable`,
    `start=${s(layout.rootStart)}, size=${s(layout.rootBytes)}, type=83`,
    '',
  ].join('\n');
}

export interface KernelFiles {
  version: string;
  kernel: string;
  initrd: string;
}

/** Compares Debian kernel versions like `6.1.0-56-amd64` numerically, part by part. */
function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/);
  const pb = b.split(/[.-]/);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i] ?? '';
    const y = pb[i] ?? '';
    const d = /^\d+$/.test(x) && /^\d+$/.test(y) ? Number(x) - Number(y) : x.localeCompare(y);
    if (d !== 0) return d;
  }
  return 0;
}

/** The newest kernel in a /boot listing that has a matching initrd (pure). */
export function pickKernel(names: readonly string[]): KernelFiles | undefined {
  const versions = names
    .filter((n) => n.startsWith('vmlinuz-'))
    .map((n) => n.slice('vmlinuz-'.length))
    .filter((v) => names.includes(`initrd.img-${v}`))
    .sort(compareVersions);
  const version = versions.at(-1);
  return version === undefined
    ? undefined
    : { version, kernel: `vmlinuz-${version}`, initrd: `initrd.img-${version}` };
}

/**
 * The SYSLINUX configuration: boot at once, by root file system UUID, console on the first
 * serial port, Kiln's init wrapper (which hands over to systemd when the image has it), and
 * classic interface names so the wrapper can configure eth0 without udev.
 */
export function syslinuxConfig(rootUuid: string): string {
  return [
    'SERIAL 0 115200',
    'PROMPT 0',
    'TIMEOUT 0',
    'DEFAULT linux',
    'LABEL linux',
    '  KERNEL /vmlinuz',
    '  INITRD /initrd.img',
    `  APPEND root=UUID=${rootUuid} rw console=ttyS0,115200 init=${INIT_PATH} net.ifnames=0 quiet`,
    '',
  ].join('\n');
}

const WANTS_DIR = '/etc/systemd/system/multi-user.target.wants';
const UNIT_PATH = `/etc/systemd/system/${AGENT_UNIT}`;

/**
 * debugfs commands that add the guest agent to a freshly made root file system (pure);
 * `exists` tells what the tree already has (an absolute path in the tree). debugfs cannot
 * overwrite, and its mkdir of an existing directory corrupts the file system, so existing
 * files are removed first and only missing directories are made. Host files are named by
 * their basename in `stagingDir`. The systemd unit is added only when the tree has systemd.
 */
export function agentInstallScript(stagingDir: string, exists: (path: string) => boolean): string {
  const lines: string[] = [];
  const owned = (path: string, mode: string): void => {
    lines.push(`sif ${path} mode ${mode}`, `sif ${path} uid 0`, `sif ${path} gid 0`);
  };
  const dir = (path: string): void => {
    if (exists(path)) return;
    lines.push(`mkdir ${path}`);
    owned(path, '040755');
  };
  const file = (name: string, path: string, mode: string): void => {
    if (exists(path)) lines.push(`rm ${path}`);
    lines.push(`write ${stagingDir}/${name} ${path}`);
    owned(path, mode);
  };
  dir(AGENT_DIR);
  file('agent', AGENT_PATH, '0100755');
  file('init', INIT_PATH, '0100755');
  if (exists('/etc/systemd/system')) {
    file('unit', UNIT_PATH, '0100644');
    dir(WANTS_DIR);
    if (exists(`${WANTS_DIR}/${AGENT_UNIT}`)) lines.push(`rm ${WANTS_DIR}/${AGENT_UNIT}`);
    lines.push(`symlink ${WANTS_DIR}/${AGENT_UNIT} ${UNIT_PATH}`);
  }
  return `${lines.join('\n')}\n`;
}
