import { VerityError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A duration: milliseconds, or a string like `90s`, `15m`, `12h`, `7d`, `2w`. */
export type Duration = number | string;

/**
 * Parses a {@link Duration} to milliseconds.
 * @throws VerityError INVALID_ARGUMENT for anything else (`"7 days"`, `-1`, `"1y"`).
 */
export function parseDuration(value: Duration, what = 'duration'): number {
  if (typeof value === 'number') {
    if (Number.isFinite(value) && value >= 0) return value;
  } else {
    const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/.exec(value.trim());
    if (m) return Math.round(Number(m[1]) * UNITS[m[2]!]!);
  }
  throw new VerityError('INVALID_ARGUMENT', `Invalid ${what} ${JSON.stringify(value)}: use milliseconds or a number with a unit ms, s, m, h, d or w (e.g. "7d").`);
}
