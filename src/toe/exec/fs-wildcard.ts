/** True when the last path component holds a wildcard (`*` or `?`). */
export function hasWildcard(path: string): boolean {
  const last = path.slice(path.lastIndexOf('/') + 1);
  return /[*?]/.test(last);
}

/**
 * Whether `name` matches `pattern`: `*` is any run of characters (the documented wildcard);
 * `?` is exactly one, as in Go's filepath.Match. Brackets are taken literally.
 */
export function matchesWildcard(pattern: string, name: string): boolean {
  const source = pattern
    .split('')
    .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, 's').test(name);
}
