import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree, writeFileAtomic } from '../../host/fs.js';
import { unmountTree } from '../../host/mount.js';
import { removeCgroups } from './limits.js';
import { isAlive, type ProcessIdentity, processIdentity, processTree } from '../../host/proc.js';

/** What a later process needs to clean up an instance whose owner died: one file per instance. */
export interface InstanceRecord {
  id: string;
  owner: ProcessIdentity;
  scratchDir: string;
  mergedDir: string;
  /** The bwrap processes of running execs. */
  execs: ProcessIdentity[];
  /** The instance's cgroups (limits.ts), when it has limits. */
  cgroups?: string[];
}

const recordPath = (stateDir: string, id: string): string => join(stateDir, `${id}.json`);

/** Keeps one instance's record on disk; updates are serialized so the file is never torn or stale. */
export class RecordFile {
  private chain: Promise<void> = Promise.resolve();
  private readonly record: InstanceRecord;

  constructor(
    private readonly stateDir: string,
    record: Omit<InstanceRecord, 'owner' | 'execs'>,
  ) {
    this.record = { ...record, owner: processIdentity(process.pid)!, execs: [] };
  }

  private write(): Promise<void> {
    this.chain = this.chain.then(async () => {
      await mkdir(this.stateDir, { recursive: true });
      await writeFileAtomic(recordPath(this.stateDir, this.record.id), JSON.stringify(this.record));
    });
    return this.chain;
  }

  save(): Promise<void> {
    return this.write();
  }

  addExec(pid: number): Promise<void> {
    const identity = processIdentity(pid);
    if (identity) this.record.execs.push(identity);
    return this.write();
  }

  removeExec(pid: number): Promise<void> {
    this.record.execs = this.record.execs.filter((e) => e.pid !== pid);
    return this.write();
  }

  async remove(): Promise<void> {
    await this.chain;
    await rm(recordPath(this.stateDir, this.record.id), { force: true });
  }
}

function killExecs(execs: readonly ProcessIdentity[]): void {
  for (const exec of execs) {
    if (!isAlive(exec)) continue;
    for (const pid of [exec.pid, ...processTree(exec.pid)]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/**
 * Cleans up instances whose owning process is gone (crashed or killed): kills their processes,
 * unmounts their overlays (lazily if busy) and removes their scratch directories and records.
 * Instances of live processes are left alone. Returns the ids cleaned up.
 */
export async function reapStaleInstances(stateDir: string): Promise<string[]> {
  if (!existsSync(stateDir)) return [];
  const reaped: string[] = [];
  for (const name of await readdir(stateDir)) {
    if (!name.endsWith('.json')) continue;
    let record: InstanceRecord;
    try {
      record = JSON.parse(await readFile(join(stateDir, name), 'utf8')) as InstanceRecord;
    } catch {
      continue; // vanished meanwhile (its owner stopped it)
    }
    if (isAlive(record.owner)) continue;
    killExecs(record.execs);
    if (record.cgroups) await removeCgroups(record.cgroups);
    await unmountTree(record.scratchDir);
    await removeTree(record.scratchDir);
    await rm(join(stateDir, name), { force: true });
    reaped.push(record.id);
  }
  return reaped;
}
