/** Time comes from a Clock so that schedules, expiry and timestamps are testable. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests and simulations. */
export class ManualClock implements Clock {
  constructor(private current: number) {}
  now(): number {
    return this.current;
  }
  set(ms: number): void {
    this.current = ms;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/** `DateTime` members of the API are ISO strings with milliseconds. */
export const isoTime = (ms: number): string => new Date(ms).toISOString();

/** `DateTimeTimestamp` members of the API are epoch seconds (a JSON number). */
export const epochSeconds = (ms: number): number => ms / 1000;
