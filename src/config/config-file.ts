import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { KilnError } from '../core/errors.js';
import type { AccessKey } from './config.js';
import { FILE_ONLY_KEYS, SETTINGS, type SettingKey, type SettingSource } from './settings.js';
import { parseSettingValue, settingError } from './values.js';

/** One value read from the file, with where it was, for error messages. */
export interface FileValue {
  readonly raw: unknown;
  readonly source: SettingSource;
}

/** The config file's contents, not yet validated beyond its keys. */
export interface ConfigFileContents {
  readonly file: string;
  readonly settings: ReadonlyMap<SettingKey, FileValue>;
  readonly accessKeys: readonly FileValue[];
  /**
   * `regionStores` (one entry per map key, `key` set), `kmsKeys` and `organizations` (one per
   * list item); parsed by distribution-settings.ts once the regions and accounts are known.
   */
  readonly distribution: Readonly<Record<DistributionKey, readonly FileEntry[] | undefined>>;
}

/** One entry of a file-only list or map, with where it was. */
export interface FileEntry extends FileValue {
  /** The map key, for entries of a map. */
  readonly key?: string;
}

export type DistributionKey = 'regionStores' | 'kmsKeys' | 'organizations';
const DISTRIBUTION_KEYS: Readonly<Record<DistributionKey, 'map' | 'list'>> = {
  regionStores: 'map',
  kmsKeys: 'list',
  organizations: 'list',
};

const ACCESS_KEY_FIELDS = ['accessKeyId', 'secretAccessKey', 'accountId', 'allowedActions'] as const;
const ACTION = /^[A-Z][A-Za-z]{2,127}$/;

/**
 * Reads the YAML config file. Every scalar stays text (the failsafe schema), so an account id
 * like 000000000000 keeps its zeros; values are validated by the same code as flags and env.
 */
export function readConfigFile(file: string): ConfigFileContents {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new KilnError('InvalidParameterValueException', `Cannot read the config file ${file}: ${reason}.`, {
      cause: err,
      hint: 'Check --config / KILN_CONFIG.',
    });
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { schema: 'failsafe', lineCounter });
  const yamlError = doc.errors[0];
  if (yamlError) {
    // The yaml package's message ends with "at line L, column C:" and the line with a caret.
    throw new KilnError(
      'InvalidParameterValueException',
      `The config file ${file} is not valid YAML: ${yamlError.message}`,
    );
  }
  const lineOf = (node: YamlNode | null | undefined): number | undefined =>
    node?.range ? lineCounter.linePos(node.range[0]).line : undefined;
  const settings = new Map<SettingKey, FileValue>();
  const accessKeys: FileValue[] = [];
  const distribution: Record<DistributionKey, FileEntry[] | undefined> = {
    regionStores: undefined,
    kmsKeys: undefined,
    organizations: undefined,
  };
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === '')) {
    return { file, settings, accessKeys, distribution };
  }
  if (!isMap(doc.contents)) {
    throw new KilnError(
      'InvalidParameterValueException',
      `The config file ${file} must be a YAML map of settings.`,
    );
  }
  for (const pair of doc.contents.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const line = lineOf(pair.key as YamlNode);
    const value = pair.value as YamlNode | null;
    const source = (
      path: string,
      node: YamlNode | null | undefined = pair.key as YamlNode,
    ): SettingSource => {
      const at = lineOf(node) ?? line;
      return at === undefined ? { kind: 'file', file, path } : { kind: 'file', file, path, line: at };
    };
    if (key === 'accessKeys') {
      if (!isSeq(value)) throw settingError('accessKeys', source(key), 'expected a list of access keys.');
      value.items.forEach((item, i) => {
        accessKeys.push({
          raw: (item as YamlNode).toJSON(),
          source: source(`accessKeys[${i}]`, item as YamlNode),
        });
      });
      continue;
    }
    if (Object.hasOwn(DISTRIBUTION_KEYS, key)) {
      const name = key as DistributionKey;
      if (distribution[name]) throw settingError(key, source(key), 'the key appears twice.');
      const entries: FileEntry[] = [];
      if (DISTRIBUTION_KEYS[name] === 'map') {
        if (!isMap(value)) throw settingError(key, source(key), 'expected a map from region to store.');
        for (const item of value.items) {
          const k = isScalar(item.key) ? String(item.key.value) : String(item.key);
          const node = item.value as YamlNode | null;
          entries.push({
            key: k,
            raw: node?.toJSON() ?? null,
            source: source(`${key}.${k}`, item.key as YamlNode),
          });
        }
      } else {
        if (!isSeq(value)) throw settingError(key, source(key), 'expected a list.');
        value.items.forEach((item, i) => {
          entries.push({
            raw: (item as YamlNode).toJSON(),
            source: source(`${key}[${i}]`, item as YamlNode),
          });
        });
      }
      distribution[name] = entries;
      continue;
    }
    checkKnownKey(key, file, line);
    if (settings.has(key as SettingKey)) throw settingError(key, source(key), 'the key appears twice.');
    settings.set(key as SettingKey, { raw: value?.toJSON() ?? '', source: source(key) });
  }
  return { file, settings, accessKeys, distribution };
}

function checkKnownKey(key: string, file: string, line: number | undefined): void {
  const where = `${file}${line === undefined ? '' : ` line ${line}`}`;
  const setting = SETTINGS.find((s) => s.key === key);
  if (setting?.inFile) return;
  if (setting) {
    const from = [setting.flag, setting.env].filter(Boolean).join(' or ');
    throw new KilnError(
      'InvalidParameterValueException',
      `The setting '${key}' (${where}) cannot be set in a config file.`,
      {
        hint: `Use ${from}.`,
      },
    );
  }
  const known = [...SETTINGS.filter((s) => s.inFile).map((s) => s.key), ...FILE_ONLY_KEYS];
  const close = known.find((k) => k.toLowerCase() === key.toLowerCase() || editDistance(k, key) <= 2);
  throw new KilnError(
    'InvalidParameterValueException',
    `Unknown setting '${key}' in the config file ${where}.`,
    {
      hint: close ? `Did you mean '${close}'?` : `Known settings: ${known.join(', ')}.`,
    },
  );
}

/** Validates the file's `accessKeys` entries; a key without `accountId` belongs to `defaultAccountId`. */
export function parseAccessKeys(entries: readonly FileValue[], defaultAccountId: string): AccessKey[] {
  return entries.map(({ raw, source }) => {
    const path = source.kind === 'file' ? source.path : 'accessKeys';
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      throw settingError(path, source, 'expected a map with accessKeyId and secretAccessKey.');
    }
    const entry = raw as Record<string, unknown>;
    const unknown = Object.keys(entry).find((k) => !(ACCESS_KEY_FIELDS as readonly string[]).includes(k));
    if (unknown) {
      throw settingError(
        `${path}.${unknown}`,
        source,
        'unknown field.',
        `Fields: ${ACCESS_KEY_FIELDS.join(', ')}.`,
      );
    }
    const field = (name: string) => ({ ...source, path: `${path}.${name}` }) as SettingSource;
    const need = (name: string) => {
      if (entry[name] === undefined) throw settingError(`${path}.${name}`, source, 'the field is required.');
      return entry[name];
    };
    const key: AccessKey = {
      accessKeyId: parseSettingValue(
        'accessKeyId',
        `${path}.accessKeyId`,
        need('accessKeyId'),
        field('accessKeyId'),
        '/',
      ),
      secretAccessKey: parseSettingValue(
        'secret',
        `${path}.secretAccessKey`,
        need('secretAccessKey'),
        field('secretAccessKey'),
        '/',
      ),
      accountId:
        entry.accountId === undefined
          ? defaultAccountId
          : parseSettingValue('accountId', `${path}.accountId`, entry.accountId, field('accountId'), '/'),
    };
    if (entry.allowedActions === undefined) return key;
    const actions = entry.allowedActions;
    if (!Array.isArray(actions) || actions.some((a) => typeof a !== 'string' || !ACTION.test(a))) {
      throw settingError(
        `${path}.allowedActions`,
        field('allowedActions'),
        'expected a list of Image Builder operation names such as GetImage or ListComponents.',
      );
    }
    return { ...key, allowedActions: actions as string[] };
  });
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost));
    }
    previous = current;
  }
  return previous[b.length]!;
}
