/**
 * A build is a list of steps (after Packer's multistep): each `run` may register cleanups, and
 * every registered cleanup runs in reverse order whether the build succeeds, fails or is
 * cancelled. A cleanup error is logged and never hides the step's own error.
 */
export interface Step<C> {
  /** Shown in logs and failure reasons, e.g. `launch-build-instance`. */
  readonly name: string;
  /**
   * Does the step's work. Register the cleanup of anything it creates with `onCleanup` as soon
   * as it exists (before the next await that can fail), so a failure mid-step still cleans up.
   */
  run(ctx: C, signal: AbortSignal, onCleanup: (cleanup: Cleanup) => void): Promise<void>;
}

export interface Cleanup {
  readonly name: string;
  run(): Promise<void>;
}

export interface StepEvents {
  stepStarted?(name: string): void;
  stepFinished?(name: string, ms: number): void;
  stepFailed?(name: string, err: unknown): void;
  cleanupFailed?(name: string, err: unknown): void;
}

/** Thrown when the signal is aborted between steps. */
export class CancelledError extends Error {
  constructor(reason?: unknown) {
    super(typeof reason === 'string' ? reason : 'cancelled');
    this.name = 'CancelledError';
  }
}

export interface StepRunResult {
  /** Wall time of each step that ran, in order. */
  readonly timings: readonly { name: string; ms: number }[];
}

/** Runs steps in order; then every cleanup in reverse. Rethrows the first step error. */
export async function runSteps<C>(
  steps: readonly Step<C>[],
  ctx: C,
  signal: AbortSignal,
  events: StepEvents = {},
): Promise<StepRunResult> {
  const cleanups: Cleanup[] = [];
  const timings: { name: string; ms: number }[] = [];
  let failure: unknown;
  try {
    for (const step of steps) {
      if (signal.aborted) throw new CancelledError(signal.reason);
      events.stepStarted?.(step.name);
      const started = performance.now();
      try {
        await step.run(ctx, signal, (c) => cleanups.push(c));
      } catch (err) {
        events.stepFailed?.(step.name, err);
        throw err;
      }
      const ms = performance.now() - started;
      timings.push({ name: step.name, ms });
      events.stepFinished?.(step.name, ms);
    }
  } catch (err) {
    failure = err;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup.run();
      } catch (err) {
        events.cleanupFailed?.(cleanup.name, err);
      }
    }
  }
  if (failure !== undefined) throw failure;
  return { timings };
}
