import { createHash } from 'node:crypto';
import { DEFAULT_PATH } from '../../instances/bwrap/args.js';
import type { FileProbe } from './conditions.js';
import { type InstanceFs, InstanceFsError } from './instance-fs.js';

/** Expected file-system failures (a missing folder on the way, /proc) mean "not there". */
async function orFalse<T>(work: Promise<T>, fallback: T): Promise<T> {
  try {
    return await work;
  } catch (err) {
    if (err instanceof InstanceFsError) return fallback;
    throw err;
  }
}

/**
 * File-system operators evaluated on the instance's own tree through its InstanceFs, with
 * links followed as inside the instance. `binaryExists` looks a bare name up on the PATH the
 * instance's commands get (like Go's exec.LookPath): a regular file with an execute bit.
 */
export function instanceProbe(fs: InstanceFs, path: string = DEFAULT_PATH): FileProbe {
  const isExecutable = async (p: string) =>
    orFalse(
      fs.stat(p).then((s) => s?.type === 'file' && (s.mode & 0o111) !== 0),
      false,
    );
  return {
    fileExists: (p) =>
      orFalse(
        fs.stat(p).then((s) => s?.type === 'file'),
        false,
      ),
    folderExists: (p) =>
      orFalse(
        fs.stat(p).then((s) => s?.type === 'directory'),
        false,
      ),
    async binaryExists(name) {
      if (name === '') return false;
      if (name.includes('/')) return isExecutable(name);
      for (const dir of path.split(':').filter(Boolean)) {
        if (await isExecutable(`${dir}/${name}`)) return true;
      }
      return false;
    },
    async fileHash(algorithm, p) {
      const info = await orFalse(fs.stat(p), undefined);
      if (info?.type !== 'file') return undefined;
      return createHash(algorithm)
        .update(await fs.readFile(p))
        .digest('hex');
    },
  };
}
