/**
 * `kiln store check [--repair]` and `kiln store gc`: the artifact store of a data directory,
 * read directly (like `kiln instance`), so they work with the server stopped — after a crash
 * too. They take the collectors' lock, so they never interleave with a server's collection.
 */
import type { Config } from '../../config/config.js';
import { loadConfig } from '../../config/load.js';
import { KilnError } from '../../core/errors.js';
import { decryptBlob, readKeyMaterial } from '../../distribution/kms.js';
import { type CheckStoreOptions, checkStore, type StoreCheckReport } from '../../images/gc/check.js';
import { collectGarbage } from '../../images/gc/collect.js';
import type { Decrypt } from '../../images/gc/references.js';
import type { GcPaths } from '../../images/gc/stores.js';
import { toJson } from '../run.js';
import type { Verb, VerbIO } from '../verb.js';

const CONFIG_HELP =
  'Settings as for kiln server: --data-dir DIR (env KILN_DATA_DIR), --config FILE (regionStores, kmsKeys), …';

function gcPaths(config: Config): GcPaths {
  const regionDirs: Record<string, string> = {};
  for (const [region, where] of Object.entries(config.regionStores ?? {}))
    if (where.type === 'directory') regionDirs[region] = where.path;
  return { dataDir: config.dataDir, cacheDir: config.cacheDir, regionDirs };
}

/** Decrypts with the config's keys; a key whose file cannot be read fails each of its blobs. */
async function decryptWith(config: Config): Promise<Decrypt> {
  const materials = new Map<string, Buffer | Error>();
  for (const key of config.kmsKeys ?? [])
    materials.set(key.keyId, await readKeyMaterial(key).catch((err: Error) => err));
  return (keyId, digest, data) => {
    const material = materials.get(keyId);
    if (material === undefined) throw new Error(`no key '${keyId}' in the config's kmsKeys`);
    if (material instanceof Error) throw material;
    return decryptBlob(material, keyId, digest, data);
  };
}

/** Splits the verb's own boolean flags from the settings flags loadConfig reads. */
function split(args: readonly string[], own: readonly string[]) {
  return {
    flags: new Set(args.filter((a) => own.includes(a))),
    rest: args.filter((a) => !own.includes(a)),
  };
}

function render(report: StoreCheckReport, repair: boolean): string {
  const lines = [
    `${report.verified} blob files verified${report.unverified ? `, ${report.unverified} encrypted ones not (no key)` : ''}`,
  ];
  for (const p of report.problems) {
    const who = p.referencedBy?.length ? ` (referenced by ${p.referencedBy.join(', ')})` : '';
    lines.push(
      `${p.repaired ? 'repaired ' : ''}${p.kind}: ${p.store}${p.digest ? ` ${p.digest}` : ''}${who}: ${p.detail}${p.path ? ` [${p.path}]` : ''}`,
    );
  }
  const left = report.problems.filter((p) => !p.repaired).length;
  lines.push(
    report.clean
      ? 'the store is clean'
      : `${left} problem${left === 1 ? '' : 's'} left${repair ? '' : '; kiln store check --repair fixes what it safely can'}`,
  );
  return `${lines.join('\n')}\n`;
}

async function guarded(io: VerbIO, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    io.stderr.write(`kiln: ${(err as Error).message}\n`);
    return err instanceof KilnError ? 1 : 125;
  }
}

export const storeVerbs: readonly Verb[] = [
  {
    path: ['store', 'check'],
    summary:
      'Verify the artifact store (missing, dangling, corrupt blobs); --repair fixes what it safely can',
    usage:
      'Usage: kiln store check [--repair] [--json] [--data-dir DIR] [--config FILE]\n\n' +
      'Verifies every blob of the data directory (its sha256; encrypted copies are decrypted with the\n' +
      "config's kmsKeys), reports blobs referenced but absent (and who references them), blobs\n" +
      'nothing references, corrupt blobs, temp files of killed writers and an unfinished garbage\n' +
      'collection. --repair finishes the collection, removes temp files and unreferenced blobs, and\n' +
      'restores a missing or corrupt blob from another store holding a verified copy; it never\n' +
      'deletes anything referenced. Run --repair while no build or import is running.\n' +
      `Exit status 0 when the store is clean, 1 when problems remain.\n\n${CONFIG_HELP}\n`,
    run: (args, io) =>
      guarded(io, async () => {
        const { flags, rest } = split(args, ['--repair', '--json']);
        const config = loadConfig({ argv: rest, env: io.env, cwd: io.cwd });
        const options: CheckStoreOptions = {
          ...gcPaths(config),
          repair: flags.has('--repair'),
          decrypt: await decryptWith(config),
          log: (line) => io.stderr.write(`kiln: ${line}\n`),
        };
        const report = await checkStore(options);
        io.stdout.write(flags.has('--json') ? toJson(report) : render(report, flags.has('--repair')));
        return report.clean ? 0 : 1;
      }),
  },
  {
    path: ['store', 'gc'],
    summary: 'Remove the blobs nothing references (DeleteImage and lifecycle deletions do this too)',
    usage:
      'Usage: kiln store gc [--json] [--data-dir DIR] [--config FILE]\n\n' +
      'Removes every blob no image, AMI record, container layout or cache references, through a\n' +
      'journal (a collection that is killed is finished by the next one, by kiln store check\n' +
      '--repair, or at server start). Blobs written after it started are kept.\n\n' +
      `${CONFIG_HELP}\n`,
    run: (args, io) =>
      guarded(io, async () => {
        const { flags, rest } = split(args, ['--json']);
        const config = loadConfig({ argv: rest, env: io.env, cwd: io.cwd });
        const result = await collectGarbage({
          ...gcPaths(config),
          decrypt: await decryptWith(config),
          log: (line) => io.stderr.write(`kiln: ${line}\n`),
        });
        io.stdout.write(
          flags.has('--json')
            ? toJson(result)
            : `removed ${result.removedBlobs} blobs and ${result.removedFiles} other files, freed ${result.freedBytes} bytes, kept ${result.kept}\n`,
        );
        return 0;
      }),
  },
];
