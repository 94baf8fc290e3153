/**
 * The distribution runner: every target (a region copy, an account copy, a parameter, a launch
 * template version, a container push, an export) is attempted on its own, retried when the
 * failure is transient, and reported on its own. A failing target undoes none of the others;
 * the caller fails the image afterwards, naming the targets that failed.
 */
import { setTimeout as delay } from 'node:timers/promises';

/** The kinds of target a distribution has. */
export type TargetKind =
  | 'ami'
  | 'account-copy'
  | 'ssm-parameter'
  | 'launch-template'
  | 'container'
  | 'export';

export interface DistributionTarget {
  readonly region: string;
  readonly kind: TargetKind;
  /** What the report calls it: `ami copy`, `copy for 111122223333`, `parameter /golden/ami`. */
  readonly label: string;
}

/** One line of the image's `kilnDistribution`. */
export interface TargetReport {
  readonly region: string;
  readonly target: string;
  readonly status: 'Completed' | 'Failed';
  readonly attempts: number;
  readonly reason?: string;
}

export interface RetryPolicy {
  /** Tries per target (default 3). */
  readonly attempts: number;
  /** Wait before the second try; doubled for each further one (default 200 ms). */
  readonly backoffMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = Object.freeze({ attempts: 3, backoffMs: 200 });

/** An error worth another try (a registry hiccup, a busy file); anything else fails at once. */
export class TransientError extends Error {
  readonly transient = true;
}

const TRANSIENT_CODES = new Set([
  'EAGAIN',
  'EBUSY',
  'EMFILE',
  'ENFILE',
  'ETIMEDOUT',
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
]);

export function isTransientError(err: unknown): boolean {
  if (typeof err !== 'object' || err === null) return false;
  const e = err as { transient?: unknown; code?: unknown };
  return e.transient === true || (typeof e.code === 'string' && TRANSIENT_CODES.has(e.code));
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

export interface RunTargetsOptions {
  readonly signal: AbortSignal;
  readonly retry?: RetryPolicy;
  /** Told of every failed try (the engine logs them). */
  readonly onFailure?: (
    target: DistributionTarget,
    attempt: number,
    err: unknown,
    willRetry: boolean,
  ) => Promise<void>;
}

/**
 * Runs `attempt` for each target in order; returns one report per target. Cancellation
 * (the signal) is not a target failure: it ends the run by throwing.
 */
export async function runTargets<T extends DistributionTarget>(
  targets: readonly T[],
  attempt: (target: T, signal: AbortSignal) => Promise<void>,
  options: RunTargetsOptions,
): Promise<TargetReport[]> {
  const retry = options.retry ?? DEFAULT_RETRY;
  const reports: TargetReport[] = [];
  for (const target of targets) {
    let tries = 0;
    for (;;) {
      options.signal.throwIfAborted();
      tries += 1;
      try {
        await attempt(target, options.signal);
        reports.push({ region: target.region, target: target.label, status: 'Completed', attempts: tries });
        break;
      } catch (err) {
        if (options.signal.aborted) throw err;
        const again = tries < retry.attempts && isTransientError(err);
        await options.onFailure?.(target, tries, err, again);
        if (!again) {
          reports.push({
            region: target.region,
            target: target.label,
            status: 'Failed',
            attempts: tries,
            reason: message(err),
          });
          break;
        }
        await delay(retry.backoffMs * 2 ** (tries - 1), undefined, { signal: options.signal });
      }
    }
  }
  return reports;
}

/** The reason an image fails with, or undefined when every target completed (pure). */
export function failureReason(reports: readonly TargetReport[]): string | undefined {
  const failed = reports.filter((r) => r.status === 'Failed');
  if (failed.length === 0) return undefined;
  const done = reports.length - failed.length;
  return `distribution failed for ${failed.length} of ${reports.length} targets (${done} completed): ${failed
    .map((r) => `${r.region} ${r.target}: ${r.reason ?? 'failed'}`)
    .join('; ')}`;
}
