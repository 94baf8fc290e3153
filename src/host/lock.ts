import { PassThrough } from 'node:stream';
import { runProcess } from './process.js';
import { requireTool } from './tools.js';

export interface FileLock {
  release(): Promise<void>;
}

/**
 * Takes an exclusive flock(2) on `path` (created if missing), waiting for other holders.
 * A `flock` child holds it for as long as its stdin pipe from us stays open, so the lock is
 * released by the kernel when this process dies, however it dies: no stale lock files.
 */
export async function acquireLock(path: string, options: { signal?: AbortSignal } = {}): Promise<FileLock> {
  const flock = requireTool('flock', 'util-linux');
  const stdin = new PassThrough();
  let acquired!: () => void;
  const ready = new Promise<void>((resolve) => {
    acquired = resolve;
  });
  // The signal cancels waiting only: once held, the lock lasts until release(), so a cancelled
  // holder finishes cleaning up before the next one gets in.
  const waiting = new AbortController();
  const cancel = (): void => waiting.abort();
  options.signal?.addEventListener('abort', cancel, { once: true });
  if (options.signal?.aborted) cancel();
  const done = runProcess([flock, '--exclusive', path, 'sh', '-c', 'echo locked; exec cat >/dev/null'], {
    input: stdin,
    signal: waiting.signal,
    onStdoutLine: (line) => {
      if (line === 'locked') acquired();
    },
  });
  const outcome = await Promise.race([ready.then(() => undefined), done]);
  options.signal?.removeEventListener('abort', cancel);
  if (outcome) {
    stdin.destroy();
    if (outcome.aborted) throw options.signal?.reason ?? new Error('aborted');
    throw new Error(`cannot lock ${path}: ${outcome.stderr.trim() || `flock exited ${outcome.exitCode}`}`);
  }
  let released: Promise<void> | undefined;
  return {
    release() {
      released ??= (async () => {
        stdin.end();
        await done;
      })();
      return released;
    },
  };
}
