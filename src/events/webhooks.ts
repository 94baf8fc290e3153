/**
 * Webhook deliveries: signing (pure), the retry schedule (pure) and one POST attempt.
 *
 * Signature: header `X-Kiln-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>` where the HMAC key
 * is the subscription's secret and the message is `<t>.<raw body>`. A receiver recomputes it
 * over the bytes it received, compares in constant time, and may reject old `t` values to stop
 * replays. `X-Kiln-Event-Id` and `X-Kiln-Delivery-Id` identify the event and the delivery (the
 * same delivery id on every retry, so receivers can drop duplicates).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-kiln-signature';

export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${mac}`;
}

/** Checks a signature header against the raw body (what a receiver does). */
export function verifySignature(secret: string, header: string, body: string): boolean {
  const fields = new Map(
    header.split(',').map((part) => {
      const eq = part.indexOf('=');
      return [part.slice(0, eq).trim(), part.slice(eq + 1).trim()] as const;
    }),
  );
  const t = Number(fields.get('t'));
  const given = fields.get('v1') ?? '';
  if (!Number.isInteger(t)) return false;
  const expected = signPayload(secret, t, body).split('v1=')[1] as string;
  return expected.length === given.length && timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  maxAttempts: 8,
  baseDelayMs: 2_000,
  maxDelayMs: 10 * 60_000,
});

/**
 * When to try again after `attempts` failed attempts: exponential backoff (base × 2^(n−1),
 * capped), or undefined when the delivery gives up.
 */
export function nextAttemptDelay(policy: RetryPolicy, attempts: number): number | undefined {
  if (attempts >= policy.maxAttempts) return undefined;
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempts - 1));
}

export interface AttemptResult {
  readonly ok: boolean;
  readonly statusCode?: number;
  readonly error?: string;
  readonly durationMs: number;
}

/** One POST; 2xx is success, anything else (or no answer within the timeout) a failure. */
export async function postWebhook(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  timeoutMs: number,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  try {
    const res = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'user-agent': 'kiln-webhooks/1', ...headers },
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    });
    await res.arrayBuffer().catch(() => undefined);
    const ok = res.status >= 200 && res.status < 300;
    return ok
      ? { ok, statusCode: res.status, durationMs: elapsed() }
      : { ok, statusCode: res.status, error: `HTTP ${res.status}`, durationMs: elapsed() };
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
    return { ok: false, error: detail, durationMs: elapsed() };
  }
}
