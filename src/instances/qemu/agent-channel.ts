import type { Socket } from 'node:net';
import { constants } from 'node:os';
import { StringDecoder } from 'node:string_decoder';
import type { ExecOptions, ExecResult } from '../backend.js';
import { type AgentMessage, parseAgentLine, requestLines } from './guest-agent.js';

const CAPTURE_LIMIT = 4 * 1024 * 1024;
const PING_INTERVAL_MS = 1000;
/** How long a killed command may take to be reported gone before the guest is deemed unresponsive. */
const KILL_CONFIRM_MS = 10_000;

/** Keeps the last CAPTURE_LIMIT bytes of one output stream and hands out complete lines. */
class Sink {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(private readonly onLine?: (line: string) => void) {}

  push(data: Buffer): void {
    this.chunks.push(data);
    this.size += data.length;
    while (this.chunks.length > 1 && this.size - this.chunks[0]!.length >= CAPTURE_LIMIT) {
      this.size -= this.chunks.shift()!.length;
    }
    if (!this.onLine) return;
    const lines = (this.partial + this.decoder.write(data)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  finish(): string {
    const last = this.partial + this.decoder.end();
    if (this.onLine && last !== '') this.onLine(last);
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - CAPTURE_LIMIT)).toString('utf8');
  }
}

interface PendingExec {
  out: Sink;
  err: Sink;
  exited: (message: Extract<AgentMessage, { kind: 'EXIT' }>) => void;
}

const signalName = (n: number | null): string | null =>
  n === null ? null : (Object.entries(constants.signals).find(([, v]) => v === n)?.[0] ?? `SIG${n}`);

/**
 * The host end of the guest agent's serial line (protocol in guest-agent.ts). Survives guest
 * reboots: QEMU keeps the connection while the guest resets. `fail` rejects everything pending
 * (QEMU exited, the kernel panicked) and every later call.
 */
export class AgentChannel {
  /** Boot id of the agent that last said HELLO. */
  bootId: string | undefined;
  private buffer = '';
  private nextId = 1;
  private failure: Error | undefined;
  private readonly execs = new Map<number, PendingExec>();
  private readonly waiters = new Set<{
    test: (m: AgentMessage) => boolean;
    resolve: () => void;
    reject: (e: Error) => void;
  }>();

  constructor(private readonly socket: Socket) {
    socket.setEncoding('latin1');
    socket.on('data', (text: string) => this.receive(text));
    socket.on('error', (err) => this.fail(new Error(`guest agent connection: ${err.message}`)));
    socket.on('close', () => this.fail(new Error('guest agent connection closed')));
  }

  private receive(text: string): void {
    this.buffer += text;
    let nl = this.buffer.indexOf('\n');
    while (nl !== -1) {
      const message = parseAgentLine(this.buffer.slice(0, nl));
      this.buffer = this.buffer.slice(nl + 1);
      if (message) this.dispatch(message);
      nl = this.buffer.indexOf('\n');
    }
  }

  private dispatch(message: AgentMessage): void {
    if (message.kind === 'HELLO') this.bootId = message.bootId;
    if (message.kind === 'OUT') this.execs.get(message.id)?.out.push(message.data);
    if (message.kind === 'ERR') this.execs.get(message.id)?.err.push(message.data);
    if (message.kind === 'EXIT') this.execs.get(message.id)?.exited(message);
    for (const waiter of this.waiters) {
      if (waiter.test(message)) {
        this.waiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters) waiter.reject(this.failure);
    this.waiters.clear();
  }

  private send(line: string): void {
    if (this.failure) throw this.failure;
    this.socket.write(`${line}\n`, 'latin1');
  }

  /** Resolves at the first message passing `test`; rejects on failure, abort or timeout. */
  private waitFor(
    test: (m: AgentMessage) => boolean,
    what: string,
    signal?: AbortSignal,
    timeoutMs?: number,
  ): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters.delete(waiter);
      };
      const waiter = {
        test,
        resolve: () => {
          cleanup();
          resolve();
        },
        reject: (e: Error) => {
          cleanup();
          reject(e);
        },
      };
      const onAbort = (): void => {
        const reason = signal?.reason instanceof Error ? signal.reason.message : 'cancelled';
        waiter.reject(new Error(`${what}: ${reason}`, { cause: signal?.reason }));
      };
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(
              () => waiter.reject(new Error(`${what}: no answer within ${timeoutMs} ms`)),
              timeoutMs,
            );
      this.waiters.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (signal?.aborted) onAbort();
    });
  }

  /** Waits for an agent (one from a boot other than `notBootId`, after a reboot), pinging it. */
  async waitReady(options: { notBootId?: string; timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    const fresh = (m: AgentMessage): boolean => m.kind === 'HELLO' && m.bootId !== options.notBootId;
    const ping = setInterval(() => {
      if (!this.failure) this.send('PING');
    }, PING_INTERVAL_MS);
    try {
      if (!this.failure) this.send('PING');
      await this.waitFor(fresh, 'waiting for the guest agent', options.signal, options.timeoutMs);
      return this.bootId!;
    } finally {
      clearInterval(ping);
    }
  }

  /** Asks the guest to power off or reboot; resolves when the agent has acknowledged. */
  async power(how: 'off' | 'reboot', timeoutMs: number): Promise<void> {
    const ack = this.waitFor(
      (m) => m.kind === 'ACK',
      `asking the guest to ${how === 'off' ? 'power off' : 'reboot'}`,
      undefined,
      timeoutMs,
    );
    this.send(`POWER ${how}`);
    await ack;
  }

  setHostname(name: string): void {
    this.send(`HOST ${Buffer.from(name).toString('hex')}`);
  }

  /** Runs one command in the guest; abort or timeout kills its process group, not the guest. */
  async exec(
    argv: readonly string[],
    cwd: string,
    env: Record<string, string>,
    options: ExecOptions,
  ): Promise<ExecResult> {
    const id = this.nextId++;
    const state = { timedOut: false, aborted: false };
    let exit!: Extract<AgentMessage, { kind: 'EXIT' }>;
    const pending: PendingExec = {
      out: new Sink(options.onStdoutLine),
      err: new Sink(options.onStderrLine),
      exited: (m) => {
        exit = m;
      },
    };
    this.execs.set(id, pending);
    const unresponsive = new AbortController();
    const exited = this.waitFor(
      (m) => m.kind === 'EXIT' && m.id === id,
      `killing ${argv[0]} in the guest`,
      unresponsive.signal,
    );
    let confirm: NodeJS.Timeout | undefined;
    const kill = (why: 'timedOut' | 'aborted'): void => {
      state[why] = true;
      confirm ??= setTimeout(() => {
        unresponsive.abort(new Error(`the guest agent did not confirm within ${KILL_CONFIRM_MS} ms`));
      }, KILL_CONFIRM_MS);
      if (!this.failure) this.send(`KILL ${id}`);
    };
    const timer =
      options.timeoutMs === undefined ? undefined : setTimeout(() => kill('timedOut'), options.timeoutMs);
    const onAbort = (): void => kill('aborted');
    options.signal?.addEventListener('abort', onAbort, { once: true });
    try {
      if (options.signal?.aborted)
        return { exitCode: null, signal: null, stdout: '', stderr: '', timedOut: false, aborted: true };
      for (const line of requestLines(id, { argv, cwd, env, input: options.input })) {
        const acked = this.waitFor(
          (m) => m.kind === 'INACK' && m.id === id,
          'sending a command to the guest',
        );
        this.send(line);
        await acked;
      }
      if (state.aborted || state.timedOut) {
        return { exitCode: null, signal: null, stdout: '', stderr: '', ...state };
      }
      this.send(`EXEC ${id}`);
      await exited;
      return {
        exitCode: exit.exitCode,
        signal: signalName(exit.signal),
        stdout: pending.out.finish(),
        stderr: pending.err.finish(),
        ...state,
      };
    } finally {
      clearTimeout(timer);
      clearTimeout(confirm);
      options.signal?.removeEventListener('abort', onAbort);
      this.execs.delete(id);
      exited.catch(() => undefined);
    }
  }
}
