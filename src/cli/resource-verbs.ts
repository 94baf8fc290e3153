import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { stringify } from 'yaml';
import { type Kind, matchingByName, type Obj, RESOURCES } from '../apply/resources.js';
import { notFound } from '../core/errors.js';
import { expectPositionals, type FlagSpec, type ParsedArgs, UsageError, usageText } from './args.js';
import { CLIENT_FLAGS } from './client.js';
import { readInputFile } from './input-file.js';
import { JSON_FLAG, runClientVerb, toJson } from './run.js';
import { type Column, renderTable } from './table.js';
import type { Verb, VerbIO } from './verb.js';

/**
 * A `create` flag: its value lands at `member` (a dotted path) of the request, after `as`:
 * `text` reads a file's text, `list` collects repeats, `ref`/`refs` turn names into ARNs.
 */
export interface CreateFlag extends FlagSpec {
  readonly member: string;
  readonly as?:
    | 'text'
    | 'list'
    | 'number'
    | { readonly ref: Kind }
    | { readonly refs: Kind; readonly item: string };
}

export interface ResourceCli {
  /** The CLI noun: `kiln <noun> list`. */
  readonly noun: string;
  readonly kind: Kind;
  readonly columns: readonly Column<Obj>[];
  readonly createFlags: readonly CreateFlag[];
  readonly createExample: string;
  /** Fills members the flags imply, e.g. a distribution list from --target-region. */
  readonly finishCreate?: (input: Obj) => void;
}

/** list, get, delete and create verbs for one resource kind. */
export function resourceVerbs(d: ResourceCli): Verb[] {
  const ops = RESOURCES[d.kind];
  const byName = ops.versioned ? ' (a name means its newest version)' : ' (by name or ARN)';
  const verb = (
    name: string,
    summary: string,
    synopsis: string,
    flags: readonly FlagSpec[],
    run: Verb['run'],
  ): Verb => ({
    path: [d.noun, name],
    summary,
    usage: usageText(`kiln ${d.noun} ${name} ${synopsis}`.trim(), summary, [...flags, ...CLIENT_FLAGS]),
    run,
  });
  const fileFlag: FlagSpec = {
    name: 'file',
    type: 'string',
    value: 'FILE',
    help: 'JSON or YAML file of request members',
  };
  const createFlags = [fileFlag, ...d.createFlags, JSON_FLAG];
  return [
    verb('list', `List ${plural(ops.label)} (all pages)`, '[--json]', [JSON_FLAG], (args, io) =>
      runClientVerb(args, io, [JSON_FLAG], async (parsed, { client }) => {
        expectPositionals(parsed, []);
        const items = await ops.list(client);
        io.stdout.write(
          parsed.boolean('json') ? toJson({ [ops.listKey]: items }) : renderTable(d.columns, items),
        );
        return 0;
      }),
    ),
    verb('get', `Show one ${ops.label}${byName}`, 'NAME-or-ARN [--json]', [JSON_FLAG], (args, io) =>
      runClientVerb(args, io, [JSON_FLAG], async (parsed, { client }) => {
        const [ref] = expectPositionals(parsed, ['NAME-or-ARN']);
        const answer = await ops.get(client, await resolveArn(client, d.kind, ref as string));
        io.stdout.write(parsed.boolean('json') ? toJson(answer) : stringify(ops.resourceOf(answer)));
        return 0;
      }),
    ),
    verb(
      'delete',
      `Delete ${article(ops.label)} ${ops.label}${byName}`,
      'NAME-or-ARN [--json]',
      [JSON_FLAG],
      (args, io) =>
        runClientVerb(args, io, [JSON_FLAG], async (parsed, { client }) => {
          const [ref] = expectPositionals(parsed, ['NAME-or-ARN']);
          // Get first: it names the exact (build) ARN that Delete wants, and a clear not-found.
          const found = ops.resourceOf(
            await ops.get(client, await resolveArn(client, d.kind, ref as string)),
          );
          const answer = await ops.delete(client, String(found.arn));
          io.stdout.write(parsed.boolean('json') ? toJson(answer) : `deleted ${found.arn}\n`);
          return 0;
        }),
    ),
    verb(
      'create',
      `Create ${article(ops.label)} ${ops.label} from --file and/or flags`,
      d.createExample,
      createFlags,
      (args, io) =>
        runClientVerb(args, io, createFlags, async (parsed, { client }) => {
          expectPositionals(parsed, []);
          const input = await createInput(d, parsed, client, io);
          const { arn, response } = await ops.create(client, input);
          io.stdout.write(parsed.boolean('json') ? toJson(response) : `created ${arn}\n`);
          return 0;
        }),
    ),
  ];
}

async function createInput(
  d: ResourceCli,
  parsed: ParsedArgs,
  client: ImagebuilderClient,
  io: VerbIO,
): Promise<Obj> {
  const file = parsed.string('file');
  const input: Obj = file ? await readInputFile(resolve(io.cwd, file)) : {};
  for (const flag of d.createFlags) {
    const value = await flagValue(flag, parsed, client, io);
    if (value !== undefined) setPath(input, flag.member, value);
  }
  d.finishCreate?.(input);
  return input;
}

async function flagValue(
  flag: CreateFlag,
  parsed: ParsedArgs,
  client: ImagebuilderClient,
  io: VerbIO,
): Promise<unknown> {
  const as = flag.as;
  if (flag.type === 'list') {
    const values = parsed.list(flag.name);
    if (values.length === 0) return undefined;
    if (typeof as === 'object' && 'refs' in as) {
      const arns = await Promise.all(values.map((v) => resolveArn(client, as.refs, v)));
      return arns.map((arn) => ({ [as.item]: arn }));
    }
    return [...values];
  }
  const text = parsed.string(flag.name);
  if (text === undefined) return undefined;
  if (as === 'text') return readFile(resolve(io.cwd, text), 'utf8');
  if (as === 'number') {
    const n = Number(text);
    if (!Number.isInteger(n)) throw new UsageError(`--${flag.name} must be a whole number, got '${text}'.`);
    return n;
  }
  if (typeof as === 'object' && 'ref' in as) return resolveArn(client, as.ref, text);
  return text;
}

function setPath(target: Obj, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Obj;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** An ARN passes through; a name becomes the ARN of its newest version (or the resource). */
export async function resolveArn(client: ImagebuilderClient, kind: Kind, ref: string): Promise<string> {
  if (ref.startsWith('arn:')) return ref;
  const ops = RESOURCES[kind];
  const newest = matchingByName(await ops.list(client, ref), ref)[0];
  if (!newest || typeof newest.arn !== 'string') {
    throw notFound(ops.label, ref, `List them with 'kiln ${cliNoun(kind)} list'.`);
  }
  return newest.arn;
}

const NOUNS: Record<Kind, string> = {
  component: 'component',
  imageRecipe: 'recipe',
  containerRecipe: 'container-recipe',
  infrastructureConfiguration: 'infra',
  distributionConfiguration: 'dist',
  imagePipeline: 'pipeline',
  workflow: 'workflow',
  lifecyclePolicy: 'lifecycle-policy',
};
export const cliNoun = (kind: Kind): string => NOUNS[kind];

const article = (label: string) => (/^[aeiou]/.test(label) ? 'an' : 'a');
const plural = (label: string) => (label.endsWith('y') ? `${label.slice(0, -1)}ies` : `${label}s`);
