import { cpSync, existsSync, mkdirSync, readdirSync, accessSync, constants } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { packageRoot } from '../util/package-root.js';

/** Options for {@link initProject}. */
export interface InitProjectOptions {
  /** Overwrite files that already exist (default false: existing files are kept). */
  force?: boolean;
}

/** What {@link initProject} did. */
export interface InitProjectResult {
  dir: string;
  created: string[];
  kept: string[];
}

/**
 * Scaffolds a Verity project in `dir`: `verity.config.yaml`, `contracts/` with ODCS v3.1 contracts
 * for the CRM entities, and `features/` with an example feature view.
 *
 * Existing files are kept unless `force` is set, so running it twice is safe.
 * @example
 * initProject('my-crm'); // then: cd my-crm && verity generate && verity ingest …
 */
export function initProject(dir: string, options: InitProjectOptions = {}): InitProjectResult {
  const target = resolve(dir);
  try {
    mkdirSync(target, { recursive: true });
    accessSync(target, constants.W_OK);
  } catch (error) {
    throw new VerityError('IO_ERROR', `Cannot create or write to directory ${target}: ${(error as Error).message}`, { cause: error });
  }
  const template = join(packageRoot(), 'templates', 'project');
  const created: string[] = [];
  const kept: string[] = [];
  const walk = (from: string) => {
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const src = join(from, entry.name);
      const rel = relative(template, src);
      const dest = join(target, rel);
      if (entry.isDirectory()) {
        mkdirSync(dest, { recursive: true });
        walk(src);
      } else if (existsSync(dest) && !options.force) {
        kept.push(rel);
      } else {
        cpSync(src, dest);
        created.push(rel);
      }
    }
  };
  walk(template);
  return { dir: target, created: created.sort(), kept: kept.sort() };
}
