import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hexId } from '../../core/ids.js';
import { makeTempDir, removeTree, scratchRoot } from '../../host/fs.js';
import { mountOverlay, unmountTree } from '../../host/mount.js';
import { hasCapability } from '../../host/proc.js';
import { runProcess } from '../../host/process.js';
import { requireTool } from '../../host/tools.js';
import type { ExecOptions, ExecResult, Instance, InstanceBackend, LaunchSpec } from '../backend.js';
import { bwrapArgs, execEnv, type SandboxLayout } from './args.js';
import {
  type CgroupPlan,
  createCgroups,
  joinCgroupArgv,
  planCgroups,
  readCgroupFacts,
  removeCgroups,
} from './limits.js';
import { RecordFile } from './registry.js';

export interface BwrapBackendOptions {
  /** Where instance records live (one file per instance) for reapStaleInstances. */
  stateDir: string;
  /** Parent of the instances' scratch directories; default tmpfs when memory allows. */
  scratchDir?: string;
}

/** The host resolv.conf to show, unless the tree's own is a symlink (a bind cannot land on one). */
function hostResolvConf(mergedDir: string): string | undefined {
  if (!existsSync('/etc/resolv.conf')) return undefined;
  const inTree = join(mergedDir, 'etc/resolv.conf');
  if (existsSync(inTree) && lstatSync(inTree).isSymbolicLink()) return undefined;
  return realpathSync('/etc/resolv.conf');
}

class BwrapInstance implements Instance {
  readonly rootDir: string;
  readonly upperDir: string;
  private stopping: Promise<void> | undefined;
  private readonly running = new Set<{ controller: AbortController; done: Promise<unknown> }>();

  constructor(
    readonly id: string,
    private readonly scratch: string,
    private readonly layout: SandboxLayout,
    private readonly spec: LaunchSpec,
    private readonly record: RecordFile,
    private readonly bwrap: string,
    private readonly cgroups: CgroupPlan | undefined,
  ) {
    this.rootDir = layout.mergedDir;
    this.upperDir = join(scratch, 'upper');
  }

  async exec(argv: string[], options: ExecOptions = {}): Promise<ExecResult> {
    if (this.stopping) throw new Error(`instance ${this.id} is stopped`);
    const controller = new AbortController();
    const signal = options.signal ? AbortSignal.any([options.signal, controller.signal]) : controller.signal;
    let pid: number | undefined;
    const command = [this.bwrap, ...bwrapArgs(this.layout, options.cwd ?? this.spec.workDir ?? '/', argv)];
    const done = runProcess(this.cgroups ? joinCgroupArgv(this.cgroups.procsFiles, command) : command, {
      env: execEnv(this.spec.env, options.env),
      input: options.input,
      signal,
      timeoutMs: options.timeoutMs,
      onStdoutLine: options.onStdoutLine,
      onStderrLine: options.onStderrLine,
      onSpawn: (p) => {
        pid = p;
        void this.record.addExec(p);
      },
    });
    const entry = { controller, done };
    this.running.add(entry);
    try {
      return await done;
    } finally {
      this.running.delete(entry);
      if (pid !== undefined) await this.record.removeExec(pid);
    }
  }

  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (const { controller } of this.running) controller.abort(new Error(`instance ${this.id} stopped`));
      await Promise.allSettled([...this.running].map((r) => r.done));
      if (this.cgroups) await removeCgroups(this.cgroups.dirs);
      await unmountTree(this.scratch);
      await removeTree(this.scratch);
      await this.record.remove();
    })();
    return this.stopping;
  }
}

/**
 * Instances as bubblewrap sandboxes over an overlayfs root. The overlay is mounted on the host
 * (needs root) so that `rootDir` and `upperDir` can be read after a run; each exec is one bwrap
 * invocation over that mount, so changes persist across execs.
 */
export class BwrapBackend implements InstanceBackend {
  readonly name = 'bwrap';

  constructor(private readonly options: BwrapBackendOptions) {}

  async launch(spec: LaunchSpec): Promise<Instance> {
    const bwrap = requireTool('bwrap', 'bubblewrap');
    const id = hexId('i');
    // Limits only when asked for: an instance type means a cgroup (or a clear failure).
    const cgroups = spec.instanceType && planCgroups(readCgroupFacts(), id, spec.instanceType);
    const parent = this.options.scratchDir ?? join(scratchRoot({ memory: true }), 'instances');
    await mkdir(parent, { recursive: true });
    const scratch = await makeTempDir(`${id}-`, { parent });
    const mergedDir = join(scratch, 'merged');
    const record = new RecordFile(this.options.stateDir, {
      id,
      scratchDir: scratch,
      mergedDir,
      ...(cgroups ? { cgroups: [...cgroups.dirs] } : {}),
    });
    try {
      // Recorded before mounting, so a crash right after the mount is still reapable.
      await record.save();
      if (cgroups) await createCgroups(cgroups);
      for (const d of ['upper', 'work', 'merged', 'tmp', 'run']) await mkdir(join(scratch, d));
      await chmod(join(scratch, 'tmp'), 0o1777);
      // Debian's /var/lock points at /run/lock, which a booted system creates in its /run tmpfs.
      await mkdir(join(scratch, 'run/lock'), { mode: 0o1777 });
      await chmod(join(scratch, 'run/lock'), 0o1777);
      await mountOverlay({
        lowerDirs: spec.lowerDirs,
        upperDir: join(scratch, 'upper'),
        workDir: join(scratch, 'work'),
        target: mergedDir,
      });
      const layout: SandboxLayout = {
        mergedDir,
        tmpDir: join(scratch, 'tmp'),
        runDir: join(scratch, 'run'),
        network: spec.network,
        hostname: spec.hostname ?? id,
        binds: spec.binds ?? [],
        resolvConf: spec.network === 'host' ? hostResolvConf(mergedDir) : undefined,
        privileged: hasCapability('CAP_SYS_ADMIN'),
      };
      return new BwrapInstance(id, scratch, layout, spec, record, bwrap, cgroups);
    } catch (err) {
      if (cgroups) await removeCgroups(cgroups.dirs);
      await unmountTree(scratch);
      await removeTree(scratch);
      await record.remove();
      throw err;
    }
  }
}

export { reapStaleInstances } from './registry.js';
