/** `kiln parameter put|get|list|delete`: Kiln's parameter store (what `ssm:` parent images read). */
import { expectPositionals, type FlagSpec, type ParsedArgs, usageText } from '../args.js';
import { CLIENT_FLAGS, type ClientContext } from '../client.js';
import { kilnCall } from '../kiln-http.js';
import { JSON_FLAG, runClientVerb, toJson } from '../run.js';
import { renderTable } from '../table.js';
import type { Verb } from '../verb.js';

type Parameter = { name: string; value: string; type: string; version: number; lastModified: number };
type Settings = ClientContext['settings'];

const verb = (
  name: string,
  synopsis: string,
  summary: string,
  flags: readonly FlagSpec[],
  body: (
    positionals: string[],
    parsed: ParsedArgs,
    settings: Settings,
  ) => Promise<string | Record<string, unknown>>,
  positionalNames: string[],
): Verb => ({
  path: ['parameter', name],
  summary,
  usage: usageText(`kiln parameter ${name} ${synopsis}`.trim(), summary, [
    ...flags,
    JSON_FLAG,
    ...CLIENT_FLAGS,
  ]),
  run: (args, io) =>
    runClientVerb(args, io, [...flags, JSON_FLAG], async (parsed, { settings }) => {
      const positionals = expectPositionals(parsed, positionalNames);
      const out = await body(positionals, parsed, settings);
      io.stdout.write(typeof out === 'string' ? out : toJson(out));
      return 0;
    }),
});

const asJson = (parsed: ParsedArgs, answer: Record<string, unknown>, text: string) =>
  parsed.boolean('json') ? answer : text;

const PUT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'type',
    type: 'string',
    value: 'TYPE',
    help: 'text (default) or aws:ec2:image (an ami-… id or image ARN)',
  },
  { name: 'description', type: 'string', value: 'TEXT', help: 'what the parameter is for' },
  { name: 'overwrite', type: 'boolean', help: 'replace an existing parameter (its version goes up by one)' },
];

const COLUMNS = [
  { header: 'name', value: (p: Parameter) => p.name },
  { header: 'type', value: (p: Parameter) => p.type },
  { header: 'version', value: (p: Parameter) => String(p.version) },
  { header: 'last modified', value: (p: Parameter) => new Date(p.lastModified).toISOString() },
  { header: 'value', value: (p: Parameter) => p.value },
];

export const parameterVerbs: Verb[] = [
  verb(
    'put',
    'NAME VALUE [--type TYPE] [--overwrite]',
    'write a parameter (e.g. the image id an ssm: parent image resolves to)',
    PUT_FLAGS,
    async ([name, value], parsed, settings) => {
      const answer = await kilnCall<{ parameter: Parameter }>(
        settings,
        'POST',
        '/kiln/parameters',
        {},
        {
          name,
          value,
          ...(parsed.string('type') ? { type: parsed.string('type') } : {}),
          ...(parsed.string('description') ? { description: parsed.string('description') } : {}),
          overwrite: parsed.boolean('overwrite'),
        },
      );
      return asJson(parsed, answer, `${answer.parameter.name} version ${answer.parameter.version}\n`);
    },
    ['NAME', 'VALUE'],
  ),
  verb(
    'get',
    'NAME',
    'print a parameter’s value',
    [],
    async ([name], parsed, settings) => {
      const answer = await kilnCall<{ parameter: Parameter }>(settings, 'GET', '/kiln/parameters', { name });
      return asJson(parsed, answer, `${answer.parameter.value}\n`);
    },
    ['NAME'],
  ),
  verb(
    'list',
    '[--path /PREFIX]',
    'list the parameters of the account and region',
    [{ name: 'path', type: 'string', value: '/PREFIX', help: 'only parameters under this hierarchy' }],
    async (_p, parsed, settings) => {
      const answer = await kilnCall<{ parameters: Parameter[] }>(settings, 'GET', '/kiln/parameters', {
        path: parsed.string('path'),
      });
      return asJson(parsed, answer, renderTable(COLUMNS, answer.parameters));
    },
    [],
  ),
  verb(
    'delete',
    'NAME',
    'delete a parameter',
    [],
    async ([name], parsed, settings) => {
      const answer = await kilnCall<Record<string, unknown>>(settings, 'DELETE', '/kiln/parameters', {
        name,
      });
      return asJson(parsed, answer, `deleted ${name}\n`);
    },
    ['NAME'],
  ),
];
