import { createHash } from 'node:crypto';
import { KilnError } from '../core/errors.js';
import type { Store } from '../store/store.js';

/** JSON with object keys sorted at every level, so equal requests hash equally. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export const requestFingerprint = (input: Record<string, unknown>, tokenMember: string): string => {
  const { [tokenMember]: _token, ...rest } = input;
  return createHash('sha256').update(stableJson(rest)).digest('hex');
};

/**
 * clientToken semantics (EC2's): the same token and request replay the first response; the same
 * token with other parameters is IdempotentParameterMismatchException. Only successes are kept.
 */
export async function withIdempotency(
  store: Store,
  key: { account: string; operation: string; token: string | undefined; fingerprint: string },
  now: () => number,
  run: () => Promise<unknown>,
): Promise<unknown> {
  if (key.token === undefined) return run();
  const seen = await store.getIdempotency(key.account, key.operation, key.token);
  if (seen) {
    if (seen.fingerprint !== key.fingerprint) {
      throw new KilnError(
        'IdempotentParameterMismatchException',
        `The clientToken '${key.token}' was already used for a different ${key.operation} request.`,
        { hint: 'Use a new clientToken for a new request, or resend the original parameters.' },
      );
    }
    return JSON.parse(seen.response);
  }
  const response = await run();
  await store.putIdempotency(
    key.account,
    key.operation,
    key.token,
    { fingerprint: key.fingerprint, response: JSON.stringify(response) },
    now(),
  );
  return response;
}
