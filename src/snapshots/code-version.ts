import { execFileSync } from 'node:child_process';
import { packageRoot, packageVersion } from '../util/package-root.js';

let cached: { package: string; version: string; git_commit: string | null } | undefined;

/** Verity's version and, when it runs from a git checkout, the commit (`null` otherwise). */
export function codeVersion(): { package: string; version: string; git_commit: string | null } {
  if (cached) return cached;
  let commit: string | null = null;
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: packageRoot(), stdio: ['ignore', 'pipe', 'ignore'], timeout: 2000 }).toString().trim();
    if (/^[0-9a-f]{40}$/.test(out)) commit = out;
  } catch {
    commit = null; // not a git checkout (installed package): the package version alone identifies the code
  }
  cached = { package: 'verity', version: packageVersion(), git_commit: commit };
  return cached;
}
