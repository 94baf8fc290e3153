import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { KilnError } from '../core/errors.js';
import type { AccessKey, Config } from './config.js';
import { type FileValue, parseAccessKeys, readConfigFile } from './config-file.js';
import { adminKeyFromEnv } from './credentials.js';
import { parseDistributionSettings } from './distribution-settings.js';
import { SETTINGS, type Setting, type SettingKey, type SettingSource, settingByKey } from './settings.js';
import { parseSettingValue, type SettingValues, settingError } from './values.js';

export interface LoadConfigOptions {
  /** Raw arguments made only of setting flags (`--port 8700`, `--port=8700`). */
  readonly argv?: readonly string[];
  /** Setting flags already parsed, keyed by flag name with or without the leading `--`. */
  readonly flags?: Readonly<Record<string, string | undefined>>;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Resolves relative paths given by flags, env and defaults. */
  readonly cwd: string;
}

/**
 * Builds the frozen Config from the SETTINGS table. Precedence: flag > env > file > default. Every
 * value is validated here, and errors name the setting and where it came from.
 */
export function loadConfig(options: LoadConfigOptions): Config {
  const flags = {
    ...normalizeFlags(options.flags ?? {}),
    ...parseSettingFlags(options.argv ?? [], true).flags,
  };
  const env = options.env;
  const configSetting = settingByKey('config');
  const configPick = pick(configSetting, flags, env, undefined);
  const configFile = configPick
    ? parseSettingValue(
        'path',
        nameIn(configSetting, configPick.source),
        configPick.raw,
        configPick.source,
        options.cwd,
      )
    : undefined;
  const file = configFile === undefined ? undefined : readConfigFile(configFile);

  const value = <T extends Setting['type']>(key: SettingKey, type: T): SettingValues[T] | undefined => {
    const setting = settingByKey(key);
    const found = pick(setting, flags, env, file?.settings.get(key));
    if (!found) return undefined;
    const baseDir = found.source.kind === 'file' && file ? dirname(file.file) : options.cwd;
    return parseSettingValue(type, nameIn(setting, found.source), found.raw, found.source, baseDir);
  };

  const regions = value('regions', 'regions')!;
  const defaultRegion = value('defaultRegion', 'region') ?? regions[0]!;
  if (!regions.includes(defaultRegion)) {
    const setting = settingByKey('defaultRegion');
    const source = pick(setting, flags, env, file?.settings.get('defaultRegion'))!.source;
    throw settingError(
      nameIn(setting, source),
      source,
      `'${defaultRegion}' is not one of the regions (${regions.join(', ')}).`,
    );
  }
  const defaultAccountId = value('defaultAccountId', 'accountId')!;
  const admin = adminKeyFromEnv(env);
  const accessKeys = file ? parseAccessKeys(file.accessKeys, defaultAccountId) : [];
  checkUniqueKeys(accessKeys, admin?.accessKeyId, file?.file);

  const dataDir = value('dataDir', 'path')!;
  const distribution = parseDistributionSettings({
    ...(file?.distribution.regionStores ? { regionStores: file.distribution.regionStores } : {}),
    ...(file?.distribution.kmsKeys ? { kmsKeys: file.distribution.kmsKeys } : {}),
    ...(file?.distribution.organizations ? { organizations: file.distribution.organizations } : {}),
    regions,
    defaultRegion,
    defaultAccountId,
    dataDir,
    baseDir: file ? dirname(file.file) : options.cwd,
  });
  const config: Config = {
    dataDir,
    cacheDir: value('cacheDir', 'path') ?? join(dataDir, 'cache'),
    host: value('host', 'host')!,
    port: value('port', 'port')!,
    regions,
    defaultRegion,
    defaultAccountId,
    accessKeys: Object.freeze(accessKeys.map(freezeKey)),
    ...distribution,
    maxConcurrentBuilds:
      value('maxConcurrentBuilds', 'count') ?? Math.max(1, Math.floor(availableParallelism() / 2)),
    ...(configFile === undefined ? {} : { configFile }),
    ...(admin ? { adminAccessKeyId: admin.accessKeyId, adminSecretAccessKey: admin.secretAccessKey } : {}),
  };
  return Object.freeze(config);
}

/**
 * Splits the setting flags (as listed in SETTINGS) out of `args`. With `strict`, anything else is
 * an error; otherwise it is returned in `rest` for the caller's own parser.
 */
export function parseSettingFlags(
  args: readonly string[],
  strict = false,
): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const setting = SETTINGS.find((s) => s.flag === name);
    if (!setting) {
      if (strict) throw usage(`Unknown option '${arg}'.`);
      rest.push(arg);
      continue;
    }
    const text = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : args[++i];
    if (text === undefined) throw usage(`Option ${name} needs a value.`);
    flags[name] = text;
  }
  return { flags, rest };
}

interface Picked {
  readonly raw: unknown;
  readonly source: SettingSource;
}

function pick(
  setting: Setting,
  flags: Readonly<Record<string, string>>,
  env: Readonly<Record<string, string | undefined>>,
  fromFile: FileValue | undefined,
): Picked | undefined {
  if (setting.flag && flags[setting.flag] !== undefined) {
    return { raw: flags[setting.flag], source: { kind: 'flag', name: setting.flag } };
  }
  // An empty variable counts as unset, as shells make `KILN_PORT= kiln server` easy to type.
  const fromEnv = setting.env ? env[setting.env] : undefined;
  if (setting.env && fromEnv !== undefined && fromEnv !== '')
    return { raw: fromEnv, source: { kind: 'env', name: setting.env } };
  if (fromFile) return fromFile;
  if (setting.default !== undefined) return { raw: setting.default, source: { kind: 'default' } };
  return undefined;
}

/** The setting's name as the user wrote it in that source. */
function nameIn(setting: Setting, source: SettingSource): string {
  if (source.kind === 'flag' || source.kind === 'env') return source.name;
  if (source.kind === 'file') return source.path;
  return setting.key;
}

function normalizeFlags(flags: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(flags)) {
    if (text === undefined) continue;
    const flag = name.startsWith('--') ? name : `--${name}`;
    if (!SETTINGS.some((s) => s.flag === flag)) throw usage(`Unknown option '${flag}'.`);
    out[flag] = text;
  }
  return out;
}

function checkUniqueKeys(
  keys: readonly AccessKey[],
  adminId: string | undefined,
  file: string | undefined,
): void {
  const seen = new Set<string>(adminId ? [adminId] : []);
  for (const key of keys) {
    if (seen.has(key.accessKeyId)) {
      const what =
        key.accessKeyId === adminId ? 'is also the admin key (KILN_ACCESS_KEY_ID)' : 'is listed twice';
      throw new KilnError(
        'InvalidParameterValueException',
        `Access key '${key.accessKeyId}' in ${file} ${what}.`,
      );
    }
    seen.add(key.accessKeyId);
  }
}

const freezeKey = (key: AccessKey): AccessKey =>
  Object.freeze(
    key.allowedActions ? { ...key, allowedActions: Object.freeze([...key.allowedActions]) } : key,
  );

const usage = (message: string): KilnError =>
  new KilnError('InvalidParameterValueException', message, {
    hint: "Run 'kiln server --help' for the settings.",
  });
