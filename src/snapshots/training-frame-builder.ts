/**
 * The narrow interface snapshots need from the feature store: build a point-in-time training frame
 * and say exactly what it read. The features module's `getTrainingFrame` is wrapped into one of these
 * (see docs/provenance.md, "Wiring"); tests use a small in-memory implementation.
 */

/** One input row of a frame: entity key column(s), a timestamp, optionally a label. */
export type FrameRow = Record<string, string | number | boolean | null>;

/** Options passed to the builder. */
export interface TrainingFrameOptions {
  /** Consent purpose rows must carry (e.g. `model_training`); undefined = no consent filter. */
  purpose?: string;
  /** Retrieval knobs passed through (e.g. `knowledge: 'as_of'`, tenant). */
  [key: string]: unknown;
}

/** What a built frame carries. Exactly one of `parquetPath` or `rows` is set. */
export interface TrainingFrame {
  /** A Parquet file holding the frame (copied into the snapshot with fixed writer options). */
  parquetPath?: string;
  /** The frame's rows in output order (one per input row, input order). */
  rows?: Array<Record<string, unknown>>;
  /** Column names in order, when `rows` might not show every column (e.g. empty frames). */
  columns?: string[];
  /** Feature views used, with their content-hash versions. */
  views: Array<{ name: string; version: string }>;
  /** Contract versions of the entities the views read. */
  contracts: Array<{ entity: string; version: string }>;
  /** Lake positions read (e.g. `{ lastSeq: 1234 }`). */
  lakePositions: Record<string, unknown>;
  /** Lake files read, with their hashes (from the lake catalog). */
  filesRead: Array<{ path: string; sha256: string; rows: number }>;
  /** Retrieval parameters as applied (knowledge mode, tenant, time column…). */
  parameters: Record<string, unknown>;
  /** Which feature view column each output column comes from (for OpenLineage column lineage). */
  columnSources?: Record<string, { view: string; field: string }>;
  /** Rows dropped by the consent filter, when one was applied. */
  consentExcluded?: number;
}

/** Builds training frames with point-in-time retrieval. */
export interface TrainingFrameBuilder {
  build(frame: FrameRow[], views: string[], options: TrainingFrameOptions): Promise<TrainingFrame>;
}
