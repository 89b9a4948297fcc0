import { join } from 'node:path';
import type { GeneratedItem, TextOptions } from './change.js';
import { generateBatches } from './generate-changes.js';
import type { GeneratorFormat, ResolvedGenerateOptions } from './options.js';
import { TenantFiles } from './tenant-files.js';

/** Files written: relative path → lines and bytes. */
export type WrittenFiles = Record<string, { lines: number; bytes: number }>;

/**
 * Formats a second thread writes when the run also writes formats of the other group (see
 * {@link splitFormats}). Chosen so the two groups cost about the same to render and write.
 */
const SECOND_THREAD_FORMATS: readonly GeneratorFormat[] = ['records', 'hubspot', 'salesforce'];

/**
 * Splits the chosen formats between the calling thread (`main`, which also writes the ground
 * truth and counts the report) and a second thread (`second`, empty when one thread writes all).
 * Each thread runs the whole seeded simulation and writes only its own files, so every file has
 * the bytes a single thread would write.
 */
export function splitFormats(formats: readonly GeneratorFormat[]): { main: GeneratorFormat[]; second: GeneratorFormat[] } {
  const second = formats.filter((f) => SECOND_THREAD_FORMATS.includes(f));
  const main = formats.filter((f) => !SECOND_THREAD_FORMATS.includes(f));
  return main.length > 0 && second.length > 0 ? { main, second } : { main: [...formats], second: [] };
}

/** The texts the formats build for a thread that writes `formats` (none it does not write). */
export function textOptionsFor(formats: readonly GeneratorFormat[]): TextOptions {
  const has = (f: GeneratorFormat) => formats.includes(f);
  return { envelopes: has('envelopes'), hubspot: has('hubspot'), rows: has('envelopes') || has('ndjson') || has('records'), hubspotPosts: has('hubspot') };
}

/** The tenant files of a run, one tenant open at a time. */
export class TenantFileSet {
  private open: TenantFiles | undefined;
  /** Closed tenants' files. */
  files: WrittenFiles = {};

  constructor(
    private readonly dir: string,
    private readonly formats: readonly GeneratorFormat[],
  ) {}

  /** Opens the files of the tenant an item starts, or writes the item's lines to the open tenant's files. */
  write(item: GeneratedItem): void {
    if (item.type === 'tenant') {
      this.close();
      this.open = new TenantFiles(join(this.dir, 'tenants', item.tenant_id), this.formats);
    } else this.open?.write(item);
  }

  /** Closes the open tenant's files (idempotent). */
  close(): void {
    const open = this.open;
    this.open = undefined;
    if (open) Object.assign(this.files, open.close(this.dir));
  }

  /** Closes what is open after a failure, keeping the first error the caller is reporting. */
  abandon(): void {
    try {
      this.close();
    } catch {
      // already failing
    }
  }
}

/** Thrown by {@link writeFormatFiles} when `stopped()` turns true (the other thread failed). */
export class FormatRunStopped extends Error {
  constructor() {
    super('stopped: the other generator thread failed');
  }
}

/**
 * Runs the simulation and writes the tenant files of `formats` only (the second thread's share
 * of {@link generate}). `stopped` is polled once per simulated day.
 */
export function writeFormatFiles(options: ResolvedGenerateOptions, dir: string, formats: readonly GeneratorFormat[], stopped: () => boolean): WrittenFiles {
  const files = new TenantFileSet(dir, formats);
  try {
    for (const batch of generateBatches(options, textOptionsFor(formats)))
      for (const item of batch) {
        if (item.type === 'progress') {
          if (stopped()) throw new FormatRunStopped();
        } else if (item.type !== 'tenant-end') files.write(item);
      }
    files.close();
  } catch (error) {
    files.abandon();
    throw error;
  }
  return files.files;
}
