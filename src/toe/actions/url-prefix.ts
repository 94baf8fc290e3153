import { hasReference } from '../references.js';
import type { ItemCheck } from './spec.js';

/** A literal (reference-free) URL field must start with one of `prefixes`. */
export function requirePrefix(check: ItemCheck, key: string, prefixes: readonly string[]): void {
  const value = check.item[key];
  if (typeof value !== 'string' || hasReference(value)) return;
  if (prefixes.some((p) => value.toLowerCase().startsWith(p))) return;
  check.error(key, `must start with ${prefixes.map((p) => `'${p}'`).join(' or ')} (got '${value}')`);
}
