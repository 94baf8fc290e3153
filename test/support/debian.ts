import { existsSync, statSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { removeTree } from '../../src/host/fs.js';
import { requireTool } from '../../src/host/tools.js';
import { ensureDebianParent } from '../../src/images/parents/debian.js';

/**
 * Test harness for real Debian trees. The cache survives between runs on one machine
 * ($KILN_TEST_CACHE, default /var/tmp/kiln-test-cache), so only the first run on a machine (or
 * the first after the mirror publishes) pays for mmdebstrap. `node --test` runs files in
 * parallel processes; ensureDebianParent's per-key file lock makes them share one build.
 */
export function testCacheDir(): string {
  return process.env.KILN_TEST_CACHE ?? '/var/tmp/kiln-test-cache';
}

/** The package cache shared by every tree the tests build. */
export function sharedPackageCache(): string {
  return join(testCacheDir(), 'debs');
}

/** Fails with the Debian package to install when a tool the sandbox tests need is missing. */
export function requireSandboxTools(): void {
  requireTool('mmdebstrap', 'mmdebstrap');
  requireTool('bwrap', 'bubblewrap');
  if (!existsSync('/usr/share/keyrings/debian-archive-keyring.gpg')) {
    throw new Error(
      'debian-archive-keyring.gpg not found: install the Debian package debian-archive-keyring (make deps)',
    );
  }
}

/** Options the shared tree is built with; a test that calls ensureDebianParent with them gets the same tree. */
export const BOOKWORM = { suite: 'bookworm', packages: [] as string[] } as const;

let shared: Promise<string> | undefined;

/** A bookworm minbase root tree, built once per machine and mirror state, shared by all test files. */
export function sharedBookworm(): Promise<string> {
  shared ??= (async () => {
    requireSandboxTools();
    const parent = await ensureDebianParent({
      ...BOOKWORM,
      packages: [...BOOKWORM.packages],
      cacheDir: testCacheDir(),
      log: (line) => process.stderr.write(`[sharedBookworm] ${line}\n`),
    });
    await pruneOldTrees(parent.key);
    return parent.rootDir;
  })();
  return shared;
}

const DAY_MS = 24 * 3600 * 1000;

/** Trees from earlier mirror states pile up in the cache: drop bookworm ones a day old or more. */
async function pruneOldTrees(currentKey: string): Promise<void> {
  const dir = join(testCacheDir(), 'debian');
  for (const name of await readdir(dir)) {
    const meta = join(dir, name, 'meta.json');
    if (name === currentKey || !existsSync(meta)) continue;
    const { suite, packages } = JSON.parse(await readFile(meta, 'utf8')) as {
      suite: string;
      packages: string[];
    };
    if (suite !== BOOKWORM.suite || packages.length > 0) continue;
    if (Date.now() - statSync(meta).mtimeMs > DAY_MS) await removeTree(join(dir, name));
  }
}
