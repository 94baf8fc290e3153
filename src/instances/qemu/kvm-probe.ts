import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { release } from 'node:os';
import { join } from 'node:path';
import { makeTempDir, removeTree, writeFileAtomic } from '../../host/fs.js';
import { runProcess } from '../../host/process.js';
import { PROBE_EXIT_CODE, probeArgs, probeBootSector } from './args.js';

/**
 * Whether KVM works on this host, decided once and cached in `<stateDir>/kvm-probe.state` for
 * this host kernel and QEMU binary. /dev/kvm existing proves little (feasibility.md §5.1: guest
 * CPUs without vmx/svm, where `-cpu host` aborts and Linux guests hang while a boot sector
 * still runs), so the verdict comes from booting a real guest: the backend's first launch tries
 * KVM with a short timeout and records the outcome here.
 */
interface Verdict {
  hostKernel: string;
  qemu: string;
  qemuMtimeMs: number;
  kvmWorks: boolean;
}

const verdicts = new Map<string, boolean>();

const fingerprint = (qemu: string): Omit<Verdict, 'kvmWorks'> => ({
  hostKernel: release(),
  qemu,
  qemuMtimeMs: statSync(qemu).mtimeMs,
});

// Not *.json: every JSON file in the state directory is an instance record to reapStaleInstances.
const verdictFile = (stateDir: string): string => join(stateDir, 'kvm-probe.state');

/** The cached verdict, or undefined when this host and QEMU have not been tried yet. */
export function cachedKvmVerdict(stateDir: string, qemu: string): boolean | undefined {
  if (!existsSync('/dev/kvm')) return false;
  const file = verdictFile(stateDir);
  const known = verdicts.get(file);
  if (known !== undefined) return known;
  try {
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Verdict;
    const now = fingerprint(qemu);
    if (saved.hostKernel !== now.hostKernel || saved.qemu !== qemu || saved.qemuMtimeMs !== now.qemuMtimeMs) {
      return undefined;
    }
    verdicts.set(file, saved.kvmWorks);
    return saved.kvmWorks;
  } catch {
    return undefined;
  }
}

export async function saveKvmVerdict(stateDir: string, qemu: string, kvmWorks: boolean): Promise<void> {
  verdicts.set(verdictFile(stateDir), kvmWorks);
  await mkdir(stateDir, { recursive: true });
  await writeFileAtomic(verdictFile(stateDir), JSON.stringify({ ...fingerprint(qemu), kvmWorks }));
}

/**
 * The cheap first test: does a one-instruction boot sector run under `accel`? A "no" settles
 * KVM at once (in about a second); a "yes" still needs a real boot to be trusted.
 */
export async function bootSectorRuns(
  qemu: string,
  accel: 'kvm' | 'tcg',
  signal?: AbortSignal,
): Promise<boolean> {
  const dir = await makeTempDir('kiln-kvm-probe-');
  try {
    const sector = join(dir, 'probe.img');
    await writeFile(sector, probeBootSector());
    const result = await runProcess(probeArgs(qemu, accel, sector), {
      signal,
      timeoutMs: 10_000,
      killGraceMs: 500,
    });
    return result.exitCode === PROBE_EXIT_CODE;
  } finally {
    await removeTree(dir);
  }
}
