import { readFile } from 'node:fs/promises';
import { VerityError } from '../errors.js';
import { writeFileAtomic } from './fs-util.js';
import type { CatalogFile } from './types.js';

/**
 * The lake catalog: `catalog.json` in the lake directory, replaced atomically (temp file, fsync,
 * rename, directory fsync) after the Parquet files it lists are in place. A file on disk that the
 * catalog does not list is an orphan of an interrupted compaction: it is never read and is
 * removed on the next open. `compactedThrough` says every `ingest_seq` up to it is in Parquet, so
 * log records at or below it are skipped (a crash between the catalog update and the segment
 * removal cannot produce duplicates).
 */
export interface Catalog {
  version: 1;
  compactedThrough: number;
  files: CatalogFile[];
}

/** Reads the catalog (an empty one when absent). */
export async function readCatalog(path: string): Promise<Catalog> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, compactedThrough: 0, files: [] };
    throw error;
  }
  try {
    const catalog = JSON.parse(text) as Catalog;
    if (catalog.version !== 1 || !Array.isArray(catalog.files) || typeof catalog.compactedThrough !== 'number') throw new Error('unexpected shape');
    return catalog;
  } catch (error) {
    throw new VerityError('INTEGRITY_FAILED', `Lake catalog ${path} is unreadable (${(error as Error).message}). Restore it from a backup.`, { cause: error });
  }
}

/** Writes the catalog atomically. */
export async function writeCatalog(path: string, catalog: Catalog): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(catalog, null, 1) + '\n');
}
