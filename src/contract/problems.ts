/** Wording of validation problems: the preamble, value descriptions and per-shape hints. */
import type { Problem } from './validate.js';

/** A next step for shapes whose pattern alone does not tell a user what to type. */
export const SHAPE_HINTS: Readonly<Record<string, string>> = {
  VersionNumber: 'Use major.minor.patch, for example 1.0.0.',
  WildcardVersionNumber: 'Use major.minor.patch, for example 1.0.0; x may stand for a number (1.0.x).',
  ResourceName: 'Names are 3 to 128 characters: letters, digits, hyphens, underscores and inner spaces.',
  TagKey: "Tag keys use letters, digits, spaces and _.:/=+-@, and may not start with 'aws:'.",
  AmiNameString: 'AMI names use letters, digits, spaces and -_:.{}; {{imagebuilder:buildDate}} is allowed.',
  AccountId: 'An account id is 12 digits.',
  Timezone: 'Use an IANA time zone such as Etc/UTC or Europe/Berlin.',
  UserDataOverride: 'User data must be base64-encoded.',
};

/** The full sentence for one problem, naming the member as the user wrote it. */
export function problemMessage(p: Problem): string {
  return p.kind === 'required'
    ? `Missing required parameter '${p.path}'.`
    : `The value supplied for parameter '${p.path}' is not valid. ${p.detail}`;
}

/** A short, bounded rendering of a user's value for messages. */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  switch (typeof v) {
    case 'string':
      return `'${v.length > 64 ? `${v.slice(0, 61)}...` : v}'`;
    case 'number':
    case 'boolean':
      return `${typeof v} ${v}`;
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}
