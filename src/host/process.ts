import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { KilnError } from '../core/errors.js';
import { isAlive, type ProcessIdentity, processIdentity, processTree } from './proc.js';

/** Options of one child process; every long call takes an AbortSignal. */
export interface RunOptions {
  cwd?: string;
  /** The child's whole environment (default: this process's). */
  env?: NodeJS.ProcessEnv;
  /** Written (or piped) to stdin, which is then closed; without it stdin is /dev/null. */
  input?: string | Buffer | Readable;
  signal?: AbortSignal;
  timeoutMs?: number;
  onStdoutLine?: (line: string) => void;
  onStderrLine?: (line: string) => void;
  /** Each stream keeps at most its last this-many bytes (default 4 MiB); the tail is what explains a failure. */
  maxCaptureBytes?: number;
  /** Time between SIGTERM and SIGKILL when the tree is killed (default 2000 ms). */
  killGraceMs?: number;
  /** Called with the child's pid as soon as it runs (to record it for crash recovery). */
  onSpawn?: (pid: number) => void;
}

export interface ProcessResult {
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  aborted: boolean;
}

const DEFAULT_CAPTURE = 4 * 1024 * 1024;
/** How long a finished command's leftovers may hold its output pipes before they are killed. */
const LEFTOVER_GRACE_MS = 200;

/** Keeps the last `limit` bytes of a stream and, optionally, hands out complete lines. */
class StreamSink {
  private chunks: Buffer[] = [];
  private size = 0;
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';

  constructor(
    private readonly limit: number,
    private readonly onLine: ((line: string) => void) | undefined,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()!.length;
    }
    if (!this.onLine) return;
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  finish(): string {
    if (this.onLine) {
      const last = this.partial + this.decoder.end();
      if (last !== '') this.onLine(last);
    }
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}

function signalAll(targets: ProcessIdentity[], group: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-group, sig);
  } catch {
    // the group is already empty
  }
  for (const target of targets) {
    if (!isAlive(target)) continue;
    try {
      process.kill(target.pid, sig);
    } catch {
      // exited meanwhile
    }
  }
}

/**
 * Kills a child's whole tree: its process group plus every descendant found in /proc (which
 * catches members that called setsid()). SIGTERM first, SIGKILL after `graceMs`.
 */
function killTree(pid: number, graceMs: number): () => void {
  const snapshot = (): ProcessIdentity[] =>
    [pid, ...processTree(pid)].map(processIdentity).filter((p): p is ProcessIdentity => !!p);
  const first = snapshot();
  signalAll(first, pid, 'SIGTERM');
  const timer = setTimeout(() => signalAll([...first, ...snapshot()], pid, 'SIGKILL'), graceMs);
  // The SIGKILL pass outlives the call (members may ignore SIGTERM after closing our pipes),
  // but must not keep this process alive on its own.
  timer.unref();
  return () => clearTimeout(timer);
}

/**
 * Runs argv in its own process group and resolves when it has exited and its output pipes are
 * closed. Never rejects for a non-zero exit; rejects when the program cannot be started, or
 * with a line/spawn callback's error after killing the tree when that callback throws.
 * On abort or timeout the whole tree is killed (SIGTERM, then SIGKILL after the grace period).
 */
export function runProcess(argv: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('runProcess: empty argv'));
  const limit = options.maxCaptureBytes ?? DEFAULT_CAPTURE;
  const grace = options.killGraceMs ?? 2000;
  if (options.signal?.aborted) {
    return Promise.resolve({
      exitCode: null,
      signal: null,
      stdout: '',
      stderr: '',
      timedOut: false,
      aborted: true,
    });
  }
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let callbackError: { error: unknown } | undefined;
    // A throwing callback must not crash the process from inside a stream handler: it stops
    // the command instead, and the call rejects with the callback's error.
    const guard = (fn: ((line: string) => void) | undefined) =>
      fn &&
      ((line: string): void => {
        if (callbackError) return;
        try {
          fn(line);
        } catch (error) {
          callbackError = { error };
          stopTree();
        }
      });
    const out = new StreamSink(limit, guard(options.onStdoutLine));
    const err = new StreamSink(limit, guard(options.onStderrLine));
    let timedOut = false;
    let aborted = false;
    let cancelKill: (() => void) | undefined;
    let exitCode: number | null = null;
    let exitSignal: string | null = null;
    const stopTree = (): void => {
      if (!cancelKill && child.pid !== undefined) cancelKill = killTree(child.pid, grace);
    };
    const onAbort = (): void => {
      aborted = true;
      stopTree();
    };
    const timer =
      options.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            stopTree();
          }, options.timeoutMs);
    options.signal?.addEventListener('abort', onAbort, { once: true });
    let leftoverTimer: NodeJS.Timeout | undefined;
    const cleanup = (): void => {
      if (timer) clearTimeout(timer);
      if (leftoverTimer) clearTimeout(leftoverTimer);
      options.signal?.removeEventListener('abort', onAbort);
    };
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    child.on('spawn', () => {
      if (child.pid !== undefined && options.onSpawn) guard(() => options.onSpawn?.(child.pid!))?.('');
    });
    child.on('error', (error) => {
      cleanup();
      cancelKill?.();
      reject(new Error(`cannot start ${file}: ${error.message}`, { cause: error }));
    });
    child.on('exit', (code, sig) => {
      exitCode = code;
      exitSignal = sig;
      // Leftover background processes holding our pipes would keep 'close' from ever firing.
      leftoverTimer = setTimeout(stopTree, LEFTOVER_GRACE_MS);
    });
    child.on('close', () => {
      cleanup();
      const result = {
        exitCode,
        signal: exitSignal,
        stdout: out.finish(),
        stderr: err.finish(),
        timedOut,
        aborted,
      };
      if (callbackError) reject(callbackError.error);
      else resolve(result);
    });
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {
        // the child exited without reading all its input; its exit status tells the story
      });
      if (typeof options.input === 'string' || Buffer.isBuffer(options.input)) child.stdin.end(options.input);
      else options.input.pipe(child.stdin);
    }
  });
}

/** A host command that failed: carries what a log and an image's `state.reason` need. */
export class HostCommandError extends KilnError {
  readonly argv: readonly string[];
  readonly exitCode: number | null;
  readonly signal: string | null;
  readonly stderrTail: string;
  readonly timedOut: boolean;
  readonly aborted: boolean;

  constructor(argv: readonly string[], result: ProcessResult, cause?: unknown) {
    const tail = tailLines(result.stderr, 20, 4000);
    const how = result.aborted
      ? 'was cancelled'
      : result.timedOut
        ? 'timed out'
        : result.signal
          ? `was killed by ${result.signal}`
          : `failed with exit code ${result.exitCode}`;
    super('ServiceException', `command ${how}: ${quoteArgv(argv)}${tail ? `\n${tail}` : ''}`, { cause });
    this.argv = argv;
    this.exitCode = result.exitCode;
    this.signal = result.signal;
    this.stderrTail = tail;
    this.timedOut = result.timedOut;
    this.aborted = result.aborted;
  }
}

/** Like runProcess, but a non-zero exit, a signal, a timeout or an abort throws HostCommandError. */
export async function runChecked(argv: readonly string[], options: RunOptions = {}): Promise<ProcessResult> {
  const result = await runProcess(argv, options);
  if (result.exitCode !== 0 || result.aborted || result.timedOut) {
    throw new HostCommandError(argv, result, result.aborted ? options.signal?.reason : undefined);
  }
  return result;
}

/** The last `lines` lines of a text, at most `chars` characters, without trailing blank lines. */
export function tailLines(text: string, lines: number, chars: number): string {
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  return tail.length > chars ? tail.slice(tail.length - chars) : tail;
}

/** argv as a shell would need it typed, for messages and logs. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", `'\\''`)}'`)).join(' ');
}
