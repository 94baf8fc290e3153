import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SuiteSource } from './apt-sources.js';

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

async function fetchInRelease(entry: SuiteSource, signal: AbortSignal): Promise<Uint8Array> {
  const url = `${entry.uri}/dists/${entry.suite}/InRelease`;
  if (url.startsWith('file:')) return readFile(fileURLToPath(url));
  let response: Response;
  try {
    response = await fetch(url, { signal });
  } catch (err) {
    throw new Error(`fetching ${url}: ${(err as Error).message}`, { cause: err });
  }
  if (!response.ok) throw new Error(`fetching ${url}: HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The state of the mirrors a tree is built from: sha256 over the digests of each suite's
 * InRelease file (design.md §2). It changes exactly when the archive publishes new packages,
 * so it is part of every cache key that depends on what apt would install.
 */
export async function mirrorState(
  entries: readonly SuiteSource[],
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutMs ?? 30_000);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const lines = await Promise.all(
    entries.map(async (e) => `${e.uri} ${e.suite} ${sha256(await fetchInRelease(e, signal))}\n`),
  );
  return sha256(lines.sort().join(''));
}
