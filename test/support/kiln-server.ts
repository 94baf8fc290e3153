import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { readProfileCredentials } from '../../src/config/credentials.js';
import { testCacheDir } from './debian.js';

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');
export const KILN_BIN = join(REPO_ROOT, 'bin', 'kiln.js');

export interface ServerProcess {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly child: ChildProcess;
  /** Everything the server printed so far. */
  output(): string;
  /** SIGTERM and wait for exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for exit (crash tests). */
  kill(): Promise<void>;
}

export interface StartServerOptions {
  readonly dataDir?: string;
  readonly env?: Record<string, string>;
  readonly args?: string[];
}

export const tempDir = (prefix: string): string => mkdtempSync(join(tmpdir(), `kiln-${prefix}-`));

/** Starts `kiln server` as a real child process on a free loopback port. */
export async function startServerProcess(options: StartServerOptions = {}): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? tempDir('server');
  const env: Record<string, string | undefined> = { ...process.env };
  delete env.KILN_ACCESS_KEY_ID;
  delete env.KILN_SECRET_ACCESS_KEY;
  // Builds share the test run's cached Debian trees, package and layer caches.
  env.KILN_CACHE_DIR ??= testCacheDir();
  Object.assign(env, options.env ?? {});
  const child = spawn(
    process.execPath,
    [KILN_BIN, 'server', '--data-dir', dataDir, '--port', '0', ...(options.args ?? [])],
    {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`kiln server did not start within 30 s:\n${out}`)),
      30_000,
    );
    const check = () => {
      const m = /listening on http:\/\/[^:]+:([0-9]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kiln server exited with ${code}:\n${out}`));
    });
  });
  const key = options.env?.KILN_ACCESS_KEY_ID
    ? {
        accessKeyId: options.env.KILN_ACCESS_KEY_ID,
        secretAccessKey: options.env.KILN_SECRET_ACCESS_KEY ?? '',
      }
    : await readProfileCredentials(join(dataDir, 'credentials'), 'kiln');
  if (!key) throw new Error(`no credentials in ${dataDir}`);
  const waitExit = async (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    ...key,
    child,
    output: () => out,
    stop: () => waitExit('SIGTERM'),
    kill: () => waitExit('SIGKILL'),
  };
}

export function sdkClient(
  server: Pick<ServerProcess, 'url' | 'accessKeyId' | 'secretAccessKey'>,
  overrides: { accessKeyId?: string; secretAccessKey?: string; region?: string } = {},
): ImagebuilderClient {
  return new ImagebuilderClient({
    endpoint: server.url,
    region: overrides.region ?? 'us-east-1',
    credentials: {
      accessKeyId: overrides.accessKeyId ?? server.accessKeyId,
      secretAccessKey: overrides.secretAccessKey ?? server.secretAccessKey,
    },
    maxAttempts: 1,
  });
}

export const removeDir = (dir: string): void => rmSync(dir, { recursive: true, force: true });
