/**
 * CPU and memory limits of a bwrap instance: one cgroup per instance, created before its first
 * process and removed when it stops. cgroup v2 (`cpu.max`, `memory.max`) where the unified
 * hierarchy has the cpu and memory controllers; else v1 (`cpu.cfs_quota_us`,
 * `memory.limit_in_bytes`), as on hybrid hosts whose controllers are all bound to v1. The
 * cgroup is made below Kiln's own cgroup, so limits a supervisor puts on Kiln still apply.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalidRequest } from '../../core/errors.js';
import type { InstanceType } from '../../core/instance-types.js';
import { currentMounts } from '../../host/mount.js';

/** What the host offers (read by readCgroupFacts; the input of the pure planCgroups). */
export interface CgroupFacts {
  /** Mount point of the cgroup2 hierarchy, if any (`/sys/fs/cgroup` or hybrid `…/unified`). */
  readonly v2Mount?: string;
  /** Controllers the v2 hierarchy's root offers (`cgroup.controllers`). */
  readonly v2Controllers: readonly string[];
  /** Mount points of the v1 hierarchies holding `cpu` and `memory`. */
  readonly v1Mounts: Readonly<Partial<Record<'cpu' | 'memory', string>>>;
  /** This process's cgroup per hierarchy (`/proc/self/cgroup`): '' is v2, else a v1 controller. */
  readonly own: Readonly<Record<string, string>>;
}

/** One instance's cgroups: the directories, the limit files to write, and where PIDs join. */
export interface CgroupPlan {
  readonly version: 1 | 2;
  /** Created in this order, removed in reverse. */
  readonly dirs: readonly string[];
  readonly writes: readonly { readonly file: string; readonly value: string }[];
  /** Every process of every exec is written into each of these before it runs. */
  readonly procsFiles: readonly string[];
  /** v2: the parent's `cgroup.subtree_control` must enable these first. */
  readonly enable?: { readonly file: string; readonly controllers: readonly string[] };
}

const PERIOD_US = 100_000;
const NEEDED = ['cpu', 'memory'] as const;

/** The cgroups for one instance of `type` (pure); throws naming what is missing when neither version works. */
export function planCgroups(facts: CgroupFacts, instanceId: string, type: InstanceType): CgroupPlan {
  const name = `kiln-${instanceId}`;
  const quota = String(Math.round(type.vcpus * PERIOD_US));
  const bytes = String(type.memoryMiB * 1024 * 1024);
  if (facts.v2Mount && NEEDED.every((c) => facts.v2Controllers.includes(c))) {
    const parent = join(facts.v2Mount, facts.own[''] ?? '/');
    const dir = join(parent, name);
    return {
      version: 2,
      dirs: [dir],
      enable: { file: join(parent, 'cgroup.subtree_control'), controllers: [...NEEDED] },
      writes: [
        { file: join(dir, 'cpu.max'), value: `${quota} ${PERIOD_US}` },
        { file: join(dir, 'memory.max'), value: bytes },
        { file: join(dir, 'memory.swap.max'), value: '0' },
      ],
      procsFiles: [join(dir, 'cgroup.procs')],
    };
  }
  const cpu = facts.v1Mounts.cpu;
  const memory = facts.v1Mounts.memory;
  if (cpu && memory) {
    const cpuDir = join(cpu, facts.own.cpu ?? '/', name);
    const memDir = join(memory, facts.own.memory ?? '/', name);
    const dirs = cpuDir === memDir ? [cpuDir] : [cpuDir, memDir];
    return {
      version: 1,
      dirs,
      writes: [
        { file: join(cpuDir, 'cpu.cfs_period_us'), value: String(PERIOD_US) },
        { file: join(cpuDir, 'cpu.cfs_quota_us'), value: quota },
        { file: join(memDir, 'memory.limit_in_bytes'), value: bytes },
      ],
      procsFiles: dirs.map((d) => join(d, 'cgroup.procs')),
    };
  }
  const v2 = facts.v2Mount
    ? `cgroup v2 at ${facts.v2Mount} offers [${facts.v2Controllers.join(' ')}]`
    : 'no cgroup v2 hierarchy is mounted';
  const v1 = NEEDED.filter((c) => !facts.v1Mounts[c]).map((c) => `no v1 '${c}' hierarchy`);
  throw invalidRequest(
    `instance type ${type.name} needs cgroups with the cpu and memory controllers to limit the instance: ${v2}; ${v1.join(', ')}.`,
    'Mount cgroup2 with those controllers (or the v1 cpu and memory hierarchies) at /sys/fs/cgroup and run Kiln as root.',
  );
}

/** Parses /proc/self/cgroup ("ID:controllers:path" lines) into path by controller ('' is v2). */
export function parseProcCgroup(text: string): Record<string, string> {
  const own: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    const path = m[2] as string;
    if (m[1] === '') own[''] = path;
    else for (const c of (m[1] as string).split(',')) own[c] = path;
  }
  return own;
}

export function readCgroupFacts(): CgroupFacts {
  const mounts = currentMounts();
  const v2Mount = mounts.find((m) => m.fsType === 'cgroup2')?.mountPoint;
  const controllersFile = v2Mount && join(v2Mount, 'cgroup.controllers');
  const v1Mounts: Partial<Record<'cpu' | 'memory', string>> = {};
  for (const m of mounts.filter((x) => x.fsType === 'cgroup')) {
    const options = m.options.split(',');
    for (const c of NEEDED) if (options.includes(c)) v1Mounts[c] ??= m.mountPoint;
  }
  return {
    ...(v2Mount ? { v2Mount } : {}),
    v2Controllers:
      controllersFile && existsSync(controllersFile)
        ? readFileSync(controllersFile, 'utf8').trim().split(/\s+/).filter(Boolean)
        : [],
    v1Mounts,
    own: parseProcCgroup(readFileSync('/proc/self/cgroup', 'utf8')),
  };
}

const JOIN_SCRIPT =
  'while [ "$1" != -- ]; do echo $$ > "$1" || { echo "kiln: cannot join cgroup ($1)" >&2; exit 125; }; shift; done; shift; exec "$@"';

/**
 * `argv` run inside the cgroups: a shell writes its own PID into each `cgroup.procs`, then
 * execs `argv` (same PID), so the command and everything it starts are in them from the start.
 */
export function joinCgroupArgv(procsFiles: readonly string[], argv: readonly string[]): string[] {
  return ['/bin/sh', '-c', JOIN_SCRIPT, 'kiln-cgroup', ...procsFiles, '--', ...argv];
}

/** Creates the planned cgroups and writes the limits; on failure removes what it made and throws why. */
export async function createCgroups(plan: CgroupPlan): Promise<void> {
  try {
    if (plan.enable) {
      const have = (await readFile(plan.enable.file, 'utf8')).split(/\s+/);
      const missing = plan.enable.controllers.filter((c) => !have.includes(c));
      if (missing.length > 0)
        await writeFile(plan.enable.file, missing.map((c) => `+${c}`).join(' ')).catch((err: Error) => {
          throw new Error(
            `cannot enable ${missing.join(', ')} in ${plan.enable?.file} (${err.message}): Kiln's own cgroup must be the root or have no processes of its own (cgroup v2 rule); run Kiln in a delegated cgroup`,
          );
        });
    }
    for (const dir of plan.dirs) await mkdir(dir);
    for (const w of plan.writes) {
      // memory.swap.max is absent when the kernel has no swap accounting: nothing to limit then.
      if (w.file.endsWith('memory.swap.max') && !existsSync(w.file)) continue;
      await writeFile(w.file, w.value);
    }
  } catch (err) {
    await removeCgroups(plan.dirs);
    throw new Error(`instance cgroup (v${plan.version}): ${(err as Error).message}`);
  }
}

const pidsIn = async (dir: string): Promise<number[]> =>
  (await readFile(join(dir, 'cgroup.procs'), 'utf8').catch(() => '')).split('\n').filter(Boolean).map(Number);

/**
 * Removes cgroups, killing whatever still runs in them first (a cgroup with processes cannot
 * be removed; exiting processes linger for a moment). Idempotent; used by stop and the reaper.
 */
export async function removeCgroups(dirs: readonly string[]): Promise<void> {
  for (const dir of [...dirs].reverse()) {
    for (let attempt = 0; existsSync(dir); attempt++) {
      for (const pid of await pidsIn(dir)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      try {
        await rmdir(dir);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') break;
        if (code !== 'EBUSY' || attempt >= 100) throw new Error(`cannot remove cgroup ${dir}: ${code}`);
        await sleep(20);
      }
    }
  }
}
