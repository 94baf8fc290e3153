import { randomBytes, randomInt } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { KilnError } from '../core/errors.js';
import type { AccessKey, Config } from './config.js';
import { settingByKey } from './settings.js';
import { parseSettingValue } from './values.js';

/** The profile Kiln writes to and reads from `DATA_DIR/credentials`. */
export const CREDENTIALS_PROFILE = 'kiln';
export const credentialsPath = (dataDir: string): string => join(dataDir, 'credentials');

export interface KeyPair {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

export interface AdminCredentials {
  readonly accessKey: AccessKey;
  /** True when this call created the key (first start). */
  readonly generated: boolean;
  /** Set when the key lives in (or was just written to) `DATA_DIR/credentials`. */
  readonly credentialsFile?: string;
}

/** The admin key pair from KILN_ACCESS_KEY_ID / KILN_SECRET_ACCESS_KEY: both or neither. */
export function adminKeyFromEnv(env: Readonly<Record<string, string | undefined>>): KeyPair | undefined {
  const id = settingByKey('adminAccessKeyId');
  const secret = settingByKey('adminSecretAccessKey');
  const idText = env[id.env!] || undefined;
  const secretText = env[secret.env!] || undefined;
  if (idText === undefined && secretText === undefined) return undefined;
  if (idText === undefined || secretText === undefined) {
    const [set, unset] = idText === undefined ? [secret.env, id.env] : [id.env, secret.env];
    throw new KilnError('InvalidParameterValueException', `${set} is set but ${unset} is not.`, {
      hint: 'Set both, or neither to use the key in DATA_DIR/credentials.',
    });
  }
  return {
    accessKeyId: parseSettingValue('accessKeyId', id.env!, idText, { kind: 'env', name: id.env! }, '/'),
    secretAccessKey: parseSettingValue(
      'secret',
      secret.env!,
      secretText,
      { kind: 'env', name: secret.env! },
      '/',
    ),
  };
}

/**
 * Finds the admin key: the environment wins; else profile `kiln` of `DATA_DIR/credentials`; else
 * a new key is generated and written there (mode 0600) so later starts reuse it.
 */
export async function ensureAdminCredentials(
  dataDir: string,
  env: Readonly<Record<string, string | undefined>>,
  accountId: string,
): Promise<AdminCredentials> {
  const fromEnv = adminKeyFromEnv(env);
  if (fromEnv) return { accessKey: { ...fromEnv, accountId }, generated: false };
  const file = credentialsPath(dataDir);
  const existing = await readProfileCredentials(file, CREDENTIALS_PROFILE);
  if (existing) return { accessKey: { ...existing, accountId }, generated: false, credentialsFile: file };
  const fresh = generateKeyPair();
  const won = await writeNewFile(file, renderCredentialsFile(CREDENTIALS_PROFILE, fresh));
  if (!won) {
    // Another process created the file between our read and write; use its key.
    const theirs = await readProfileCredentials(file, CREDENTIALS_PROFILE);
    if (theirs) return { accessKey: { ...theirs, accountId }, generated: false, credentialsFile: file };
    throw new KilnError(
      'InvalidParameterValueException',
      `${file} exists but has no [${CREDENTIALS_PROFILE}] profile.`,
      {
        hint: 'Add the profile, delete the file to have Kiln generate a key, or set KILN_ACCESS_KEY_ID and KILN_SECRET_ACCESS_KEY.',
      },
    );
  }
  return { accessKey: { ...fresh, accountId }, generated: true, credentialsFile: file };
}

/**
 * Reads one profile of an AWS shared-credentials file. Undefined when the file or the profile is
 * missing; an error when the profile lacks a key id or secret.
 */
export async function readProfileCredentials(file: string, profile: string): Promise<KeyPair | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new KilnError('ServiceException', `reading credentials from ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const values = parseIniSection(text, profile);
  if (!values) return undefined;
  const accessKeyId = values.get('aws_access_key_id');
  const secretAccessKey = values.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) {
    throw new KilnError(
      'InvalidParameterValueException',
      `Profile [${profile}] in ${file} needs aws_access_key_id and aws_secret_access_key.`,
      { hint: `Fix the file, or delete it to have Kiln generate a new key.` },
    );
  }
  return { accessKeyId, secretAccessKey };
}

/** The lines of `[profile]` as key → value; undefined when the section is absent. */
function parseIniSection(text: string, profile: string): Map<string, string> | undefined {
  let current: string | undefined;
  let values: Map<string, string> | undefined;
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (section) {
      current = section[1];
      if (current === profile) values ??= new Map();
      continue;
    }
    const eq = line.indexOf('=');
    if (current === profile && eq > 0) values!.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  return values;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A key shaped like AWS's: `AKIA` + 16 upper-case letters and digits, and a 40-character secret. */
export function generateKeyPair(): KeyPair {
  const suffix = Array.from({ length: 16 }, () => ALPHANUMERIC[randomInt(ALPHANUMERIC.length)]).join('');
  // 30 random bytes are exactly 40 base64 characters; AWS secrets use the same alphabet.
  return { accessKeyId: `AKIA${suffix}`, secretAccessKey: randomBytes(30).toString('base64') };
}

export const renderCredentialsFile = (profile: string, key: KeyPair): string =>
  `# Written by kiln server: the admin access key of this data directory.\n[${profile}]\n` +
  `aws_access_key_id = ${key.accessKeyId}\naws_secret_access_key = ${key.secretAccessKey}\n`;

/**
 * Writes `file` only if it does not exist yet: the content goes to a private temporary file that is
 * then hard-linked into place, which fails instead of replacing a file another process made first.
 */
async function writeNewFile(file: string, content: string): Promise<boolean> {
  const dir = join(file, '..');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.credentials.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await writeFile(tmp, content, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new KilnError('ServiceException', `saving credentials to ${file}: ${(err as Error).message}`, {
      cause: err,
    });
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
}

export interface UsageTextOptions {
  readonly credentials: AdminCredentials;
  /** The address the server listens on and the port it got. */
  readonly host: string;
  readonly port: number;
  readonly region: string;
}

/** What `kiln server` prints at start so a user can point the AWS CLI at it. */
export function credentialsUsageText({ credentials, host, port, region }: UsageTextOptions): string {
  const { accessKey, credentialsFile, generated } = credentials;
  const endpoint = `http://${urlHost(host)}:${port}`;
  const lines = credentialsFile
    ? [
        `${generated ? 'Generated an admin access key' : 'Admin access key'} ${accessKey.accessKeyId} ` +
          `(account ${accessKey.accountId}) in ${credentialsFile}, profile ${CREDENTIALS_PROFILE}.`,
        'Use it with the AWS CLI:',
        `  export AWS_SHARED_CREDENTIALS_FILE=${shellQuote(credentialsFile)} AWS_PROFILE=${CREDENTIALS_PROFILE} AWS_DEFAULT_REGION=${region}`,
      ]
    : [
        `Admin access key ${accessKey.accessKeyId} (account ${accessKey.accountId}) from KILN_ACCESS_KEY_ID.`,
        'Use it with the AWS CLI:',
        `  export AWS_ACCESS_KEY_ID=${accessKey.accessKeyId} AWS_SECRET_ACCESS_KEY=... AWS_DEFAULT_REGION=${region}`,
      ];
  return [...lines, `  aws --endpoint-url ${endpoint} imagebuilder list-components`, ''].join('\n');
}

/** A wildcard listen address is not one a client can connect to; show loopback instead. */
function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

const shellQuote = (text: string): string =>
  /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;

/** Adds the admin key to a frozen Config; the same id with another secret is an error. */
export function withAdminKey(config: Config, admin: AccessKey): Config {
  const clash = config.accessKeys.find((key) => key.accessKeyId === admin.accessKeyId);
  if (clash && clash.secretAccessKey !== admin.secretAccessKey) {
    throw new KilnError(
      'InvalidParameterValueException',
      `The admin access key ${admin.accessKeyId} is also listed in accessKeys with another secret.`,
    );
  }
  const accessKeys = clash ? config.accessKeys : [Object.freeze({ ...admin }), ...config.accessKeys];
  return Object.freeze({ ...config, accessKeys: Object.freeze(accessKeys) });
}
