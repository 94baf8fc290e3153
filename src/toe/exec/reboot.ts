import { mkdir, readFile, rename, rm, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Instance } from '../../instances/backend.js';
import type { InstanceFs } from './instance-fs.js';
import type { RunState } from './run-state.js';

const STATE_FILE = 'state.json';

/** Saves a run's state before its instance restarts (what awstoe keeps in --state-directory). */
export async function saveRunState(stateDir: string, state: RunState): Promise<void> {
  await mkdir(stateDir, { recursive: true });
  const path = join(stateDir, STATE_FILE);
  await writeFile(`${path}.tmp`, JSON.stringify(state));
  await rename(`${path}.tmp`, path);
}

/** The state saved before the restart: the run goes on from exactly this (not from memory). */
export async function loadRunState(stateDir: string): Promise<RunState> {
  return JSON.parse(await readFile(join(stateDir, STATE_FILE), 'utf8')) as RunState;
}

/** Removes the saved state (and the folder, when the run made it and nothing else is in it). */
export async function clearRunState(stateDir: string): Promise<void> {
  await rm(join(stateDir, STATE_FILE), { force: true });
  await rmdir(stateDir).catch(() => {});
}

/**
 * Restarts the instance for a Reboot step or exit 194. An instance that boots a machine (a QEMU
 * VM: it has `reboot`) reboots for real — its kernel restarts, and this resolves once its agent
 * answers with a new boot id. The run's state needs nothing from the guest: runToe runs on the
 * host and keeps its state directory there (in the run's log folder by default), so it survives
 * any reboot. Anything else is a sandbox and is restarted as restartSandbox describes.
 */
export async function restartInstance(
  fs: InstanceFs,
  instance?: Instance,
  signal?: AbortSignal,
): Promise<void> {
  if (instance?.reboot) return instance.reboot(signal ? { signal } : {});
  return restartSandbox(fs);
}

/**
 * "Reboots" a sandbox instance. A bwrap instance has no processes between execs (every exec
 * ends with all the processes it started), so nothing is left to kill, and its root tree (the
 * overlay's upper layer) is kept, as a disk is across a reboot. What a boot resets is reset:
 * /run, a tmpfs on every Linux system, is emptied (keeping /run/lock, which Debian's /var/lock
 * points to). /tmp is kept: Image Builder's working directory and awstoe's own files live
 * there and must survive awstoe's reboots.
 */
async function restartSandbox(fs: InstanceFs): Promise<void> {
  for (const name of await fs.readdir('/run')) await fs.rm(`/run/${name}`, { recursive: true });
  await fs.mkdir('/run/lock');
  await fs.chmod('/run/lock', 0o1777);
}
