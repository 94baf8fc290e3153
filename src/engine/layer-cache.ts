import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, publishDir, writeFileAtomic } from '../host/fs.js';
import { runChecked } from '../host/process.js';
import type { Layer } from '../images/layers.js';
import type { KeyInputs } from './plan.js';

/** A component's changes kept for reuse: the overlay-format tree (a ready lower dir) and its blob. */
export interface CachedLayer {
  readonly key: string;
  /** The instance's upper dir as it was after the component ran: usable as an overlay lowerdir. */
  readonly treeDir: string;
  readonly layer: Layer;
  readonly componentArn: string;
  readonly keyInputs: KeyInputs;
  readonly createdAt: number;
}

const dirName = (key: string): string => key.replace(/^sha256:/, '');

/**
 * The per-component layer cache: one directory per chained cache key holding the layer's tree
 * and a JSON record. Entries are published by an atomic rename of a finished directory, so a
 * killed build never leaves a half entry that looks usable.
 */
export class LayerCache {
  constructor(private readonly root: string) {}

  async get(key: string): Promise<CachedLayer | undefined> {
    const dir = join(this.root, dirName(key));
    try {
      const record = JSON.parse(await readFile(join(dir, 'layer.json'), 'utf8')) as Omit<
        CachedLayer,
        'treeDir'
      >;
      if (!existsSync(join(dir, 'tree'))) return undefined;
      return { ...record, treeDir: join(dir, 'tree') };
    } catch {
      return undefined;
    }
  }

  /**
   * Copies `upperDir` into the cache under `key` (keeping device nodes and overlay xattrs) and
   * returns the entry now published under that key: this one, or the one that was there first.
   */
  async put(
    entry: Omit<CachedLayer, 'treeDir'>,
    upperDir: string,
    signal?: AbortSignal,
  ): Promise<CachedLayer> {
    await mkdir(this.root, { recursive: true });
    const staging = await makeTempDir(`.${dirName(entry.key).slice(0, 12)}-`, { parent: this.root });
    try {
      await runChecked(
        ['cp', '-a', '--preserve=all', `${upperDir}/.`, join(staging, 'tree')],
        signal ? { signal } : {},
      );
      await writeFileAtomic(join(staging, 'layer.json'), JSON.stringify(entry));
      const target = join(this.root, dirName(entry.key));
      const fresh = { ...entry, treeDir: join(target, 'tree') };
      if (await publishDir(staging, target)) return fresh;
      // The key is already cached (a concurrent build, or a run with cache reads off): keep the
      // published entry — running instances may use its tree as a lower dir — and hand it back,
      // so the caller's OCI layer and tree always agree.
      await rm(staging, { recursive: true, force: true });
      const existing = await this.get(entry.key);
      if (!existing) throw new Error(`layer cache entry ${entry.key} vanished while publishing`);
      return existing;
    } catch (err) {
      await rm(staging, { recursive: true, force: true });
      throw err;
    }
  }
}
