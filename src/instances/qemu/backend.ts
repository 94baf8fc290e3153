import { mkdir, open, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { invalidRequest } from '../../core/errors.js';
import { hexId } from '../../core/ids.js';
import { type InstanceType, instanceType } from '../../core/instance-types.js';
import { makeTempDir, removeTree, scratchRoot } from '../../host/fs.js';
import { runChecked } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import type { ExecOptions, ExecResult, Instance, InstanceBackend, LaunchSpec } from '../backend.js';
import { execEnv } from '../bwrap/args.js';
import { RecordFile } from '../bwrap/registry.js';
import { bootSectorRuns, cachedKvmVerdict, saveKvmVerdict } from './kvm-probe.js';
import { type Machine, POWER_OFF_TIMEOUT_MS, shutDown, startMachine } from './machine.js';

export interface QemuBackendOptions {
  /** Where instance records (and the KVM verdict) live, for reapStaleInstances. */
  stateDir: string;
  /** Parent of the instances' scratch directories (overlay, agent socket); default tmpfs when memory allows. */
  scratchDir?: string;
  /** Used when a launch names no instance type; default kiln.vm.small. */
  defaultInstanceType?: InstanceType;
  /** From QEMU's start to the agent's first answer; default 180 s (TCG on a busy host is slow). */
  bootTimeoutMs?: number;
  /** How long a KVM boot may take before KVM is declared unusable on this host; default 30 s. */
  kvmProbeTimeoutMs?: number;
  /** Receives every guest console line (kernel, init, systemd). */
  onConsoleLine?: (line: string) => void;
}

async function diskFormat(path: string): Promise<'qcow2' | 'raw'> {
  const handle = await open(path, 'r');
  try {
    const { buffer } = await handle.read(Buffer.alloc(4), 0, 4, 0);
    return buffer.toString('latin1') === 'QFI\xfb' ? 'qcow2' : 'raw';
  } finally {
    await handle.close();
  }
}

export class QemuInstance implements Instance {
  private stopping: Promise<void> | undefined;
  private readonly running = new Set<{ abort: AbortController; done: Promise<unknown> }>();

  constructor(
    readonly id: string,
    /** Milliseconds from QEMU's start to the agent's first answer. */
    readonly bootMs: number,
    private readonly machine: Machine,
    private readonly spec: LaunchSpec,
    private readonly hostname: string,
    private readonly scratch: string,
    private readonly record: RecordFile,
    private readonly bootTimeoutMs: number,
  ) {}

  /** A VM's root tree lives on its virtual disk, not on the host. */
  get rootDir(): string {
    throw new Error(`instance ${this.id} is a QEMU VM: its root tree is not visible on the host`);
  }

  get upperDir(): string {
    throw new Error(
      `instance ${this.id} is a QEMU VM: its changes are on its disk overlay, not in a directory`,
    );
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.stopping) throw new Error(`instance ${this.id} is stopped`);
    const abort = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, abort.signal]) : abort.signal;
    const cwd = options.cwd ?? this.spec.workDir ?? '/';
    const done = this.machine.channel.exec(argv, cwd, execEnv(this.spec.env, options.env), {
      ...options,
      signal,
    });
    const entry = { abort, done };
    this.running.add(entry);
    try {
      return await done;
    } finally {
      this.running.delete(entry);
    }
  }

  /** Kills running execs; each ends within KILL_CONFIRM_MS even when the guest does not answer. */
  private async killExecs(why: string): Promise<void> {
    for (const { abort } of this.running) abort.abort(new Error(why));
    await Promise.allSettled([...this.running].map((r) => r.done));
  }

  async reboot(options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.stopping) throw new Error(`instance ${this.id} is stopped`);
    await this.killExecs(`instance ${this.id} rebooting`);
    const { channel } = this.machine;
    const before = channel.bootId;
    await channel.power('reboot', POWER_OFF_TIMEOUT_MS);
    await channel.waitReady({ notBootId: before, timeoutMs: this.bootTimeoutMs, signal: options.signal });
    channel.setHostname(this.hostname);
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      await this.killExecs(`instance ${this.id} stopped`);
      await shutDown(this.machine);
      await removeTree(this.scratch);
      await this.record.remove();
    })();
    return this.stopping;
  }
}

/**
 * Instances as QEMU virtual machines booted from a bootable disk (`LaunchSpec.disk`), each on a
 * throwaway qcow2 overlay. Commands run through the Kiln guest agent on the second serial port
 * (guest-agent.ts). TCG unless KVM has been shown to work here (kvm-probe.ts).
 */
export class QemuBackend implements InstanceBackend {
  readonly name = 'qemu';

  constructor(private readonly options: QemuBackendOptions) {}

  async launch(spec: LaunchSpec): Promise<QemuInstance> {
    const qemu = requireTool('qemu-system-x86_64', 'qemu-system-x86');
    const qemuImg = requireTool('qemu-img', 'qemu-utils');
    if (!spec.disk)
      throw invalidRequest(
        'the qemu backend boots a disk, and LaunchSpec.disk is missing.',
        'Write one with writeBootableDisk.',
      );
    if (spec.binds?.length)
      throw invalidRequest('the qemu backend cannot show host directories (binds) inside a VM.');
    const type = spec.instanceType ?? this.options.defaultInstanceType ?? instanceType('kiln.vm.small')!;
    const id = hexId('i');
    const hostname = spec.hostname ?? id;
    const parent = this.options.scratchDir ?? join(scratchRoot({ memory: true }), 'vms');
    await mkdir(parent, { recursive: true });
    const scratch = await makeTempDir(`${id}-`, { parent });
    const record = new RecordFile(this.options.stateDir, { id, scratchDir: scratch, mergedDir: scratch });
    let machine: Machine | undefined;
    try {
      await record.save();
      const base = resolve(spec.disk);
      const format = await diskFormat(base);
      const overlay = join(scratch, 'overlay.qcow2');
      const boot = async (accel: 'kvm' | 'tcg', timeoutMs: number): Promise<number> => {
        const started = performance.now();
        // A fresh overlay per attempt: a failed KVM trial boot may have written to the last one.
        await rm(overlay, { force: true });
        await runChecked([qemuImg, 'create', '-q', '-f', 'qcow2', '-b', base, '-F', format, overlay]);
        machine = await startMachine(
          qemu,
          {
            accel,
            vcpus: type.vcpus,
            memoryMiB: type.memoryMiB,
            overlay,
            agentSocket: join(scratch, 'agent.sock'),
            network: spec.network,
            name: id,
          },
          { record, onConsoleLine: this.options.onConsoleLine },
        );
        try {
          await machine.channel.waitReady({ timeoutMs });
        } catch (err) {
          const message = (err as Error).message;
          if (message.includes('console:')) throw err;
          throw new Error(`booting ${spec.disk} (${accel}): ${message}; console:\n${machine.consoleTail()}`);
        }
        return Math.round(performance.now() - started);
      };
      const bootTimeoutMs = this.options.bootTimeoutMs ?? 180_000;
      let bootMs: number | undefined;
      const verdict = await this.kvmVerdict(qemu);
      if (verdict !== false) {
        // Unknown yet: this boot is the probe. A KVM guest that hangs is given up on quickly.
        const timeout = verdict ? bootTimeoutMs : (this.options.kvmProbeTimeoutMs ?? 30_000);
        bootMs = await boot('kvm', timeout).catch(async () => {
          if (machine) await shutDown(machine, false);
          return undefined;
        });
        await saveKvmVerdict(this.options.stateDir, qemu, bootMs !== undefined);
      }
      bootMs ??= await boot('tcg', bootTimeoutMs);
      machine!.channel.setHostname(hostname);
      return new QemuInstance(id, bootMs, machine!, spec, hostname, scratch, record, bootTimeoutMs);
    } catch (err) {
      if (machine) await shutDown(machine, false);
      await removeTree(scratch);
      await record.remove();
      throw err;
    }
  }

  /** true/false when known; undefined when only a KVM boot can tell (the boot sector ran). */
  private async kvmVerdict(qemu: string): Promise<boolean | undefined> {
    const cached = cachedKvmVerdict(this.options.stateDir, qemu);
    if (cached !== undefined) return cached;
    if (await bootSectorRuns(qemu, 'kvm')) return undefined;
    await saveKvmVerdict(this.options.stateDir, qemu, false);
    return false;
  }
}

export { reapStaleInstances } from '../bwrap/registry.js';
