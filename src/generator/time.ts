/** Time helpers: every timestamp the generator writes derives from the `--start` instant, never the wall clock. */

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;
/** One hour in milliseconds. */
export const HOUR_MS = 3_600_000;

const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
/** `YYYY-MM-DDT` per day number: events of a few days interleave (records carry their creation time). */
const dayPrefixes = new Map<number, string>();

function dayPrefix(day: number): string {
  let p = dayPrefixes.get(day);
  if (p === undefined) {
    if (dayPrefixes.size >= 100_000) dayPrefixes.clear();
    p = new Date(day * DAY_MS).toISOString().slice(0, 11);
    dayPrefixes.set(day, p);
  }
  return p;
}

/**
 * ISO 8601 UTC with milliseconds, e.g. `2026-01-01T00:00:00.000Z` (same text as
 * `Date#toISOString` for years 0–9999). It caches the date part per day: on the generator's hot
 * path `toISOString` was the single largest cost.
 */
export function isoTime(ms: number): string {
  const t = Math.floor(ms);
  const day = Math.floor(t / DAY_MS);
  let r = t - day * DAY_MS;
  const h = Math.floor(r / HOUR_MS);
  r -= h * HOUR_MS;
  const m = Math.floor(r / 60_000);
  r -= m * 60_000;
  const s = Math.floor(r / 1000);
  return `${dayPrefix(day)}${PAD2[h]}:${PAD2[m]}:${PAD2[s]}.${PAD3[r - s * 1000]}Z`;
}

/** A `YYYY-MM-DD` date. */
export function isoDate(ms: number): string {
  return isoTime(ms).slice(0, 10);
}
