/**
 * The config file's distribution keys: `regionStores` (where each region's artifacts live),
 * `kmsKeys` (keys that encrypt distributed copies at rest) and `organizations` (what launch
 * permissions' organization and unit ARNs stand for). Validated once here into frozen values;
 * errors name the YAML path (`kmsKeys[1].region`) and the file.
 */
import { join } from 'node:path';
import type { KmsKey, Organization, RegionStore } from './config.js';
import type { FileEntry } from './config-file.js';
import type { SettingSource } from './settings.js';
import { parseSettingValue, settingError } from './values.js';

export interface DistributionSettingsInput {
  readonly regionStores?: readonly FileEntry[];
  readonly kmsKeys?: readonly FileEntry[];
  readonly organizations?: readonly FileEntry[];
  readonly regions: readonly string[];
  readonly defaultRegion: string;
  readonly defaultAccountId: string;
  readonly dataDir: string;
  /** The config file's directory: relative paths in it are relative to it. */
  readonly baseDir: string;
}

export interface DistributionSettings {
  readonly regionStores: Readonly<Record<string, RegionStore>>;
  readonly kmsKeys: readonly KmsKey[];
  readonly organizations: readonly Organization[];
}

const KEY_ID = /^[A-Za-z0-9-]{1,64}$/;
const ALIAS = /^alias\/[A-Za-z0-9/_-]{1,250}$/;
const REGISTRY = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;
const ORG_ARN = /^arn:aws[^:]*:organizations::\d{12}:organization\/(o-[a-z0-9]{10,32})$/;
const OU_ARN =
  /^arn:aws[^:]*:organizations::\d{12}:ou\/(o-[a-z0-9]{10,32})\/ou-[0-9a-z]{4,32}-[0-9a-z]{8,32}$/;
const ACCOUNT = /^\d{12}$/;

const at = (source: SettingSource, path: string): SettingSource =>
  source.kind === 'file' ? { ...source, path } : source;
const pathOf = (source: SettingSource, fallback: string): string =>
  source.kind === 'file' ? source.path : fallback;

function mapOf(entry: FileEntry, path: string, fields: readonly string[]): Record<string, unknown> {
  const raw = entry.raw;
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw settingError(path, entry.source, `expected a map with ${fields.join(', ')}.`);
  const map = raw as Record<string, unknown>;
  const unknown = Object.keys(map).find((k) => !fields.includes(k));
  if (unknown)
    throw settingError(`${path}.${unknown}`, entry.source, 'unknown field.', `Fields: ${fields.join(', ')}.`);
  return map;
}

function text(entry: FileEntry, path: string, value: unknown, what: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw settingError(path, at(entry.source, path), `expected ${what}.`);
  return value.trim();
}

function accountList(entry: FileEntry, path: string, value: unknown): readonly string[] {
  if (!Array.isArray(value) || value.some((a) => typeof a !== 'string' || !ACCOUNT.test(a)))
    throw settingError(
      path,
      at(entry.source, path),
      "expected a list of 12-digit account ids (quoted: '111122223333').",
    );
  return Object.freeze([...new Set(value as string[])]);
}

function parseRegionStore(entry: FileEntry, input: DistributionSettingsInput): RegionStore {
  const path = pathOf(entry.source, `regionStores.${entry.key}`);
  const region = entry.key ?? '';
  if (!input.regions.includes(region))
    throw settingError(
      path,
      entry.source,
      `'${region}' is not one of the regions (${input.regions.join(', ')}).`,
      'Add it to `regions`, or remove its store.',
    );
  const map = mapOf(entry, path, ['type', 'path', 'url', 'tlsVerify']);
  const type = map.type ?? (map.url !== undefined ? 'registry' : 'directory');
  if (type === 'directory') {
    if (map.url !== undefined || map.tlsVerify !== undefined)
      throw settingError(`${path}.url`, entry.source, 'a directory store has only a path.');
    const dir =
      map.path === undefined
        ? join(input.dataDir, 'regions', region)
        : parseSettingValue(
            'path',
            `${path}.path`,
            map.path,
            at(entry.source, `${path}.path`),
            input.baseDir,
          );
    return Object.freeze({ type: 'directory', path: dir });
  }
  if (type === 'registry') {
    if (map.path !== undefined)
      throw settingError(`${path}.path`, entry.source, 'a registry store has a url, not a path.');
    const url = text(entry, `${path}.url`, map.url, 'the registry as host:port, e.g. 127.0.0.1:5000');
    if (!REGISTRY.test(url))
      throw settingError(
        `${path}.url`,
        entry.source,
        `'${url}' is not host[:port].`,
        'Write e.g. 127.0.0.1:5000, without a scheme.',
      );
    const tls = map.tlsVerify === undefined ? 'true' : String(map.tlsVerify);
    if (tls !== 'true' && tls !== 'false')
      throw settingError(`${path}.tlsVerify`, entry.source, `expected true or false, got '${tls}'.`);
    return Object.freeze({ type: 'registry', url, tlsVerify: tls === 'true' });
  }
  throw settingError(
    `${path}.type`,
    entry.source,
    `'${String(type)}' is not a store type.`,
    'Use directory or registry.',
  );
}

function parseKmsKey(entry: FileEntry, input: DistributionSettingsInput): KmsKey {
  const path = pathOf(entry.source, 'kmsKeys');
  const map = mapOf(entry, path, ['keyId', 'region', 'accountId', 'aliases', 'keyFile']);
  const keyId = text(
    entry,
    `${path}.keyId`,
    map.keyId,
    'a key id (a UUID or a name of letters, digits and dashes)',
  );
  if (!KEY_ID.test(keyId))
    throw settingError(
      `${path}.keyId`,
      entry.source,
      `'${keyId}' is not a key id: use 1–64 letters, digits and dashes.`,
    );
  const region =
    map.region === undefined
      ? input.defaultRegion
      : parseSettingValue('region', `${path}.region`, map.region, at(entry.source, `${path}.region`), '/');
  if (!input.regions.includes(region))
    throw settingError(
      `${path}.region`,
      entry.source,
      `'${region}' is not one of the regions (${input.regions.join(', ')}).`,
    );
  const accountId =
    map.accountId === undefined
      ? input.defaultAccountId
      : parseSettingValue(
          'accountId',
          `${path}.accountId`,
          map.accountId,
          at(entry.source, `${path}.accountId`),
          '/',
        );
  const aliases = map.aliases ?? [];
  if (
    !Array.isArray(aliases) ||
    aliases.some((a) => typeof a !== 'string' || !ALIAS.test(a) || a.startsWith('alias/aws/'))
  )
    throw settingError(
      `${path}.aliases`,
      entry.source,
      'expected a list of alias/NAME (letters, digits, /, _ and -; alias/aws/ is reserved).',
    );
  const keyFile =
    map.keyFile === undefined
      ? join(input.dataDir, 'kms', `${keyId}.key`)
      : parseSettingValue(
          'path',
          `${path}.keyFile`,
          map.keyFile,
          at(entry.source, `${path}.keyFile`),
          input.baseDir,
        );
  return Object.freeze({
    keyId,
    arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
    region,
    accountId,
    aliases: Object.freeze([...new Set(aliases as string[])]),
    keyFile,
  });
}

function parseOrganization(entry: FileEntry): Organization {
  const path = pathOf(entry.source, 'organizations');
  const map = mapOf(entry, path, ['arn', 'accounts', 'units']);
  const arn = text(entry, `${path}.arn`, map.arn, 'an organization ARN');
  const orgId = ORG_ARN.exec(arn)?.[1];
  if (!orgId)
    throw settingError(
      `${path}.arn`,
      entry.source,
      `'${arn}' is not an organization ARN.`,
      'e.g. arn:aws:organizations::111122223333:organization/o-abcdefghij',
    );
  const accounts = accountList(entry, `${path}.accounts`, map.accounts ?? []);
  const unitsRaw = map.units ?? [];
  if (!Array.isArray(unitsRaw))
    throw settingError(`${path}.units`, entry.source, 'expected a list of {arn, accounts}.');
  const units = unitsRaw.map((u, i) => {
    const where = `${path}.units[${i}]`;
    const unit = mapOf({ ...entry, raw: u }, where, ['arn', 'accounts']);
    const unitArn = text(entry, `${where}.arn`, unit.arn, 'an organizational unit ARN');
    const unitOrg = OU_ARN.exec(unitArn)?.[1];
    if (!unitOrg)
      throw settingError(
        `${where}.arn`,
        entry.source,
        `'${unitArn}' is not an organizational unit ARN.`,
        'e.g. arn:aws:organizations::111122223333:ou/o-abcdefghij/ou-ab12-cdefgh34',
      );
    if (unitOrg !== orgId)
      throw settingError(`${where}.arn`, entry.source, `the unit belongs to ${unitOrg}, not to ${orgId}.`);
    const members = accountList(entry, `${where}.accounts`, unit.accounts ?? []);
    const outside = members.find((a) => !accounts.includes(a));
    if (outside)
      throw settingError(
        `${where}.accounts`,
        entry.source,
        `account ${outside} is not a member of the organization.`,
        `Add it to ${path}.accounts.`,
      );
    return Object.freeze({ arn: unitArn, accounts: members });
  });
  return Object.freeze({ arn, accounts, units: Object.freeze(units) });
}

function unique<T>(
  items: readonly T[],
  keyOf: (t: T) => string[],
  fail: (key: string, i: number) => never,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    for (const key of keyOf(item)) {
      if (seen.has(key)) fail(key, i);
      seen.add(key);
    }
  });
}

/** Validates the three keys; every region gets a store (a directory under DATA_DIR by default). */
export function parseDistributionSettings(input: DistributionSettingsInput): DistributionSettings {
  const stores: Record<string, RegionStore> = {};
  for (const entry of input.regionStores ?? []) stores[entry.key ?? ''] = parseRegionStore(entry, input);
  for (const region of input.regions)
    stores[region] ??= Object.freeze({ type: 'directory', path: join(input.dataDir, 'regions', region) });

  const keyEntries = input.kmsKeys ?? [];
  const kmsKeys = keyEntries.map((e) => parseKmsKey(e, input));
  unique(
    kmsKeys,
    (k) => [k.keyId],
    (key, i) => {
      throw settingError(
        `${pathOf(keyEntries[i]!.source, 'kmsKeys')}.keyId`,
        keyEntries[i]!.source,
        `key id '${key}' is listed twice.`,
      );
    },
  );
  unique(
    kmsKeys,
    (k) => k.aliases.map((a) => `${k.region}/${k.accountId}/${a}`),
    (key, i) => {
      const alias = key.split('/').slice(2).join('/');
      throw settingError(
        `${pathOf(keyEntries[i]!.source, 'kmsKeys')}.aliases`,
        keyEntries[i]!.source,
        `alias '${alias}' already names another key of that account and region.`,
      );
    },
  );

  const orgEntries = input.organizations ?? [];
  const organizations = orgEntries.map(parseOrganization);
  unique(
    organizations,
    (o) => [o.arn, ...o.units.map((u) => u.arn)],
    (key, i) => {
      throw settingError(
        pathOf(orgEntries[i]!.source, 'organizations'),
        orgEntries[i]!.source,
        `'${key}' is listed twice.`,
      );
    },
  );
  return Object.freeze({
    regionStores: Object.freeze(stores),
    kmsKeys: Object.freeze(kmsKeys),
    organizations: Object.freeze(organizations),
  });
}
