import { resolve } from 'node:path';
import { ImagebuilderClient } from '@aws-sdk/client-imagebuilder';
import { isKilnError } from '../core/errors.js';
import { CREDENTIALS_PROFILE, credentialsPath, readProfileCredentials } from '../config/credentials.js';
import { type FlagSpec, type ParsedArgs, UsageError } from './args.js';

/** Flags every verb that talks to a server accepts. */
export const CLIENT_FLAGS: readonly FlagSpec[] = [
  {
    name: 'endpoint',
    type: 'string',
    value: 'URL',
    help: 'Kiln server URL (env KILN_ENDPOINT; default http://127.0.0.1:8700)',
  },
  {
    name: 'region',
    type: 'string',
    value: 'REGION',
    help: 'region to sign for (env AWS_REGION; default us-east-1)',
  },
  {
    name: 'data-dir',
    type: 'string',
    value: 'DIR',
    help: 'where to find DIR/credentials (env KILN_DATA_DIR; default ./.kiln)',
  },
];

export const DEFAULT_ENDPOINT = 'http://127.0.0.1:8700';

export interface ClientSettings {
  readonly endpoint: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string };
}

export interface ClientContext {
  readonly client: ImagebuilderClient;
  readonly settings: ClientSettings;
}

/** Where the settings come from: flags first, then environment, then the data directory. */
export async function resolveClientSettings(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ClientSettings> {
  const endpoint = parsed.string('endpoint') ?? nonEmpty(env.KILN_ENDPOINT) ?? DEFAULT_ENDPOINT;
  if (!/^https?:\/\/[^/]+/.test(endpoint)) {
    throw new UsageError(`--endpoint '${endpoint}' is not a URL; use e.g. http://127.0.0.1:8700.`);
  }
  const region = parsed.string('region') ?? nonEmpty(env.AWS_REGION) ?? 'us-east-1';
  const credentials = await findCredentials(parsed, env, cwd);
  return Object.freeze({ endpoint, region, credentials: Object.freeze(credentials) });
}

async function findCredentials(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const kilnId = nonEmpty(env.KILN_ACCESS_KEY_ID);
  const kilnSecret = nonEmpty(env.KILN_SECRET_ACCESS_KEY);
  if (kilnId && kilnSecret) return { accessKeyId: kilnId, secretAccessKey: kilnSecret };
  const awsId = nonEmpty(env.AWS_ACCESS_KEY_ID);
  const awsSecret = nonEmpty(env.AWS_SECRET_ACCESS_KEY);
  if (awsId && awsSecret) return { accessKeyId: awsId, secretAccessKey: awsSecret };
  const dataDir = resolve(cwd, parsed.string('data-dir') ?? nonEmpty(env.KILN_DATA_DIR) ?? '.kiln');
  const file = credentialsPath(dataDir);
  const found = await readProfileCredentials(file, CREDENTIALS_PROFILE);
  if (found) return found;
  throw new UsageError(
    `no credentials: set KILN_ACCESS_KEY_ID and KILN_SECRET_ACCESS_KEY, or point --data-dir (KILN_DATA_DIR) ` +
      `at the server's data directory so ${file} (profile ${CREDENTIALS_PROFILE}) can be read.`,
  );
}

export function makeClient(settings: ClientSettings): ImagebuilderClient {
  // Kiln targets Node 20 on purpose; the SDK's "upgrade to Node 22" notice on stderr would break
  // the CLI's one-line output. This is the SDK's documented switch, set only if the user did not.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  return new ImagebuilderClient({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: { ...settings.credentials },
    // A local server either answers or is down; retrying a refused connection only delays the message.
    maxAttempts: 2,
  });
}

export async function connect(
  parsed: ParsedArgs,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<ClientContext> {
  const settings = await resolveClientSettings(parsed, env, cwd);
  return { client: makeClient(settings), settings };
}

const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ECONNRESET',
  'ETIMEDOUT',
  'EAI_AGAIN',
]);

/** The system error code of a failed connection, looking through AggregateError (IPv4+IPv6 tries). */
function networkCode(err: unknown): string | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && UNREACHABLE.has(code)) return code;
  const inner = (err as { errors?: unknown }).errors;
  if (Array.isArray(inner)) for (const e of inner) if (networkCode(e)) return networkCode(e);
  return undefined;
}

/** One line for the user and the exit code: 1 for the caller's mistakes, 125 when Kiln failed. */
export function describeClientError(err: unknown, endpoint: string): { line: string; exitCode: number } {
  const code = networkCode(err);
  if (code) {
    return {
      line:
        `kiln: the server isn't running at ${endpoint} (${code}). Start it with ` +
        `'kiln server --data-dir DIR --port PORT', or point --endpoint (KILN_ENDPOINT) at a running one.`,
      exitCode: 125,
    };
  }
  if (err instanceof UsageError) return { line: `kiln: ${err.message}`, exitCode: 1 };
  const e = err as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: number } };
  const name = typeof e?.name === 'string' && e.name !== 'Error' ? e.name : 'Error';
  const message = (typeof e?.message === 'string' && e.message) || String(err);
  const status = e?.$metadata?.httpStatusCode ?? (isKilnError(err) ? err.status : undefined);
  const exitCode = status !== undefined && status < 500 ? 1 : 125;
  return { line: `kiln: ${name}: ${message.split('\n')[0]}`, exitCode };
}
