/**
 * The SETTINGS table: every setting Kiln reads, with where it may come from. loadConfig(),
 * `kiln server --help` (settingsHelp) and docs/config.md (renderConfigDocs) are all derived from
 * it, so a setting documented is a setting honoured, and the other way round.
 */

/** How a setting's text is validated and converted; see values.ts. */
export type SettingType =
  | 'path'
  | 'host'
  | 'port'
  | 'regions'
  | 'region'
  | 'accountId'
  | 'accessKeyId'
  | 'secret'
  | 'count';

export interface Setting {
  /** The key in the config file and the field of Config. */
  readonly key: SettingKey;
  readonly type: SettingType;
  /** `--data-dir`; absent when a flag would be unsafe or pointless. */
  readonly flag?: string;
  readonly env?: string;
  /** Whether the config file may set it. */
  readonly inFile: boolean;
  /** The default as text, parsed like any other source; undefined means none. */
  readonly default?: string;
  /** How the default is described when it is derived, not fixed. */
  readonly defaultText?: string;
  readonly help: string;
}

export type SettingKey =
  | 'config'
  | 'dataDir'
  | 'host'
  | 'port'
  | 'regions'
  | 'defaultRegion'
  | 'defaultAccountId'
  | 'adminAccessKeyId'
  | 'adminSecretAccessKey'
  | 'maxConcurrentBuilds'
  | 'cacheDir';

export const SETTINGS: readonly Setting[] = [
  {
    key: 'config',
    type: 'path',
    flag: '--config',
    env: 'KILN_CONFIG',
    inFile: false,
    help: 'YAML config file with any of the settings below plus `accessKeys`.',
  },
  {
    key: 'dataDir',
    type: 'path',
    flag: '--data-dir',
    env: 'KILN_DATA_DIR',
    inFile: true,
    default: './.kiln',
    help: 'Directory for the store, credentials, artifacts and logs; created if missing. A relative path in the config file is relative to the file.',
  },
  {
    key: 'host',
    type: 'host',
    flag: '--host',
    env: 'KILN_HOST',
    inFile: true,
    default: '127.0.0.1',
    help: 'Address the API listens on; `0.0.0.0` listens on every interface.',
  },
  {
    key: 'port',
    type: 'port',
    flag: '--port',
    env: 'KILN_PORT',
    inFile: true,
    default: '8700',
    help: 'TCP port of the API; 0 picks a free port.',
  },
  {
    key: 'regions',
    type: 'regions',
    flag: '--regions',
    env: 'KILN_REGIONS',
    inFile: true,
    default: 'us-east-1',
    help: 'Regions this server answers for, comma-separated (a YAML list in the file). SigV4 scopes must name one.',
  },
  {
    key: 'defaultRegion',
    type: 'region',
    flag: '--default-region',
    env: 'KILN_DEFAULT_REGION',
    inFile: true,
    defaultText: 'the first of `regions`',
    help: 'Region used where a request names none; one of `regions`. Used by the CLI and the console.',
  },
  {
    key: 'defaultAccountId',
    type: 'accountId',
    flag: '--account-id',
    env: 'KILN_ACCOUNT_ID',
    inFile: true,
    default: '000000000000',
    help: 'Account (12 digits) owning what the admin key creates. Also the account of keys that name none.',
  },
  {
    key: 'adminAccessKeyId',
    type: 'accessKeyId',
    env: 'KILN_ACCESS_KEY_ID',
    inFile: false,
    defaultText: 'generated on first start, kept in `DATA_DIR/credentials`',
    help: 'Access key id of the admin key (set together with `KILN_SECRET_ACCESS_KEY`).',
  },
  {
    key: 'adminSecretAccessKey',
    type: 'secret',
    env: 'KILN_SECRET_ACCESS_KEY',
    inFile: false,
    defaultText: 'generated with the key id',
    help: 'Secret of the admin key. Only from the environment, so it never shows in `ps` or a config file.',
  },
  {
    key: 'maxConcurrentBuilds',
    type: 'count',
    flag: '--max-concurrent-builds',
    env: 'KILN_MAX_CONCURRENT_BUILDS',
    inFile: true,
    defaultText: 'half the CPU cores, at least 1',
    help: 'How many image builds run at once; the rest wait in the queue in order. One pipeline never runs twice at once.',
  },
  {
    key: 'cacheDir',
    type: 'path',
    flag: '--cache-dir',
    env: 'KILN_CACHE_DIR',
    inFile: true,
    defaultText: '`cache` in the data directory',
    help: 'Parent trees, the shared apt package cache, the layer cache and instance records. Several data directories may share one cache.',
  },
];

/** Keys only the config file has (lists of records that do not fit a flag or a variable). */
export const FILE_ONLY_KEYS = ['accessKeys', 'regionStores', 'kmsKeys', 'organizations'] as const;

export const settingByKey = (key: SettingKey): Setting => {
  const setting = SETTINGS.find((s) => s.key === key);
  if (!setting) throw new Error(`no setting '${key}'`);
  return setting;
};

/** The name of a setting as the user wrote it in one source, for error messages. */
export type SettingSource =
  | { readonly kind: 'flag'; readonly name: string }
  | { readonly kind: 'env'; readonly name: string }
  | { readonly kind: 'file'; readonly file: string; readonly path: string; readonly line?: number }
  | { readonly kind: 'default' };

export function describeSource(source: SettingSource): string {
  switch (source.kind) {
    case 'flag':
      return `flag ${source.name}`;
    case 'env':
      return `environment variable ${source.name}`;
    case 'file':
      return `'${source.path}' in ${source.file}${source.line === undefined ? '' : ` line ${source.line}`}`;
    case 'default':
      return 'the default';
  }
}
