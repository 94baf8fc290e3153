import { spawn } from 'node:child_process';
import { existsSync, lstatSync, realpathSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../../host/fs.js';
import { mountsUnder, unmountTree } from '../../host/mount.js';
import { hasCapability } from '../../host/proc.js';
import { requireTool } from '../../host/tools.js';
import type { Instance } from '../backend.js';
import { bwrapArgs, execEnv } from './args.js';
import { removeCgroups } from './limits.js';

/** A bwrap instance kept after its launching process ended (`kiln toe run --keep`). */
export interface KeptInstance {
  id: string;
  scratchDir: string;
  mergedDir: string;
  network: 'host' | 'none';
  hostname: string;
  createdAt: string;
  /** What ran in it (shown by `kiln instance list`). */
  note: string;
}

const keptFile = (dir: string, id: string) => join(dir, `${id}.json`);

/**
 * Keeps a bwrap instance past the end of this process: its overlay stays mounted and its record
 * moves from the backend's state directory (where reapStaleInstances would clean it up once
 * this process is gone) to `keptDir`. Relies on the backend's layout: scratch = dirname of
 * upperDir, record file `<stateDir>/<id>.json`, private /tmp and /run beside upper.
 */
export async function keepInstance(
  instance: Instance,
  backendStateDir: string,
  keptDir: string,
  info: { network: 'host' | 'none'; note: string },
): Promise<KeptInstance> {
  await mkdir(keptDir, { recursive: true });
  const kept: KeptInstance = {
    id: instance.id,
    scratchDir: join(instance.upperDir, '..'),
    mergedDir: instance.rootDir,
    network: info.network,
    hostname: instance.id,
    createdAt: new Date().toISOString(),
    note: info.note,
  };
  await writeFile(keptFile(keptDir, instance.id), JSON.stringify(kept, null, 2));
  await rename(join(backendStateDir, `${instance.id}.json`), join(keptDir, `${instance.id}.backend-record`));
  return kept;
}

export async function listKeptInstances(keptDir: string): Promise<(KeptInstance & { mounted: boolean })[]> {
  if (!existsSync(keptDir)) return [];
  const out: (KeptInstance & { mounted: boolean })[] = [];
  for (const name of (await readdir(keptDir)).filter((n) => n.endsWith('.json')).sort()) {
    const kept = JSON.parse(await readFile(join(keptDir, name), 'utf8')) as KeptInstance;
    out.push({ ...kept, mounted: mountsUnder(kept.scratchDir).length > 0 });
  }
  return out;
}

export async function findKeptInstance(keptDir: string, id: string): Promise<KeptInstance | undefined> {
  const path = keptFile(keptDir, id);
  if (!/^[A-Za-z0-9-]+$/.test(id) || !existsSync(path)) return undefined;
  return JSON.parse(await readFile(path, 'utf8')) as KeptInstance;
}

/** Ends a kept instance: unmounts its overlay and removes its scratch folder and records. */
export async function stopKeptInstance(keptDir: string, kept: KeptInstance): Promise<void> {
  const backendRecord = join(keptDir, `${kept.id}.backend-record`);
  if (existsSync(backendRecord)) {
    const { cgroups } = JSON.parse(await readFile(backendRecord, 'utf8')) as { cgroups?: string[] };
    if (cgroups) await removeCgroups(cgroups);
  }
  await unmountTree(kept.scratchDir);
  await removeTree(kept.scratchDir);
  await rm(join(keptDir, `${kept.id}.backend-record`), { force: true });
  await rm(keptFile(keptDir, kept.id), { force: true });
}

/**
 * An interactive shell in a kept instance: bwrap over the instance's tree with this terminal
 * as stdio (the one spawn outside src/host: runProcess pipes stdio, a shell needs the tty).
 * Resolves with the shell's exit status.
 */
export function interactiveShell(
  kept: KeptInstance,
  argv: readonly string[] = ['bash', '-l'],
): Promise<number> {
  const bwrap = requireTool('bwrap', 'bubblewrap');
  if (mountsUnder(kept.scratchDir).length === 0) {
    return Promise.reject(
      new Error(`instance ${kept.id} is no longer mounted (the machine restarted?); stop it`),
    );
  }
  const resolv =
    kept.network === 'host' &&
    existsSync('/etc/resolv.conf') &&
    !isLink(join(kept.mergedDir, 'etc/resolv.conf'));
  const args = bwrapArgs(
    {
      mergedDir: kept.mergedDir,
      tmpDir: join(kept.scratchDir, 'tmp'),
      runDir: join(kept.scratchDir, 'run'),
      network: kept.network,
      hostname: kept.hostname,
      binds: [],
      ...(resolv ? { resolvConf: realpathSync('/etc/resolv.conf') } : {}),
      privileged: hasCapability('CAP_SYS_ADMIN'),
    },
    '/root',
    [...argv],
  );
  return new Promise((resolve, reject) => {
    const child = spawn(bwrap, args, {
      stdio: 'inherit',
      env: execEnv({ TERM: process.env.TERM ?? 'xterm' }),
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}
