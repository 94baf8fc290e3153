import path from 'node:path';
import {
  findKeptInstance,
  interactiveShell,
  listKeptInstances,
  stopKeptInstance,
} from '../../instances/bwrap/shell.js';
import { type FlagSpec, UsageError, usageText } from '../args.js';
import { CLIENT_FLAGS } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import { JSON_FLAG, runClientVerb, toJson } from '../run.js';
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

const RUN_FLAGS: readonly FlagSpec[] = [
  { name: 'launch-template', type: 'string', value: 'NAME|ID', help: 'start from this launch template' },
  {
    name: 'version',
    type: 'string',
    value: 'N',
    help: 'the template version (default: its default version)',
  },
  { name: 'image', type: 'string', value: 'AMI', help: 'start from this image id instead of a template' },
  {
    name: 'instance-type',
    type: 'string',
    value: 'TYPE',
    help: 'with --image: kiln.micro … kiln.xlarge (default kiln.small)',
  },
  { name: 'rm', type: 'boolean', help: 'stop the instance after COMMAND instead of keeping it' },
  JSON_FLAG,
];
const RUN_SUMMARY =
  'Start an instance from a launch template or an image, on the server, and run COMMAND in it';

interface Launched {
  instanceId: string;
  imageId: string;
  kept: boolean;
  command?: { exitCode: number | null; stdout: string; stderr: string };
}

/** `kiln instance run`: POST /kiln/instances; exits with COMMAND's status when one ran. */
const runVerb: Verb = {
  path: ['instance', 'run'],
  summary: RUN_SUMMARY,
  usage: usageText(
    'kiln instance run (--launch-template NAME|ID [--version N] | --image AMI) [--rm] [-- COMMAND…]',
    `${RUN_SUMMARY}. The caller must own the image or have launch permission on it; the instance is kept for kiln instance shell|stop unless --rm.`,
    [...RUN_FLAGS, ...CLIENT_FLAGS],
  ),
  run: (args, io) =>
    runClientVerb(args, io, RUN_FLAGS, async (parsed, { settings }) => {
      const template = parsed.string('launch-template');
      const image = parsed.string('image');
      if ((template === undefined) === (image === undefined))
        throw new UsageError('give either --launch-template NAME|ID or --image AMI.');
      const version = parsed.string('version');
      if (version !== undefined && !/^[1-9][0-9]*$/.test(version))
        throw new UsageError(`--version must be a version number, not '${version}'.`);
      const answer = await kilnCall<{ instance: Launched }>(
        settings,
        'POST',
        '/kiln/instances',
        {},
        {
          ...(template !== undefined ? { launchTemplate: template } : {}),
          ...(image !== undefined ? { imageId: image } : {}),
          ...(version !== undefined ? { version: Number(version) } : {}),
          ...(parsed.string('instance-type') ? { instanceType: parsed.string('instance-type') } : {}),
          ...(parsed.positionals.length > 0 ? { command: [...parsed.positionals] } : {}),
          keep: !parsed.boolean('rm'),
        },
      );
      const launched = answer.instance;
      if (parsed.boolean('json')) io.stdout.write(toJson(answer));
      else {
        if (launched.command) {
          io.stdout.write(launched.command.stdout);
          io.stderr.write(launched.command.stderr);
        }
        io.stderr.write(
          launched.kept
            ? `instance ${launched.instanceId} (from ${launched.imageId}) is kept: kiln instance shell ${launched.instanceId}\n`
            : `instance ${launched.instanceId} (from ${launched.imageId}) stopped\n`,
        );
      }
      if (!launched.command) return 0;
      return launched.command.exitCode ?? 125;
    }),
};

export const instanceVerbs: readonly Verb[] = [
  runVerb,
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
