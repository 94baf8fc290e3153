/** `kiln topic …` (webhook topics and subscriptions) and `kiln events` (the event log). */
import type { FlagSpec, ParsedArgs } from '../args.js';
import { type KilnCall, kilnRouteVerb } from '../kiln-verb.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verb.js';

type Obj = Record<string, unknown>;
type Body = (positionals: string[], flags: ParsedArgs, call: KilnCall) => Promise<unknown>;

/** A verb over one /kiln/ endpoint whose text is rendered from the response. */
const verb = (
  path: string[],
  synopsis: string,
  summary: string,
  flags: readonly FlagSpec[],
  names: string[],
  body: Body,
  render: (answer: Obj, args: string[]) => string,
): Verb =>
  kilnRouteVerb(path, synopsis, summary, flags, names, async (positionals, parsed, call) => {
    const answer = (await body(positionals, parsed, call)) as Obj;
    return { answer, text: render(answer, positionals) };
  });

const SECRET: FlagSpec = {
  name: 'secret',
  type: 'string',
  value: 'TEXT',
  help: 'HMAC key for the signatures (default: generated and printed once)',
};
const LIMIT: FlagSpec = { name: 'limit', type: 'string', value: 'N', help: 'how many to show (default 100)' };
const RESOURCE: FlagSpec = {
  name: 'resource',
  type: 'string',
  value: 'ARN',
  help: 'only events of this image or pipeline',
};

export const topicVerbs: Verb[] = [
  verb(
    ['topic', 'create'],
    'NAME',
    'create a topic (name it in an infrastructure configuration as snsTopicArn)',
    [],
    ['NAME'],
    ([name], _f, call) => call('POST', '/kiln/topics', {}, { name }),
    (a) => `created ${(a.topic as Obj).topicArn}\n`,
  ),
  verb(
    ['topic', 'subscribe'],
    'TOPIC-ARN URL [--secret TEXT]',
    'send every notification of a topic to a webhook URL, signed with HMAC-SHA256',
    [SECRET],
    ['TOPIC-ARN', 'URL'],
    ([topicArn, endpoint], f, call) =>
      call(
        'POST',
        '/kiln/subscriptions',
        {},
        { topicArn, endpoint, ...(f.string('secret') ? { secret: f.string('secret') } : {}) },
      ),
    (a) => {
      const s = a.subscription as Obj;
      return `subscribed ${s.endpoint}\nsubscription: ${s.subscriptionArn}\nsecret: ${s.secret}\n(verify X-Kiln-Signature: t=T,v1=hex(HMAC-SHA256(secret, "T." + body)))\n`;
    },
  ),
  verb(
    ['topic', 'unsubscribe'],
    'SUBSCRIPTION-ARN',
    'remove a webhook subscription',
    [],
    ['SUBSCRIPTION-ARN'],
    ([subscriptionArn], _f, call) => call('DELETE', '/kiln/subscriptions', { subscriptionArn }),
    (_a, [arn]) => `unsubscribed ${arn}\n`,
  ),
  verb(
    ['topic', 'list'],
    '',
    'list topics and their subscriptions',
    [],
    [],
    (_p, _f, call) => call('GET', '/kiln/topics'),
    (a) => {
      const rows = (a.topics as Obj[]).flatMap((t) => {
        const subs = t.subscriptions as Obj[];
        return subs.length === 0
          ? [{ topic: t.topicArn, endpoint: undefined }]
          : subs.map((s) => ({ topic: t.topicArn, endpoint: s.endpoint }));
      });
      return renderTable(
        [
          { header: 'topic', value: (r: Obj) => String(r.topic) },
          {
            header: 'endpoint',
            value: (r: Obj) => (r.endpoint === undefined ? undefined : String(r.endpoint)),
          },
        ],
        rows,
      );
    },
  ),
  verb(
    ['topic', 'delete'],
    'TOPIC-ARN',
    'delete a topic and its subscriptions',
    [],
    ['TOPIC-ARN'],
    ([topicArn], _f, call) => call('DELETE', '/kiln/topics', { topicArn }),
    (_a, [arn]) => `deleted ${arn}\n`,
  ),
  verb(
    ['topic', 'deliveries'],
    'TOPIC-ARN [--limit N]',
    'show webhook deliveries of a topic with every attempt',
    [LIMIT],
    ['TOPIC-ARN'],
    ([topicArn], f, call) => call('GET', '/kiln/deliveries', { topicArn, limit: f.string('limit') }),
    (a) =>
      renderTable(
        [
          { header: 'status', value: (d: Obj) => String(d.status) },
          { header: 'event', value: (d: Obj) => String(d.detailType) },
          { header: 'endpoint', value: (d: Obj) => String(d.endpoint) },
          {
            header: 'attempts',
            value: (d: Obj) => (d.attempts as Obj[]).map((x) => x.statusCode ?? x.error).join(','),
          },
        ],
        a.deliveries as Obj[],
      ),
  ),
  verb(
    ['events'],
    '[--resource ARN] [--limit N]',
    'list the event log (every image, workflow and step state change)',
    [RESOURCE, LIMIT],
    [],
    (_p, f, call) =>
      call('GET', '/kiln/events', { resource: f.string('resource'), limit: f.string('limit') }),
    (a) =>
      renderTable(
        [
          { header: 'time', value: (e: Obj) => String(e.time) },
          { header: 'detail-type', value: (e: Obj) => String(e['detail-type']) },
          { header: 'status', value: (e: Obj) => String((e.detail as Obj).status ?? '') },
          { header: 'resource', value: (e: Obj) => String((e.resources as string[])[0] ?? '') },
          {
            header: 'reason',
            value: (e: Obj) => ((e.detail as Obj).reason as string | undefined)?.slice(0, 60),
          },
        ],
        a.events as Obj[],
      ),
  ),
];
