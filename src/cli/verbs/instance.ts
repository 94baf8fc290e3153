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

const keptDir = (io: VerbIO) => path.join(cacheDir(io.env), 'kept-instances');

async function withKept(
  args: string[],
  io: VerbIO,
  verb: string,
  body: (kept: NonNullable<Awaited<ReturnType<typeof findKeptInstance>>>) => Promise<number>,
): Promise<number> {
  const [id, ...rest] = args;
  if (!id || rest.length > 0) {
    io.stderr.write(`Usage: kiln instance ${verb} ID\n`);
    return 1;
  }
  const kept = await findKeptInstance(keptDir(io), id);
  if (!kept) {
    io.stderr.write(`kiln instance ${verb}: no kept sandbox '${id}'; see kiln instance list\n`);
    return 1;
  }
  return body(kept);
}

export const instanceVerbs: readonly Verb[] = [
  {
    path: ['instance', 'list'],
    summary: 'List sandboxes kept by kiln toe run --keep',
    usage: 'Usage: kiln instance list\n\nLists the sandboxes kept with `kiln toe run --keep`.\n',
    async run(_args, io) {
      const rows = await listKeptInstances(keptDir(io));
      io.stdout.write(
        renderTable(
          [
            { header: 'id', value: (r) => r.id },
            { header: 'created', value: (r) => r.createdAt },
            { header: 'state', value: (r) => (r.mounted ? 'kept' : 'unmounted') },
            { header: 'documents', value: (r) => r.note },
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
    run: (args, io) => withKept(args, io, 'shell', (kept) => interactiveShell(kept)),
  },
  {
    path: ['instance', 'stop'],
    summary: 'Stop a kept sandbox and delete its changes',
    usage: 'Usage: kiln instance stop ID\n\nUnmounts the kept sandbox ID and deletes its files.\n',
    run: (args, io) =>
      withKept(args, io, 'stop', async (kept) => {
        await stopKeptInstance(keptDir(io), kept);
        io.stdout.write(`stopped ${kept.id}\n`);
        return 0;
      }),
  },
];
