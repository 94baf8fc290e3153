/** An access key: SigV4 requests signed with it act as `accountId`. */
export interface AccessKey {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly accountId: string;
  /** Image Builder operation names this key may call; undefined means all. */
  readonly allowedActions?: readonly string[];
}

/**
 * Where a region's artifacts live: a directory (the default, `DATA_DIR/regions/<region>`), or an
 * OCI registry for setups spanning several machines.
 */
export type RegionStore =
  | { readonly type: 'directory'; readonly path: string }
  | { readonly type: 'registry'; readonly url: string; readonly tlsVerify: boolean };

/** A key from the config's `kmsKeys`: distributed copies can be encrypted at rest with it. */
export interface KmsKey {
  /** The key's id: a UUID as AWS writes them, or any name of letters, digits and dashes. */
  readonly keyId: string;
  /** `arn:aws:kms:<region>:<accountId>:key/<keyId>`. */
  readonly arn: string;
  readonly region: string;
  readonly accountId: string;
  /** `alias/…` names that also designate the key. */
  readonly aliases: readonly string[];
  /** 32 random bytes, base64; generated (mode 0600) at server start when missing. */
  readonly keyFile: string;
}

/** An AWS Organizations organization as launch permissions name it, with its member accounts. */
export interface Organization {
  readonly arn: string;
  readonly accounts: readonly string[];
  readonly units: readonly { readonly arn: string; readonly accounts: readonly string[] }[];
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
  /** The artifact store of every region in `regions` (file-only key `regionStores`). */
  readonly regionStores: Readonly<Record<string, RegionStore>>;
  /** Keys for encrypting distributed copies at rest (file-only key `kmsKeys`). */
  readonly kmsKeys: readonly KmsKey[];
  /** Organizations and units launch permissions may name (file-only key `organizations`). */
  readonly organizations: readonly Organization[];
  /** The YAML file the settings were read from, if any. */
  readonly configFile?: string;
  /**
   * The admin key from KILN_ACCESS_KEY_ID / KILN_SECRET_ACCESS_KEY, if set. Not in `accessKeys`:
   * the server resolves the admin key with ensureAdminCredentials() and adds it with withAdminKey().
   */
  readonly adminAccessKeyId?: string;
  readonly adminSecretAccessKey?: string;
}
