import path from 'node:path';
import {
  findKeptInstance,
  interactiveShell,
  listKeptInstances,
  stopKeptInstance,
} from '../../instances/bwrap/shell.js';
import { renderTable } from '../table.js';
import type { Verb, VerbIO } from '../verb.js';
import { cacheDir } from './toe-run.js';

/**
 * Where kept instances are: `kiln toe run --keep` keeps them under the CLI's cache dir, a
 * server keeps failed build instances under its own (KILN_CACHE_DIR, else <data dir>/cache).
 */
function keptDirs(io: VerbIO): string[] {
  const server = path.resolve(io.cwd, io.env.KILN_DATA_DIR || '.kiln', 'cache');
  return [...new Set([cacheDir(io.env), server].map((dir) => path.join(dir, 'kept-instances')))];
}

async function findKept(io: VerbIO, id: string) {
  for (const dir of keptDirs(io)) {
    const kept = await findKeptInstance(dir, id);
    if (kept) return { dir, kept };
  }
  return undefined;
}

async function withKept(
  args: string[],
  io: VerbIO,
  verb: string,
  body: (found: NonNullable<Awaited<ReturnType<typeof findKept>>>) => Promise<number>,
): Promise<number> {
  const [id, ...rest] = args;
  if (!id || rest.length > 0) {
    io.stderr.write(`Usage: kiln instance ${verb} ID\n`);
    return 1;
  }
  const found = await findKept(io, id);
  if (!found) {
    io.stderr.write(`kiln instance ${verb}: no kept instance '${id}'; see kiln instance list\n`);
    return 1;
  }
  return body(found);
}

export const instanceVerbs: readonly Verb[] = [
  {
    path: ['instance', 'list'],
    summary: 'List kept instances (kiln toe run --keep, failed builds)',
    usage:
      'Usage: kiln instance list\n\nLists the sandboxes kept with `kiln toe run --keep` and the failed build and\n' +
      'test instances a server kept (terminateInstanceOnFailure: false).\n',
    async run(_args, io) {
      const rows = [];
      for (const dir of keptDirs(io)) rows.push(...(await listKeptInstances(dir)));
      io.stdout.write(
        renderTable(
          [
            { header: 'id', value: (r) => r.id },
            { header: 'created', value: (r) => r.createdAt },
            { header: 'state', value: (r) => (r.mounted ? 'kept' : 'unmounted') },
            { header: 'what ran', value: (r) => r.note },
            { header: 'root', value: (r) => r.mergedDir },
          ],
          rows,
        ),
      );
      return 0;
    },
  },
  {
    path: ['instance', 'shell'],
    summary: 'Open an interactive shell in a kept sandbox',
    usage: 'Usage: kiln instance shell ID\n\nRuns an interactive bash as root inside the kept sandbox ID.\n',
    run: (args, io) => withKept(args, io, 'shell', ({ kept }) => interactiveShell(kept)),
  },
  {
    path: ['instance', 'stop'],
    summary: 'Stop a kept sandbox and delete its changes',
    usage: 'Usage: kiln instance stop ID\n\nUnmounts the kept sandbox ID and deletes its files.\n',
    run: (args, io) =>
      withKept(args, io, 'stop', async ({ dir, kept }) => {
        await stopKeptInstance(dir, kept);
        io.stdout.write(`stopped ${kept.id}\n`);
        return 0;
      }),
  },
];
