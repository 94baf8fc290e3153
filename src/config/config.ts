/** An access key: SigV4 requests signed with it act as `accountId`. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  /** Image Builder operation names this key may call; undefined means all. */
  readonly allowedActions?: readonly string[];
}

/** The frozen settings every part of Kiln reads; built once by loadConfig(). */
export interface Config {
  /** Directory holding the SQLite store, credentials, artifacts and logs. */
  readonly dataDir: string;
  readonly host: string;
  readonly port: number;
  /** Regions this server answers for; SigV4 scopes must name one of them. */
  readonly regions: readonly string[];
  readonly defaultRegion: string;
  readonly defaultAccountId: string;
  readonly accessKeys: readonly AccessKey[];
  /** How many image builds the embedded worker runs at once. */
  readonly maxConcurrentBuilds: number;
  /** Parent trees, package and layer caches, instance records. */
  readonly cacheDir: string;
  /** The YAML file the settings were read from, if any. */
  readonly configFile?: string;
  /**
   * The admin key from KILN_ACCESS_KEY_ID / KILN_SECRET_ACCESS_KEY, if set. Not in `accessKeys`:
   * the server resolves the admin key with ensureAdminCredentials() and adds it with withAdminKey().
   */
  readonly adminAccessKeyId?: string;
  readonly adminSecretAccessKey?: string;
}
