/** `kiln image list|get|cancel|retry|delete`: image build versions and their executions. */
import {
  CancelImageCreationCommand,
  DeleteImageCommand,
  GetImageCommand,
  type ImageSummary,
  ListImageBuildVersionsCommand,
  ListImagePipelineImagesCommand,
  RetryImageCommand,
} from '@aws-sdk/client-imagebuilder';
import { stringify } from 'yaml';
import { expectPositionals, type FlagSpec, usageText } from '../args.js';
import { CLIENT_FLAGS } from '../client.js';
import { arnColumn, dateColumn, str } from '../columns.js';
import { resolveArn } from '../resource-verbs.js';
import { JSON_FLAG, runClientVerb, toJson } from '../run.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verb.js';

const PIPELINE_FLAG: FlagSpec = {
  name: 'pipeline',
  type: 'string',
  value: 'NAME-or-ARN',
  help: "only this pipeline's images",
};

const verb = (
  name: string,
  summary: string,
  synopsis: string,
  flags: readonly FlagSpec[],
  run: Verb['run'],
): Verb => ({
  path: ['image', name],
  summary,
  usage: usageText(`kiln image ${name} ${synopsis}`.trim(), summary, [...flags, ...CLIENT_FLAGS]),
  run,
});

type Row = ImageSummary & Record<string, unknown>;
const COLUMNS = [
  { header: 'image', value: (r: Row) => str(r.arn)?.split(':image/')[1] },
  { header: 'state', value: (r: Row) => str(r.state?.status) },
  { header: 'type', value: (r: Row) => str(r.type) },
  { header: 'build type', value: (r: Row) => str(r.buildType) },
  dateColumn('dateCreated'),
  { header: 'reason', value: (r: Row) => str(r.state?.reason)?.slice(0, 80) },
];

const list = verb(
  'list',
  'list image build versions (newest last)',
  '[--pipeline NAME]',
  [PIPELINE_FLAG, JSON_FLAG],
  (args, io) =>
    runClientVerb(args, io, [PIPELINE_FLAG, JSON_FLAG], async (parsed, { client }) => {
      expectPositionals(parsed, []);
      const pipeline = parsed.string('pipeline');
      const items: Row[] = [];
      let nextToken: string | undefined;
      do {
        const page = pipeline
          ? await client.send(
              new ListImagePipelineImagesCommand({
                imagePipelineArn: await resolveArn(client, 'imagePipeline', pipeline),
                nextToken,
              }),
            )
          : await client.send(new ListImageBuildVersionsCommand({ nextToken }));
        items.push(...((page.imageSummaryList ?? []) as Row[]));
        nextToken = page.nextToken;
      } while (nextToken);
      io.stdout.write(
        parsed.boolean('json')
          ? toJson({ imageSummaryList: items })
          : renderTable([...COLUMNS, arnColumn], items),
      );
      return 0;
    }),
);

const get = verb(
  'get',
  'show an image: state, reason, timings, outputs, what it was built from',
  'ARN',
  [JSON_FLAG],
  (args, io) =>
    runClientVerb(args, io, [JSON_FLAG], async (parsed, { client }) => {
      const [arn] = expectPositionals(parsed, ['ARN']);
      const answer = await client.send(new GetImageCommand({ imageBuildVersionArn: arn }));
      io.stdout.write(parsed.boolean('json') ? toJson(answer) : stringify(JSON.parse(toJson(answer.image))));
      return 0;
    }),
);

/** cancel, retry and delete take one build ARN and print what they did. */
const action = (
  name: string,
  summary: string,
  send: (
    client: Parameters<Parameters<typeof runClientVerb>[3]>[1]['client'],
    arn: string,
  ) => Promise<unknown>,
  done: string,
) =>
  verb(name, summary, 'ARN', [], (args, io) =>
    runClientVerb(args, io, [], async (parsed, { client }) => {
      const [arn] = expectPositionals(parsed, ['ARN']);
      await send(client, arn as string);
      io.stdout.write(`${done} ${arn}\n`);
      return 0;
    }),
  );

const cancel = action(
  'cancel',
  'stop an image build in progress (it ends CANCELLED)',
  (c, arn) => c.send(new CancelImageCreationCommand({ imageBuildVersionArn: arn })),
  'cancelling',
);
const retry = action(
  'retry',
  'run a FAILED image again from the stage that failed',
  (c, arn) => c.send(new RetryImageCommand({ imageBuildVersionArn: arn })),
  'retrying',
);
const remove = action(
  'delete',
  'delete an image record (artifacts no other image uses go too)',
  (c, arn) => c.send(new DeleteImageCommand({ imageBuildVersionArn: arn })),
  'deleted',
);

export const imageVerbs: Verb[] = [list, get, cancel, retry, remove];
