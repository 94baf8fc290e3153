/**
 * Wall-clock arithmetic in an IANA time zone, using only `Intl` (no tz database of our own).
 * A schedule is matched against the wall clock of its zone, so the scheduler needs both
 * directions: instant → wall time, and wall time → the instants (0, 1 or 2) that show it.
 */

/** A minute on a wall clock; `month` is 1–12. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

export interface Zone {
  /** The wall time (truncated to the minute) shown at `instantMs`. */
  wallAt(instantMs: number): WallTime;
  /**
   * The instants whose wall time is `wall`, ascending: none inside a spring-forward gap, two
   * inside a fall-back overlap, one otherwise.
   */
  instantsOf(wall: WallTime): number[];
}

const DAY_MS = 86_400_000;
const zones = new Map<string, Zone>();

/** The zone for an IANA name; throws RangeError for a name `Intl` does not know. */
export function zoneFor(timeZone: string): Zone {
  let zone = zones.get(timeZone);
  if (!zone) {
    zone = makeZone(timeZone);
    zones.set(timeZone, zone);
  }
  return zone;
}

/** Treats a wall time as if it were UTC, which makes wall-clock arithmetic plain numbers. */
export const wallAsUtc = (w: WallTime): number => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);

export function utcAsWall(ms: number): WallTime {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
  };
}

function makeZone(timeZone: string): Zone {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  // UTC needs no lookups; most schedules use it.
  if (format.resolvedOptions().timeZone === 'UTC') {
    return { wallAt: (ms) => utcAsWall(ms), instantsOf: (w) => [wallAsUtc(w)] };
  }

  /** Offset (local minus UTC, in ms) in force at `instantMs`. */
  const offsetAt = (instantMs: number): number => {
    const parts: Record<string, number> = {};
    for (const p of format.formatToParts(instantMs)) {
      if (p.type !== 'literal') parts[p.type] = Number(p.value);
    }
    const local = Date.UTC(
      parts.year ?? 0,
      (parts.month ?? 1) - 1,
      parts.day ?? 1,
      parts.hour ?? 0,
      parts.minute ?? 0,
      parts.second ?? 0,
    );
    return local - Math.floor(instantMs / 1000) * 1000;
  };

  return {
    wallAt: (ms) => utcAsWall(ms + offsetAt(ms)),
    instantsOf: (w) => {
      const local = wallAsUtc(w);
      // The offsets a day either side cover every transition near this wall time (zones do
      // not change offset twice within two days); each is kept only if it really maps back.
      const found = new Set<number>();
      for (const offset of [offsetAt(local - DAY_MS), offsetAt(local + DAY_MS)]) {
        const candidate = local - offset;
        if (offsetAt(candidate) === offset) found.add(candidate);
      }
      return [...found].sort((a, b) => a - b);
    },
  };
}
