import { type FlagSpec, type ParsedArgs, parseArgs, UsageError } from './args.js';
import {
  CLIENT_FLAGS,
  type ClientContext,
  connect,
  DEFAULT_ENDPOINT,
  describeClientError,
} from './client.js';
import type { VerbIO } from './verb.js';

export const JSON_FLAG: FlagSpec = {
  name: 'json',
  type: 'boolean',
  help: 'print the raw API response as JSON',
};

/**
 * Runs a verb that talks to a server: parses its flags plus the client flags, connects, and turns
 * every failure into one line on stderr with the right exit code.
 */
export async function runClientVerb(
  args: readonly string[],
  io: VerbIO,
  flags: readonly FlagSpec[],
  body: (parsed: ParsedArgs, ctx: ClientContext) => Promise<number>,
): Promise<number> {
  let endpoint = io.env.KILN_ENDPOINT || DEFAULT_ENDPOINT;
  try {
    const parsed = parseArgs(args, [...flags, ...CLIENT_FLAGS]);
    const ctx = await connect(parsed, io.env, io.cwd);
    endpoint = ctx.settings.endpoint;
    try {
      return await body(parsed, ctx);
    } finally {
      ctx.client.destroy();
    }
  } catch (err) {
    const { line, exitCode } = describeClientError(err, endpoint);
    io.stderr.write(`${line}\n`);
    return exitCode;
  }
}

/** JSON for scripts: the API answer without the SDK's transport metadata. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, (key, v) => (key === '$metadata' ? undefined : v), 2)}\n`;
}

export function requireValue<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new UsageError(`${what} is required.`);
  return value;
}
