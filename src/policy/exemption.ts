/**
 * Exemption dates. `until: 2027-06-30` holds through the end of that day in
 * UTC, whatever the machine's time zone, so that a template build and the
 * admin's laptop agree on the day an exemption lapses.
 */
import type { Exemption } from './document.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Start of the UTC day `YYYY-MM-DD` in milliseconds, or undefined if it is not a real calendar date. */
export function utcDayStart(date: string): number | undefined {
  const parts = ISO_DATE.exec(date);
  if (parts === null) return undefined;
  const [year, month, day] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const start = Date.UTC(year, month - 1, day);
  const check = new Date(start);
  // Date.UTC rolls 2027-02-30 over into March; a real date survives the round trip.
  const real = check.getUTCFullYear() === year && check.getUTCMonth() === month - 1 && check.getUTCDate() === day;
  return real ? start : undefined;
}

/** The first instant the exemption no longer holds: midnight UTC after `until`. */
export function exemptionEnd(exempt: Exemption): Date {
  // The parser only lets real dates through; NaN here would make the exemption inactive, which is the safe side.
  return new Date((utcDayStart(exempt.until) ?? Number.NaN) + DAY_MS);
}

export function isExemptionActive(exempt: Exemption, now: Date): boolean {
  return now.getTime() < exemptionEnd(exempt).getTime();
}

/** Whole UTC days from `now`'s day to the exemption's last day: 0 on the last day, negative once expired. */
export function daysLeft(exempt: Exemption, now: Date): number {
  const today = Math.floor(now.getTime() / DAY_MS);
  const lastDay = Math.floor((utcDayStart(exempt.until) ?? Number.NaN) / DAY_MS);
  return lastDay - today;
}
