/**
 * The little semantic-versioning the registry needs: parse, compare, major.
 */
import { VerityError } from '../../errors.js';

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

/** A parsed version. */
export interface SemVer {
  major: number;
  minor: number;
  patch: number;
  prerelease?: string;
}

/** Parses `1.2.3` (prerelease allowed); throws `INVALID_ARGUMENT` otherwise. */
export function parseSemVer(version: string): SemVer {
  const m = SEMVER.exec(version);
  if (!m) throw new VerityError('INVALID_ARGUMENT', `Version "${version}" is not semantic (MAJOR.MINOR.PATCH, e.g. 1.2.0). Fix the contract's version field.`);
  return { major: +m[1]!, minor: +m[2]!, patch: +m[3]!, ...(m[4] ? { prerelease: m[4] } : {}) };
}

/** Negative, zero or positive as `a` is below, equal to or above `b`. */
export function compareSemVer(a: string, b: string): number {
  const x = parseSemVer(a);
  const y = parseSemVer(b);
  if (x.major !== y.major) return x.major - y.major;
  if (x.minor !== y.minor) return x.minor - y.minor;
  if (x.patch !== y.patch) return x.patch - y.patch;
  if (x.prerelease === y.prerelease) return 0;
  if (!x.prerelease) return 1;
  if (!y.prerelease) return -1;
  return x.prerelease < y.prerelease ? -1 : 1;
}
