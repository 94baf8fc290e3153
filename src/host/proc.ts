import { readdirSync, readFileSync } from 'node:fs';

/**
 * Facts about processes read from /proc. A pid alone is not an identity (pids are reused),
 * so records that outlive a process keep the pair (pid, start time in clock ticks since boot).
 */
export interface ProcessIdentity {
  pid: number;
  startTime: number;
}

interface StatLine {
  ppid: number;
  pgrp: number;
  startTime: number;
}

function readStat(pid: number): StatLine | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself contain spaces or ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // rest[0] is field 3 (state); ppid is field 4, pgrp field 5, starttime field 22.
  if (rest[0] === 'Z' || rest[0] === 'X') return undefined;
  return { ppid: Number(rest[1]), pgrp: Number(rest[2]), startTime: Number(rest[19]) };
}

/** The identity of a running process, or undefined when it is gone (or a zombie). */
export function processIdentity(pid: number): ProcessIdentity | undefined {
  const stat = readStat(pid);
  return stat ? { pid, startTime: stat.startTime } : undefined;
}

/** True when this exact process (same pid and start time) is still running. */
export function isAlive(identity: ProcessIdentity): boolean {
  return readStat(identity.pid)?.startTime === identity.startTime;
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);
}

/**
 * Every live descendant of `root` plus every member of its process group, found by walking
 * /proc once. Used to kill a whole tree: members that left the group with setsid() are still
 * found through their parent links (as long as their parent lives).
 */
export function processTree(root: number): number[] {
  const stats = new Map<number, StatLine>();
  for (const pid of allPids()) {
    const stat = readStat(pid);
    if (stat) stats.set(pid, stat);
  }
  const found = new Set<number>();
  for (const [pid, stat] of stats) if (stat.pgrp === root && pid !== root) found.add(pid);
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.pop()!;
    for (const [pid, stat] of stats) {
      if (stat.ppid === parent && !found.has(pid)) {
        found.add(pid);
        queue.push(pid);
      }
    }
  }
  found.delete(root);
  return [...found];
}

const CAPABILITY_BITS = { CAP_SYS_ADMIN: 21 } as const;

/** True when this process holds the capability in its effective set (root usually does). */
export function hasCapability(name: keyof typeof CAPABILITY_BITS): boolean {
  const status = readFileSync('/proc/self/status', 'utf8');
  const hex = /^CapEff:\s*([0-9a-f]+)$/m.exec(status)?.[1];
  if (!hex) return false;
  return ((BigInt(`0x${hex}`) >> BigInt(CAPABILITY_BITS[name])) & 1n) === 1n;
}
