/** A CLI verb over one of Kiln's own /kiln/ endpoints: parse, call, print the text (or --json). */
import { expectPositionals, type FlagSpec, type ParsedArgs, usageText } from './args.js';
import { CLIENT_FLAGS } from './client.js';
import { kilnCall } from './kiln-http.js';
import { JSON_FLAG, runClientVerb, toJson } from './run.js';
import type { Verb } from './verb.js';

export type KilnCall = <T>(
  method: 'GET' | 'POST' | 'DELETE',
  path: string,
  query?: Record<string, string | undefined>,
  body?: unknown,
) => Promise<T>;

/** What a verb's body returns: the response (printed by --json) and its human rendering. */
export interface KilnVerbOutput {
  readonly answer: Record<string, unknown>;
  readonly text: string;
}

export const kilnRouteVerb = (
  path: string[],
  synopsis: string,
  summary: string,
  flags: readonly FlagSpec[],
  positionalNames: string[],
  body: (positionals: string[], flags: ParsedArgs, call: KilnCall) => Promise<KilnVerbOutput>,
): Verb => ({
  path,
  summary,
  usage: usageText(`kiln ${path.join(' ')} ${synopsis}`.trim(), summary, [
    ...flags,
    JSON_FLAG,
    ...CLIENT_FLAGS,
  ]),
  run: (args, io) =>
    runClientVerb(args, io, [...flags, JSON_FLAG], async (parsed, { settings }) => {
      const positionals = expectPositionals(parsed, positionalNames);
      const call: KilnCall = (...r) => kilnCall(settings, ...r);
      const { answer, text } = await body(positionals, parsed, call);
      io.stdout.write(parsed.boolean('json') ? toJson(answer) : text);
      return 0;
    }),
});
