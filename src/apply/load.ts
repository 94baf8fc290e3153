import { readFileSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Manifest, ManifestError, type ManifestSource, parseManifest } from './manifest.js';

/**
 * Loads a manifest from one YAML file, or from every `*.yaml`/`*.yml` file of a directory
 * (not recursive, in name order) merged into one.
 */
export async function loadManifest(path: string): Promise<Manifest> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch (err) {
    throw new ManifestError([
      `${path}: cannot read the manifest: ${(err as NodeJS.ErrnoException).code ?? err}`,
    ]);
  }
  const files = info.isDirectory()
    ? (await readdir(path))
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => join(path, f))
    : [path];
  if (files.length === 0)
    throw new ManifestError([`${path}: the directory holds no *.yaml or *.yml manifest files`]);
  const sources: ManifestSource[] = await Promise.all(
    files.map(async (f) => ({ path: f, text: await readFile(f, 'utf8') })),
  );
  // Documents named by `file:` are read while parsing so errors point at the entry naming them.
  return parseManifest(sources, (p) => readFileSync(p, 'utf8'));
}
