import type { LifecyclePeriod } from './types.js';

const DAY_MS = 86_400_000;

/**
 * The instant `period` before `now` (epoch ms). DAYS and WEEKS are fixed lengths (24 h, 7 days).
 * MONTHS and YEARS are calendar arithmetic in UTC, the way people read "6 months ago": the same
 * day-of-month and time, clamped to the month's last day (31 March minus 1 month is 28/29
 * February), and a year is 12 months (29 February minus 1 year is 28 February).
 */
export function periodStart(now: number, period: LifecyclePeriod): number {
  switch (period.unit) {
    case 'DAYS':
      return now - period.value * DAY_MS;
    case 'WEEKS':
      return now - period.value * 7 * DAY_MS;
    case 'MONTHS':
      return minusMonths(now, period.value);
    case 'YEARS':
      return minusMonths(now, period.value * 12);
  }
}

function minusMonths(now: number, months: number): number {
  const d = new Date(now);
  const total = d.getUTCFullYear() * 12 + d.getUTCMonth() - months;
  const year = Math.floor(total / 12);
  const month = total - year * 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const msOfDay = now - Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  return Date.UTC(year, month, Math.min(d.getUTCDate(), lastDay)) + msOfDay;
}

export const describePeriod = (p: LifecyclePeriod): string => `${p.value} ${p.unit}`;
