import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { type ProcessResult, runProcess, tailLines } from '../../host/process.js';
import type { RecordFile } from '../bwrap/registry.js';
import { AgentChannel } from './agent-channel.js';
import { type QemuLaunch, qemuArgs } from './args.js';

export const POWER_OFF_TIMEOUT_MS = 30_000;
const CONSOLE_LINES = 40;

/** One running QEMU process and the agent line to its guest. */
export interface Machine {
  channel: AgentChannel;
  server: Server;
  /** Settles when QEMU has exited (never rejects). */
  done: Promise<ProcessResult | Error>;
  exited: boolean;
  kill: AbortController;
  /** The last lines of the guest console, for error messages. */
  consoleTail(): string;
}

/**
 * Starts QEMU with the agent socket already listening (QEMU connects to it as it starts) and
 * resolves once connected. The channel fails when QEMU exits or the guest kernel panics, so
 * nothing waits for a dead guest.
 */
export async function startMachine(
  qemu: string,
  launch: QemuLaunch,
  options: { record: RecordFile; onConsoleLine?: (line: string) => void },
): Promise<Machine> {
  const server = createServer();
  server.listen(launch.agentSocket);
  await once(server, 'listening');
  const connected = once(server, 'connection') as Promise<[Socket]>;
  const kill = new AbortController();
  const lines: string[] = [];
  const consoleTail = (): string => tailLines(lines.join('\n'), CONSOLE_LINES, 4000);
  let panicked = false;
  let channel: AgentChannel | undefined;
  const done = runProcess(qemuArgs(qemu, launch), {
    signal: kill.signal,
    killGraceMs: 3000,
    onSpawn: (pid) => void options.record.addExec(pid),
    onStdoutLine: (line) => {
      lines.push(line);
      if (lines.length > CONSOLE_LINES) lines.shift();
      options.onConsoleLine?.(line);
      if (!panicked && /Kernel panic - not syncing/.test(line)) {
        panicked = true;
        channel?.fail(new Error(`the guest kernel panicked; console:\n${consoleTail()}`));
      }
    },
  }).catch((err: Error) => err);
  const why = (result: ProcessResult | Error): Error => {
    const qemuErr = result instanceof Error ? result.message : tailLines(result.stderr, 10, 2000);
    const after = panicked ? ' after a guest kernel panic' : '';
    return new Error(`QEMU (${launch.accel}) exited${after}: ${qemuErr}\nconsole:\n${consoleTail()}`);
  };
  const exited = done.then((r) => Promise.reject(why(r)));
  exited.catch(() => undefined);
  let socket: Socket;
  try {
    [socket] = await Promise.race([connected, exited]);
  } catch (err) {
    server.close();
    throw err;
  }
  channel = new AgentChannel(socket);
  const machine: Machine = { channel, server, done, exited: false, kill, consoleTail };
  void done.then((r) => {
    machine.exited = true;
    channel?.fail(why(r));
  });
  return machine;
}

/** Powers the guest off (killing QEMU if it does not go) and closes the agent's socket. */
export async function shutDown(machine: Machine, graceful = true): Promise<void> {
  if (graceful && !machine.exited) {
    try {
      await machine.channel.power('off', 5_000);
      const timer = setTimeout(
        () => machine.kill.abort(new Error('guest did not power off')),
        POWER_OFF_TIMEOUT_MS,
      );
      await machine.done;
      clearTimeout(timer);
    } catch {
      // the agent is gone or did not answer: QEMU is killed below
    }
  }
  machine.kill.abort(new Error('instance stopped'));
  await machine.done;
  machine.server.close();
  machine.channel.fail(new Error('instance stopped'));
}
