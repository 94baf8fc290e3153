/**
 * `kiln logs IMAGE [--follow]` and `kiln pipeline start NAME [--wait]`: an image's log, live
 * through the server-sent-events endpoint when following.
 */
import { GetImageCommand, StartImagePipelineExecutionCommand } from '@aws-sdk/client-imagebuilder';
import { expectPositionals, type FlagSpec, usageText } from '../args.js';
import { CLIENT_FLAGS, type ClientSettings } from '../client.js';
import { kilnCall, kilnStream } from '../kiln-http.js';
import { type LogLineView, Progress, type StateView } from '../progress.js';
import { resolveArn } from '../resource-verbs.js';
import { runClientVerb } from '../run.js';
import type { Verb, VerbIO } from '../verb.js';

const FOLLOW: FlagSpec = {
  name: 'follow',
  type: 'boolean',
  help: 'keep printing new lines until the build ends',
};
const WAIT: FlagSpec = {
  name: 'wait',
  type: 'boolean',
  help: 'show live progress; exit 1 with the reason if the build fails',
};

const TERMINAL = new Set(['AVAILABLE', 'FAILED', 'CANCELLED']);
const lineText = (l: LogLineView) =>
  `${new Date(l.time).toISOString()} ${l.stage} ${l.step} ${l.stream === 'stderr' ? '! ' : ''}${l.text}\n`;

/**
 * Streams an image's log until the build ends; reconnects (resuming at the last line seen) if
 * the connection drops. Returns the final state.
 */
async function follow(
  settings: ClientSettings,
  arn: string,
  io: VerbIO,
  progress: Progress | undefined,
): Promise<StateView> {
  let from = '0';
  let last: StateView = { status: 'PENDING' };
  for (let attempt = 0; ; attempt++) {
    try {
      await kilnStream(settings, '/kiln/logs/stream', { imageBuildVersionArn: arn, from }, (e) => {
        if (e.id) from = e.id;
        if (e.event === 'log') {
          const line = JSON.parse(e.data) as LogLineView;
          if (progress) for (const l of progress.log(line, Date.now())) io.stderr.write(`${l}\n`);
          else io.stdout.write(lineText(line));
        } else if (e.event === 'state' || e.event === 'end') {
          last = JSON.parse(e.data) as StateView;
          if (progress) for (const l of progress.state(last, Date.now())) io.stderr.write(`${l}\n`);
        }
      });
      if (TERMINAL.has(last.status) || last.status === 'DELETED' || attempt > 30) return last;
    } catch (err) {
      if (attempt > 30) throw err;
    }
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

export const logsVerb: Verb = {
  path: ['logs'],
  summary: "print an image's log (every step's output); --follow streams it live",
  usage: usageText('kiln logs IMAGE-ARN [--follow]', "Prints an image's log.", [FOLLOW, ...CLIENT_FLAGS]),
  run: (args, io) =>
    runClientVerb(args, io, [FOLLOW], async (parsed, { settings }) => {
      const [arn] = expectPositionals(parsed, ['IMAGE-ARN']) as [string];
      if (parsed.boolean('follow')) {
        const end = await follow(settings, arn, io, undefined);
        io.stderr.write(`kiln: ${end.status}${end.reason ? `: ${end.reason}` : ''}\n`);
        return 0;
      }
      const answer = await kilnCall<{ lines: LogLineView[] }>(settings, 'GET', '/kiln/logs', {
        imageBuildVersionArn: arn,
      });
      for (const line of answer.lines) io.stdout.write(lineText(line));
      return 0;
    }),
};

export const pipelineStartVerb: Verb = {
  path: ['pipeline', 'start'],
  summary: 'start a pipeline run now; --wait shows its progress until it ends',
  usage: usageText(
    'kiln pipeline start NAME-or-ARN [--wait]',
    'Starts a pipeline run and prints the image ARN.',
    [WAIT, ...CLIENT_FLAGS],
  ),
  run: (args, io) =>
    runClientVerb(args, io, [WAIT], async (parsed, { client, settings }) => {
      const [ref] = expectPositionals(parsed, ['NAME-or-ARN']) as [string];
      const imagePipelineArn = await resolveArn(client, 'imagePipeline', ref);
      const started = await client.send(new StartImagePipelineExecutionCommand({ imagePipelineArn }));
      const arn = started.imageBuildVersionArn as string;
      io.stdout.write(`${arn}\n`);
      if (!parsed.boolean('wait')) return 0;
      const t0 = Date.now();
      const end = await follow(settings, arn, io, new Progress(t0, false));
      if (end.status === 'AVAILABLE') {
        const image = await client.send(new GetImageCommand({ imageBuildVersionArn: arn }));
        const seconds = ((Date.now() - t0) / 1000).toFixed(1);
        io.stderr.write(`kiln: ${arn} is AVAILABLE after ${seconds} s (${image.image?.type ?? 'image'})\n`);
        return 0;
      }
      io.stderr.write(`kiln: ${arn} ${end.status}${end.reason ? `: ${end.reason}` : ''}\n`);
      return 1;
    }),
};
