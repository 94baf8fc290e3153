import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { makeTempDir, removeTree } from '../../src/host/fs.js';
import { type ProcessResult, runProcess, tailLines } from '../../src/host/process.js';
import { requireTool } from '../../src/host/tools.js';

/** A private OCI registry (Debian's docker-registry) listening on 127.0.0.1, for tests. */
export interface TestRegistry {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** `127.0.0.1:PORT`, what image references and pushOciLayout's `registry` take. */
  readonly host: string;
  readonly port: number;
  /** The registry's storage root (its `storage.filesystem.rootdirectory`). */
  readonly storageDir: string;
  /** Stops the registry (SIGTERM, then SIGKILL), waits for it to exit and removes its storage. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 20_000;

/** A port nobody listens on right now (the registry binds it a moment later; a lost race is retried). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

function configYaml(storageDir: string, port: number): string {
  // Only the keys the registry needs; no auth, no TLS, deletes allowed (lifecycle tests delete).
  return [
    'version: 0.1',
    'log:',
    '  level: warn',
    '  accesslog:',
    '    disabled: true',
    'storage:',
    '  filesystem:',
    `    rootdirectory: ${JSON.stringify(storageDir)}`,
    '  delete:',
    '    enabled: true',
    'http:',
    `  addr: 127.0.0.1:${port}`,
    '',
  ].join('\n');
}

/** Resolves true once `GET /v2/` answers 200, false when the process exits first. */
async function waitReady(url: string, exited: () => boolean): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline && !exited()) {
    try {
      const res = await fetch(`${url}/v2/`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.status === 200) return true;
    } catch {
      // not listening yet
    }
    await sleep(50);
  }
  return false;
}

async function startOnce(binary: string): Promise<TestRegistry | { retry: string }> {
  const dir = await makeTempDir('kiln-registry-', { memory: false });
  const port = await freePort();
  const config = join(dir, 'config.yml');
  await writeFile(config, configYaml(join(dir, 'storage'), port));
  const controller = new AbortController();
  let result: ProcessResult | undefined;
  const done = runProcess([binary, 'serve', config], {
    signal: controller.signal,
    maxCaptureBytes: 64 * 1024,
  }).then((r) => {
    result = r;
    return r;
  });
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    controller.abort();
    await done;
    await removeTree(dir);
  };
  if (await waitReady(url, () => result !== undefined)) {
    return { url, host: `127.0.0.1:${port}`, port, storageDir: join(dir, 'storage'), stop };
  }
  await stop();
  const why = result
    ? `exited with code ${result.exitCode}:\n${tailLines(result.stderr, 20, 4000)}`
    : `did not answer GET ${url}/v2/ within ${READY_TIMEOUT_MS} ms`;
  return { retry: `docker-registry ${why}` };
}

/**
 * Starts a registry on a free port of 127.0.0.1 with its own temp storage; never touches the
 * system's docker-registry service. Fails naming the Debian package when it is not installed.
 */
export async function startRegistry(): Promise<TestRegistry> {
  const binary = requireTool('docker-registry', 'docker-registry');
  let last = '';
  // The free port may be taken between probing and binding: try a few ports.
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await startOnce(binary);
    if (!('retry' in started)) return started;
    last = started.retry;
  }
  throw new Error(last);
}
