import { KilnError } from './errors.js';

/** A concrete version `major.minor.patch`. */
export interface SemanticVersion {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
}

/** A version pattern where trailing nodes may be `x` (`x.x.x`, `1.x.x`, `1.2.x`). */
export interface VersionPattern {
  readonly major: number | 'x';
  readonly minor: number | 'x';
  readonly patch: number | 'x';
}

/** Each node of a semantic version is at most 2^30 - 1, as in the service. */
export const MAX_VERSION_NODE = 1073741823;

const NODE = /^(0|[1-9][0-9]*)$/;

function parseNode(text: string, member: string, version: string): number {
  if (!NODE.test(text) && !/^[0-9]+$/.test(text)) {
    throw versionError(member, version);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n > MAX_VERSION_NODE) throw versionError(member, version);
  return n;
}

function versionError(member: string, version: string): KilnError {
  return new KilnError(
    'InvalidVersionNumberException',
    `The value supplied for parameter '${member}' ('${version}') is not a valid semantic version.`,
    { hint: `Use major.minor.patch with whole numbers from 0 to ${MAX_VERSION_NODE}, for example 1.0.0.` },
  );
}

export function parseVersion(text: string, member = 'semanticVersion'): SemanticVersion {
  const parts = text.split('.');
  if (parts.length !== 3) throw versionError(member, text);
  const [major, minor, patch] = parts.map((p) => parseNode(p, member, text)) as [number, number, number];
  return Object.freeze({ major, minor, patch });
}

/** Parses `x.x.x`, `1.x.x`, `1.2.x` or a concrete version; rejects `x.2.x` and `1.x.8`. */
export function parseVersionPattern(text: string, member = 'semanticVersion'): VersionPattern {
  const parts = text.split('.');
  if (parts.length !== 3) throw versionError(member, text);
  let sawX = false;
  const nodes = parts.map((p) => {
    if (p === 'x') {
      sawX = true;
      return 'x' as const;
    }
    if (sawX) {
      throw new KilnError(
        'InvalidVersionNumberException',
        `The value supplied for parameter '${member}' ('${text}') is not a valid version pattern.`,
        { hint: 'Once a node is x, every node to its right must be x too (x.x.x, 1.x.x, 1.2.x).' },
      );
    }
    return parseNode(p, member, text);
  }) as [number | 'x', number | 'x', number | 'x'];
  return Object.freeze({ major: nodes[0], minor: nodes[1], patch: nodes[2] });
}

export const isWildcard = (p: VersionPattern): boolean => p.patch === 'x';

export const formatVersion = (v: SemanticVersion | VersionPattern): string =>
  `${v.major}.${v.minor}.${v.patch}`;

export function compareVersions(a: SemanticVersion, b: SemanticVersion): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function matchesPattern(v: SemanticVersion, p: VersionPattern): boolean {
  return (
    (p.major === 'x' || p.major === v.major) &&
    (p.minor === 'x' || p.minor === v.minor) &&
    (p.patch === 'x' || p.patch === v.patch)
  );
}

/** The newest version matching the pattern, or undefined. Pure; used for every wildcard. */
export function newestMatching<T extends { version: SemanticVersion }>(
  items: readonly T[],
  pattern: VersionPattern,
): T | undefined {
  let best: T | undefined;
  for (const item of items) {
    if (!matchesPattern(item.version, pattern)) continue;
    if (!best || compareVersions(item.version, best.version) > 0) best = item;
  }
  return best;
}

/** A sortable fixed-width key, so the store can order versions numerically. */
export const versionSortKey = (v: SemanticVersion): string =>
  [v.major, v.minor, v.patch].map((n) => String(n).padStart(10, '0')).join('.');
