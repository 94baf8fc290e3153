import { isAbsolute, resolve } from 'node:path';
import { KilnError } from '../core/errors.js';
import { describeSource, type SettingSource, type SettingType } from './settings.js';

/** The parsed form of each setting type. */
export interface SettingValues {
  path: string;
  host: string;
  port: number;
  regions: readonly string[];
  region: string;
  accountId: string;
  accessKeyId: string;
  secret: string;
  count: number;
}

/** An invalid setting: names the setting, the value and where it came from. */
export function settingError(name: string, source: SettingSource, detail: string, hint?: string): KilnError {
  return new KilnError(
    'InvalidParameterValueException',
    `Invalid setting ${name} (from ${describeSource(source)}): ${detail}`,
    hint ? { hint } : {},
  );
}

const REGION = /^[a-z]{2}(?:-[a-z]+)+-\d{1,2}$/;
const ACCOUNT_ID = /^\d{12}$/;
// IAM's own constraint on access key ids: 16 to 128 word characters.
const ACCESS_KEY_ID = /^\w{16,128}$/;
const SECRET = /^[\x21-\x7e]{8,128}$/;
const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$/;

/**
 * Parses one setting value from text (flags, env, defaults) or a YAML scalar or list (the file).
 * `baseDir` resolves relative paths: the working directory, or the config file's directory.
 */
export function parseSettingValue<T extends SettingType>(
  type: T,
  name: string,
  raw: unknown,
  source: SettingSource,
  baseDir: string,
): SettingValues[T] {
  const fail = (detail: string, hint?: string) => settingError(name, source, detail, hint);
  if (type === 'regions') return parseRegions(raw, fail) as SettingValues[T];
  const text = scalarText(raw);
  if (text === undefined) throw fail(`expected a single value, got ${describeYaml(raw)}.`);
  const shown = `'${text}'`;
  switch (type) {
    case 'path':
      if (text === '') throw fail('the path is empty.');
      return (isAbsolute(text) ? text : resolve(baseDir, text)) as SettingValues[T];
    case 'host':
      if (!HOST.test(text))
        throw fail(`${shown} is not a host name or IP address.`, 'Use e.g. 127.0.0.1 or 0.0.0.0.');
      return text as SettingValues[T];
    case 'port': {
      const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
      if (!(port >= 0 && port <= 65535))
        throw fail(`${shown} is not a port number; expected an integer from 0 to 65535.`);
      return port as SettingValues[T];
    }
    case 'region':
      return checkRegion(text, fail) as SettingValues[T];
    case 'accountId':
      if (!ACCOUNT_ID.test(text))
        throw fail(`${shown} is not an account id; expected 12 digits such as 000000000000.`);
      return text as SettingValues[T];
    case 'accessKeyId':
      if (!ACCESS_KEY_ID.test(text)) {
        throw fail(`${shown} is not an access key id; expected 16 to 128 letters, digits or underscores.`);
      }
      return text as SettingValues[T];
    case 'count': {
      const n = /^\d{1,4}$/.test(text) ? Number(text) : Number.NaN;
      if (!(n >= 1 && n <= 1024))
        throw fail(`${shown} is not a count; expected a whole number from 1 to 1024.`);
      return n as SettingValues[T];
    }
    case 'secret':
      // Never echo a secret back.
      if (!SECRET.test(text)) throw fail('the secret must be 8 to 128 printable characters without spaces.');
      return text as SettingValues[T];
  }
  throw new Error(`unknown setting type ${type}`);
}

function parseRegions(raw: unknown, fail: (detail: string, hint?: string) => KilnError): readonly string[] {
  const text = scalarText(raw);
  const items = Array.isArray(raw) ? raw.map(scalarText) : text === undefined ? undefined : text.split(',');
  if (items === undefined || items.some((item) => item === undefined)) {
    throw fail(`expected a list of regions, got ${describeYaml(raw)}.`);
  }
  const regions = (items as string[]).map((item) => item.trim()).filter((item) => item !== '');
  if (regions.length === 0) throw fail('at least one region is needed.', 'For example: us-east-1');
  const duplicate = regions.find((region, i) => regions.indexOf(region) !== i);
  if (duplicate) throw fail(`region '${duplicate}' is listed twice.`);
  return Object.freeze(regions.map((region) => checkRegion(region, fail)));
}

function checkRegion(text: string, fail: (detail: string, hint?: string) => KilnError): string {
  if (!REGION.test(text)) throw fail(`'${text}' is not a region name like us-east-1 or eu-west-2.`);
  return text;
}

/** Text of a scalar: YAML numbers and booleans count (port: 8700), lists and maps do not. */
function scalarText(raw: unknown): string | undefined {
  if (typeof raw === 'string') return raw.trim();
  if (typeof raw === 'number' || typeof raw === 'boolean') return String(raw);
  return undefined;
}

const describeYaml = (raw: unknown): string =>
  raw === null || raw === undefined
    ? 'nothing'
    : Array.isArray(raw)
      ? 'a list'
      : typeof raw === 'object'
        ? 'a map'
        : typeof raw;
