/**
 * A background loop that runs one pass at a time: on start, on every kick (a nudge), and after
 * each poll interval, never two passes at once. A kick during a pass runs another pass right
 * after it, so no nudge is lost. Used by the worker, the scheduler and the webhook deliveries.
 */
import type { Clock } from '../core/clock.js';

export interface LoopOptions {
  /** Poll interval in real milliseconds. */
  readonly pollMs: number;
  readonly clock: Clock;
  /** What a failing pass is reported as ("running executions"). */
  readonly context: string;
  readonly logError?: (err: unknown, context: string) => void;
}

export class PollingLoop {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #again = false;
  #stopped = true;

  /** `pass` returns the clock time it wants to run again at, if sooner than the poll. */
  constructor(
    private readonly pass: () => Promise<number | undefined>,
    private readonly options: LoopOptions,
  ) {}

  start(): void {
    this.#stopped = false;
    this.kick();
  }

  /** Stops polling and waits for the pass in progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#running;
  }

  /** Resolves when the pass in progress (if any) has ended. */
  idle(): Promise<void> {
    return this.#running ?? Promise.resolve();
  }

  kick(): void {
    if (this.#stopped) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    clearTimeout(this.#timer);
    this.#running = this.pass()
      .catch((err: unknown) => {
        this.options.logError?.(err, this.options.context);
        return undefined;
      })
      .then((due) => {
        this.#running = undefined;
        if (this.#stopped) return;
        if (this.#again) {
          this.#again = false;
          this.kick();
          return;
        }
        const { pollMs, clock } = this.options;
        const wait = typeof due === 'number' ? Math.min(pollMs, Math.max(0, due - clock.now())) : pollMs;
        this.#timer = setTimeout(() => this.kick(), wait);
        this.#timer.unref();
      });
  }
}
