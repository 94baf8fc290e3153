/**
 * Debian version comparison, written after dpkg's lib/dpkg/version.c (verrevcmp) and
 * parsehelp.c (parseversion). Hand-written because the npm candidate fails three of dpkg's
 * own test vectors (scan-sign.md §2.2).
 */

/** A parsed `[epoch:]upstream[-revision]`; a missing revision is `''`, which sorts like `0`. */
export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  readonly revision: string;
}

const EPOCH = /^\d+$/;
// dpkg accepts only these characters (parsehelp.c); upstream must start with a digit.
const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

/** Parses a version as dpkg does, or returns an error text saying what is wrong. */
export function parseDebianVersion(text: string): DebianVersion | string {
  const value = text.trim();
  if (value === '') return 'the version is empty';
  let rest = value;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const head = rest.slice(0, colon);
    if (!EPOCH.test(head)) return `the epoch '${head}' is not a number`;
    epoch = Number(head);
    rest = rest.slice(colon + 1);
    if (rest === '') return 'nothing follows the epoch';
  }
  let revision = '';
  const dash = rest.lastIndexOf('-');
  if (dash >= 0) {
    revision = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (revision === '') return 'the revision after the last - is empty';
    if (!REVISION.test(revision)) return `the revision '${revision}' has a character dpkg does not allow`;
  }
  if (rest === '') return 'the upstream version is empty';
  if (!UPSTREAM.test(rest)) {
    return /^[0-9]/.test(rest)
      ? `the upstream version '${rest}' has a character dpkg does not allow`
      : `the upstream version '${rest}' does not start with a digit`;
  }
  return { epoch, upstream: rest, revision };
}

/** True when dpkg would accept the text as a version. */
export function isDebianVersion(text: string): boolean {
  return typeof parseDebianVersion(text) !== 'string';
}

/** dpkg's character weight: `~` before end of string, letters before everything else. */
function order(code: number | undefined): number {
  if (code === undefined || (code >= 48 && code <= 57)) return 0;
  if ((code >= 65 && code <= 90) || (code >= 97 && code <= 122)) return code;
  if (code === 126) return -1;
  return code + 256;
}

const isDigit = (code: number | undefined): boolean => code !== undefined && code >= 48 && code <= 57;

/** dpkg's verrevcmp over one part (upstream or revision). */
function compareParts(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 48) i++;
    while (b.charCodeAt(j) === 48) j++;
    while (isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (isDigit(a.charCodeAt(i))) return 1;
    if (isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Orders two parsed versions: negative, zero or positive. */
export function compareParsedVersions(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  return Math.sign(compareParts(a.upstream, b.upstream)) || Math.sign(compareParts(a.revision, b.revision));
}

/**
 * Orders two Debian versions as `dpkg --compare-versions` does: -1, 0 or 1. Throws on a text
 * dpkg would reject, since an invalid version has no place in the order.
 */
export function compareDebianVersions(a: string, b: string): -1 | 0 | 1 {
  const pa = parseDebianVersion(a);
  if (typeof pa === 'string') throw new Error(`invalid Debian version '${a}': ${pa}`);
  const pb = parseDebianVersion(b);
  if (typeof pb === 'string') throw new Error(`invalid Debian version '${b}': ${pb}`);
  return compareParsedVersions(pa, pb) as -1 | 0 | 1;
}
