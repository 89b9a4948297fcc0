import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe } from 'vitest';

/** ../shared/fixtures beside the repository. */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../shared/fixtures/', import.meta.url));

/** Path of a file under the shared fixtures. */
export function fixturePath(...parts: string[]): string {
  return join(FIXTURES_DIR, ...parts);
}

/** Reads a JSON fixture. */
export function readFixtureJson<T = any>(...parts: string[]): T {
  return JSON.parse(readFileSync(fixturePath(...parts), 'utf8')) as T;
}

/**
 * A `describe` over a fixtures folder: skipped with a visible reason where the folder is absent,
 * failed under `CI=true`.
 */
export function describeWithFixtures(folder: string, title: string, body: () => void): void {
  if (existsSync(fixturePath(folder))) describe(title, body);
  else if (process.env.CI)
    describe(title, () => {
      throw new Error(`fixtures folder ${fixturePath(folder)} is missing and CI=true`);
    });
  else describe.skip(`${title} (skipped: ${fixturePath(folder)} absent)`, body);
}
