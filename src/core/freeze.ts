/**
 * Freezes a value and everything reachable from it, so a validated value cannot change
 * downstream ("validate once, then freeze"). Cycles and shared children are visited once.
 */
export function deepFreeze<T>(value: T, seen = new WeakSet<object>()): T {
  if (value && typeof value === 'object' && !seen.has(value)) {
    seen.add(value);
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v, seen);
  }
  return value;
}
