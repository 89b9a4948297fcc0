import { createHash } from 'node:crypto';
import { canonicalJson } from '../util/canonical-json.js';
import type { ParquetColumn } from './parquet-writer.js';

/** The in-toto predicate type of a Verity training snapshot. */
export const SNAPSHOT_PREDICATE_TYPE = 'https://verity.dev/training-snapshot/v1';

/** One data file of a snapshot. */
export interface SnapshotFile {
  /** Path relative to the snapshot directory, e.g. `data/part-0000.parquet`. */
  path: string;
  sha256: string;
  bytes: number;
  rows: number;
}

/** The manifest of a training snapshot: the signed predicate of its in-toto statement. */
export interface SnapshotManifest {
  snapshot: {
    name: string;
    /** Content address: `sha256:` + hex SHA-256 of the canonical JSON of `{files: [{path, sha256}], parameters}`. */
    id: string;
    version: number;
    created_at: string;
  };
  /** The consent purpose filter applied (`null` = none). */
  consent: { purpose: string | null; excluded_rows: number | null };
  /** The input frame (entity keys, timestamps, labels). */
  frame: { source: string; sha256: string; rows: number };
  feature_views: Array<{ name: string; version: string }>;
  contracts: Array<{ entity: string; version: string }>;
  lake: { positions: Record<string, unknown>; files_read: Array<{ path: string; sha256: string; rows: number }> };
  /** Retrieval parameters as applied. */
  retrieval: Record<string, unknown>;
  data: { rows: number; column_count: number; columns: ParquetColumn[]; files: SnapshotFile[] };
  code: { package: string; version: string; git_commit: string | null };
  signer: { keyid: string; algorithm: string };
}

/** The parameters that, with the data digests, make a snapshot's content address. */
export function snapshotParameters(m: Pick<SnapshotManifest, 'consent' | 'frame' | 'feature_views' | 'contracts' | 'lake' | 'retrieval'>): Record<string, unknown> {
  return {
    purpose: m.consent.purpose,
    frame_sha256: m.frame.sha256,
    feature_views: m.feature_views,
    contracts: m.contracts,
    lake_positions: m.lake.positions,
    files_read: m.lake.files_read.map((f) => ({ path: f.path, sha256: f.sha256 })),
    retrieval: m.retrieval,
  };
}

/** The content-addressed id of a snapshot. */
export function snapshotId(files: Array<Pick<SnapshotFile, 'path' | 'sha256'>>, parameters: Record<string, unknown>): string {
  const body = canonicalJson({ files: files.map((f) => ({ path: f.path, sha256: f.sha256 })), parameters });
  return 'sha256:' + createHash('sha256').update(body).digest('hex');
}

/** Lists the dotted paths where two JSON values differ (for "manifest field tampered" reports). */
export function jsonDifferences(signed: unknown, actual: unknown, path = ''): Array<{ field: string; signed: unknown; actual: unknown }> {
  if (canonicalJson(signed ?? null) === canonicalJson(actual ?? null)) return [];
  const isObj = (v: unknown) => v !== null && typeof v === 'object';
  if (isObj(signed) && isObj(actual) && Array.isArray(signed) === Array.isArray(actual)) {
    const keys = [...new Set([...Object.keys(signed), ...Object.keys(actual)])].sort();
    return keys.flatMap((k) => jsonDifferences((signed as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], path ? `${path}.${k}` : k));
  }
  return [{ field: path || '(root)', signed, actual }];
}
