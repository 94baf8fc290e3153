import type { InputMap, Platform } from '../model.js';

/**
 * The type of one input field. Strings accept any YAML scalar and keep the text as written
 * (AWSTOE decodes into Go string fields the same way, so `expectedBucketOwner: 123` is fine).
 */
export type FieldType =
  | 'string'
  | 'stringList'
  | 'bool'
  | 'int'
  /** Octal mode digits; a YAML int (`0777`, `755`) is read as octal digits. */
  | 'permissions'
  /** One of ENCODINGS, case-insensitive. */
  | 'encoding'
  /** A map of scalars (InstallMSI `properties`). */
  | 'stringMap'
  /** A scalar or a list of scalars (SetRegistry `value`). */
  | 'scalarOrList'
  /** A list of `{name, value}` (ExecuteDocument `parameters`). */
  | 'nameValueList'
  | { readonly oneOf: readonly string[]; readonly ignoreCase?: boolean };

export interface FieldSpec {
  readonly type: FieldType;
  readonly required?: boolean;
}

/** What a module's extra rule sees of one input item, and how it reports. */
export interface ItemCheck {
  readonly platform: Platform;
  /** The item's valid fields, normalised. */
  readonly item: InputMap;
  /** True when the user gave `key` a value, valid or not (so one mistake is not reported twice). */
  has(key: string): boolean;
  /** `key` is the input key the problem is about, or undefined for the item as a whole. */
  error(key: string | undefined, message: string): void;
  warn(key: string | undefined, message: string): void;
}

/**
 * The static description of an action module: where it runs, the shape and types of its
 * inputs, and its outputs (for checking chaining). The executor adds behaviour next to each
 * spec in the same file; validation needs only this.
 */
export interface ActionSpec {
  readonly name: string;
  readonly platforms: readonly Platform[];
  /**
   * 'map': `inputs: {k: v}` required. 'optionalMap': a map that may be left out (Reboot,
   * UpdateOS). 'list': a non-empty list of items. 'condition': an Assert expression.
   */
  readonly inputs: 'map' | 'optionalMap' | 'list' | 'condition';
  readonly fields: Readonly<Record<string, FieldSpec>>;
  readonly outputs: readonly string[];
  /** Step settings the module fixes; any other value given is an error. */
  readonly forced?: { readonly timeoutSeconds?: number; readonly maxAttempts?: number };
  /** False when the step may not set timeoutSeconds at all (Reboot). */
  readonly timeoutSupported?: boolean;
  /** Rules across fields of one item (exactly one of, both or neither, platform limits). */
  readonly checkItem?: (check: ItemCheck) => void;
}

export const ALL_PLATFORMS: readonly Platform[] = ['Linux', 'Windows', 'macOS'];
export const LINUX_MACOS: readonly Platform[] = ['Linux', 'macOS'];
export const WINDOWS_ONLY: readonly Platform[] = ['Windows'];
export const LINUX_WINDOWS: readonly Platform[] = ['Linux', 'Windows'];

export const required = (type: FieldType): FieldSpec => ({ type, required: true });
export const optional = (type: FieldType): FieldSpec => ({ type });

/** Accepted `encoding` values (compared case-insensitively). */
export const ENCODINGS: readonly string[] = [
  'utf8',
  'utf-8',
  'utf16',
  'utf-16',
  'utf16-LE',
  'utf-16-LE',
  'utf16-BE',
  'utf-16-BE',
  'utf32',
  'utf-32',
  'utf32-LE',
  'utf-32-LE',
  'utf32-BE',
  'utf-32-BE',
];

/** Reports when both or neither of two keys are present in an item. */
export function exactlyOne(check: ItemCheck, a: string, b: string): void {
  const hasA = check.has(a);
  const hasB = check.has(b);
  if (hasA && hasB) check.error(b, `give either '${a}' or '${b}', not both`);
  if (!hasA && !hasB) check.error(undefined, `needs one of '${a}' or '${b}'`);
}

/** Reports when only one of two keys is present. */
export function bothOrNeither(check: ItemCheck, a: string, b: string): void {
  const hasA = check.has(a);
  const hasB = check.has(b);
  if (hasA && !hasB) check.error(a, `'${a}' needs '${b}' too (give both or neither)`);
  if (hasB && !hasA) check.error(b, `'${b}' needs '${a}' too (give both or neither)`);
}
