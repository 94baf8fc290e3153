import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BwrapBackend, reapStaleInstances } from '../../instances/bwrap/backend.js';
import { keepInstance } from '../../instances/bwrap/shell.js';
import { ensureDebianParent } from '../../images/parents/debian.js';
import { runToe } from '../../toe/exec/engine.js';
import { bwrapInstanceFs } from '../../toe/exec/instance-fs.js';
import { prepareDocuments, ToeInputError } from '../../toe/exec/prepare.js';
import type { ToeEvent } from '../../toe/exec/types.js';
import { s3SettingsFromEnv } from '../../toe/exec/s3-env.js';
import { parseParameterList } from '../../toe/exec/variables.js';
import type { Verb, VerbIO } from '../verb.js';

const USAGE = `Usage: kiln toe run --documents A.yaml[,B.yaml] [--phases build,validate]
                    [--parameters K=V,...] [--image debian:bookworm | --root DIR]
                    [--network host|none] [--keep] [--log-directory DIR] [--execution-id ID]

Runs AWSTOE component documents with awstoe's semantics in a fresh Kiln sandbox (bubblewrap
over a copy-on-write root). Documents are validated first; every problem is listed.
  --image debian:SUITE  parent tree built with mmdebstrap and cached (default debian:bookworm)
  --root DIR            use DIR as the read-only root tree instead
  --network             host (default: apt and downloads work) or none
  --keep                keep the sandbox afterwards: kiln instance list / shell ID / stop ID
  --log-directory DIR   where TOE_<time>_UTC-0_<id>/ goes (default: the current folder)
The cache is $KILN_CACHE_DIR (default ~/.cache/kiln).

Exit status: 0 on success, the failed step's exit status (1 if it had none), 1 for invalid
documents or parameters, 125 when Kiln itself failed.
`;

/** Kiln's cache folder for parent trees and sandbox records. */
export function cacheDir(env: NodeJS.ProcessEnv): string {
  return env.KILN_CACHE_DIR ?? path.join(homedir(), '.cache', 'kiln');
}

const list = (text: string | undefined) =>
  text
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);

function parse(args: string[]) {
  const { values, positionals } = parseArgs({
    args,
    options: {
      documents: { type: 'string', short: 'd' },
      phases: { type: 'string', short: 'p' },
      parameters: { type: 'string' },
      image: { type: 'string' },
      root: { type: 'string' },
      network: { type: 'string' },
      keep: { type: 'boolean' },
      'log-directory': { type: 'string', short: 'l' },
      'execution-id': { type: 'string', short: 'i' },
    },
    allowPositionals: false,
    strict: true,
  });
  void positionals;
  const documents = list(values.documents);
  if (!documents?.length) throw new Error('--documents is required (comma-separated files)');
  if (values.image && values.root) throw new Error('give --image or --root, not both');
  const image = values.image ?? 'debian:bookworm';
  const suite = /^debian:(.+)$/.exec(image)?.[1];
  if (!values.root && !suite) throw new Error(`--image must be debian:SUITE (got '${image}')`);
  const network = values.network ?? 'host';
  if (network !== 'host' && network !== 'none')
    throw new Error(`--network must be host or none (got '${network}')`);
  return { ...values, documents, phases: list(values.phases), suite, network: network as 'host' | 'none' };
}

function progress(io: VerbIO): (e: ToeEvent) => void {
  return (e) => {
    if (e.type === 'step-end') {
      const r = e.ref;
      const indent = '  '.repeat(r.depth);
      const why = e.failureMessage ? `: ${e.failureMessage}` : '';
      io.stdout.write(
        `${indent}[${r.phase}] Step ${r.index}/${r.count} ${r.step} … ${e.status} (${(e.durationMs / 1000).toFixed(1)} s)${why}\n`,
      );
    } else if (e.type === 'document-start') {
      io.stdout.write(`${'  '.repeat(e.depth)}Document ${e.document}\n`);
    } else if (e.type === 'reboot') {
      io.stdout.write(
        `${'  '.repeat(e.ref.depth)}[${e.ref.phase}] ${e.ref.step} requested a reboot; restarting the sandbox\n`,
      );
    }
  };
}

export const toeRunVerb: Verb = {
  path: ['toe', 'run'],
  summary: 'Run AWSTOE component documents in a fresh sandbox',
  usage: USAGE,
  async run(args, io) {
    let opts: ReturnType<typeof parse>;
    let parameters: Record<string, string>;
    try {
      opts = parse(args);
      parameters = parseParameterList(opts.parameters ?? '');
    } catch (err) {
      io.stderr.write(`kiln toe run: ${(err as Error).message}\n\n${USAGE}`);
      return 1;
    }
    // S3Download/S3Upload: an S3-compatible endpoint from KILN_S3_* (see src/toe/exec/s3-env.ts).
    const s3 = s3SettingsFromEnv(io.env);
    const documents = [];
    for (const file of opts.documents) {
      try {
        documents.push({ path: file, text: await readFile(path.resolve(io.cwd, file), 'utf8') });
      } catch (err) {
        io.stderr.write(`kiln toe run: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? err}\n`);
        return 1;
      }
    }
    try {
      prepareDocuments(documents, parameters);
    } catch (err) {
      if (!(err instanceof ToeInputError)) throw err;
      for (const p of err.problems) io.stderr.write(`${p}\n`);
      return 1;
    }
    const cache = cacheDir(io.env);
    const lower = opts.root
      ? path.resolve(io.cwd, opts.root)
      : (
          await ensureDebianParent({
            suite: opts.suite as string,
            cacheDir: cache,
            log: (l) => io.stderr.write(`kiln: ${l}\n`),
          })
        ).rootDir;
    const stateDir = path.join(cache, 'instances');
    await reapStaleInstances(stateDir);
    const instance = await new BwrapBackend({ stateDir }).launch({
      lowerDirs: [lower],
      network: opts.network,
    });
    const cancel = new AbortController();
    const onSignal = () => cancel.abort(new Error('interrupted'));
    process.once('SIGINT', onSignal);
    try {
      const result = await runToe({
        documents,
        ...(opts.phases ? { phases: opts.phases } : {}),
        parameters,
        instance,
        fs: bwrapInstanceFs(instance),
        logDirectory: path.resolve(io.cwd, opts['log-directory'] ?? '.'),
        ...(opts['execution-id'] ? { executionId: opts['execution-id'] } : {}),
        onEvent: progress(io),
        signal: cancel.signal,
        ...(s3 ? { s3 } : {}),
      });
      io.stdout.write(`${JSON.stringify(result.summary, null, 2)}\n`);
      return result.exitCode;
    } finally {
      process.removeListener('SIGINT', onSignal);
      if (opts.keep) {
        await keepInstance(instance, stateDir, path.join(cache, 'kept-instances'), {
          network: opts.network,
          note: opts.documents.join(','),
        });
        io.stdout.write(
          `kept sandbox ${instance.id}: kiln instance shell ${instance.id} (stop it with kiln instance stop ${instance.id})\n`,
        );
      } else {
        await instance.stop();
      }
    }
  },
};
