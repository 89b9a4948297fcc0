import type { AuditSink } from '../audit/audit-sink.js';
import type { ContractResolver, Violation } from '../contracts/types.js';
import type { Envelope } from '../envelope.js';
import type { RejectedItem } from '../ingest/source.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';

/** Options of {@link openLake}. */
export interface LakeOptions {
  /** The lake directory (created when absent), e.g. `<project>/.verity`. */
  dir: string;
  /** Validates payloads; when absent every payload passes and reports say `validated: false`. */
  contracts?: ContractResolver;
  /** Quarantine events whose references name records not yet seen (default false; see `GateOptions.checkReferences`). */
  checkReferences?: boolean;
  /** Records `ingest.batch` and `quarantine.replay` facts. */
  audit?: AuditSink;
  /** Reports `ingest.batch`, `quarantine.replay` and `lake.compaction` runs. */
  lineage?: LineageEmitter;
  /** The clock for `ingest_time` (injected so tests are deterministic). Defaults to `() => new Date()`. */
  clock?: () => Date;
  /** Roll the active log segment over once it is larger than this many bytes (default 64 MiB). */
  maxSegmentBytes?: number;
  /** Open for reading only: no lock, no recovery writes; `ingest`, `compact` and `replay` throw. */
  readOnly?: boolean;
  /**
   * Compact in the background once this many records have been appended since the last
   * compaction started (the config's `lake.compaction.maxRows`). Default: only when asked.
   */
  compactAfterRows?: number;
  /** Who the audit facts name as actor (default `verity`). */
  actor?: string;
}

/** Options of {@link Lake.ingest}. */
export interface IngestOptions {
  /** Items a source could not decode: quarantined with their raw text. */
  rejected?: RejectedItem[];
  /** The source name (`hubspot`, `ndjson`, …), recorded on quarantine entries and audit facts. */
  source?: string;
  /** The tenant of the rejected items (they carry none); default `unknown`. */
  tenant_id?: string;
  /**
   * The exact JSON text each envelope was parsed from (same order as `envelopes`; undefined where
   * unknown). Kept as a quarantined event's original bytes; for an accepted envelope already in
   * normal form, stored as is (saves a JSON.stringify). Must be the text the envelope came from.
   */
  originals?: ReadonlyArray<string | undefined>;
}

/** The outcome for one event of an ingest call. */
export interface IngestResult {
  /** The event id (for a rejected item: `rejected:<index>`). */
  event_id: string;
  status: 'accepted' | 'duplicate' | 'quarantined';
  /** The ingest sequence number (raw zone or quarantine entry). */
  ingest_seq?: number;
  /** Reason codes when quarantined (`contract:enum`, `undecodable:MALFORMED_JSON`, `envelope:event_time`…). */
  reasons?: string[];
  /** The quarantine entry id when quarantined. */
  quarantine_id?: string;
}

/** What an ingest call did. Resolved only after everything in it is durable. */
export interface IngestReport {
  accepted: number;
  duplicates: number;
  quarantined: number;
  /** Quarantined events per reason code (an event with two reasons counts under both). */
  byReason: Record<string, number>;
  /** Smallest and largest `ingest_seq` assigned by this call (raw or quarantine). */
  firstSeq?: number;
  lastSeq?: number;
  /** False when the lake has no contract resolver: payloads were not validated. */
  validated: boolean;
  results: IngestResult[];
}

/** Filters of {@link Lake.scanRaw}. */
export interface ScanOptions {
  tenant_id?: string;
  entity?: string;
  /** Inclusive bounds on `ingest_seq`. */
  fromSeq?: number;
  toSeq?: number;
}

/** One quarantine entry (summary). */
export interface QuarantineEntry {
  /** Stable id, `q<ingest_seq>`. */
  quarantine_id: string;
  ingest_seq: number;
  ingest_time: string;
  tenant_id: string;
  entity: string;
  event_id: string | null;
  source: string | null;
  reasons: string[];
  contract_version: string | null;
  /** The raw-zone `ingest_seq` it was replayed into, or null while still quarantined. */
  replayed_seq: number | null;
}

/** One quarantine entry with its violations and original bytes. */
export interface QuarantineDetail extends QuarantineEntry {
  violations: Violation[];
  /** The original text as received (envelope JSON, or the undecodable item's raw text). */
  raw: string;
}

/** Filters of quarantine list and replay. */
export interface QuarantineFilter {
  tenant_id?: string;
  entity?: string;
  /** Only entries with this reason code. */
  reason?: string;
  /** Include entries already replayed (list only; default false). */
  includeReplayed?: boolean;
  /** At most this many entries (list only; default 1000). */
  limit?: number;
}

/** What a replay did. */
export interface ReplayReport {
  /** Entries examined (not yet replayed, matching the filter). */
  examined: number;
  /** Entries that now pass and were appended to the raw zone. */
  replayed: number;
  /** Entries that still fail, by reason. */
  stillQuarantined: number;
  byReason: Record<string, number>;
  /** Undecodable entries (no envelope to re-validate). */
  skipped: number;
  validated: boolean;
  results: Array<{ quarantine_id: string; status: 'replayed' | 'quarantined' | 'skipped'; ingest_seq?: number; reasons?: string[] }>;
}

/** Options of a replay. */
export interface ReplayOptions {
  /** Called after each durable chunk with entries done so far and the total pending. */
  onProgress?: (done: number, total: number) => void;
  /**
   * Replay even though the lake has no contract resolver: only envelopes are re-checked, so every
   * well-formed entry moves to the raw zone. Without this flag such a replay is refused.
   */
  withoutContracts?: boolean;
}

/** The quarantine zone of a lake. */
export interface QuarantineZone {
  list(filter?: QuarantineFilter): Promise<QuarantineEntry[]>;
  /** @throws VerityError NOT_FOUND when there is no such entry. */
  show(id: string): Promise<QuarantineDetail>;
  /** Re-validates not-yet-replayed entries and appends those that now pass to the raw zone, exactly once. */
  replay(filter?: Omit<QuarantineFilter, 'includeReplayed' | 'limit'>, options?: ReplayOptions): Promise<ReplayReport>;
}

/** One file of the catalog. */
export interface CatalogFile {
  zone: 'raw' | 'quarantine';
  /** Path relative to the lake directory, `/`-separated. */
  path: string;
  tenant_id: string;
  entity: string;
  date: string;
  rows: number;
  bytes: number;
  min_seq: number;
  max_seq: number;
  sha256: string;
  created_at: string;
}

/** What a compaction did. */
export interface CompactionReport {
  /** Segments compacted (and then removed). */
  segments: number;
  rawRows: number;
  quarantineRows: number;
  files: CatalogFile[];
  /** Every `ingest_seq` up to this one is now in Parquet. */
  compactedThrough: number;
  /** Milliseconds per phase (read_log, write_parquet, fsync_hash_move, catalog, checkpoint, remove_segments). */
  timings?: Record<string, number>;
}

/** Counts of one zone/tenant/entity. */
export interface LakeStatsRow {
  zone: 'raw' | 'quarantine';
  tenant_id: string;
  entity: string;
  events: number;
}

/** What is in the lake. */
export interface LakeStats {
  dir: string;
  lastSeq: number;
  compactedThrough: number;
  rows: LakeStatsRow[];
  totals: { raw: number; quarantine: number; quarantinePending: number };
  files: { parquet: number; parquetBytes: number; segments: number; segmentBytes: number };
  /** Dedupe index size (distinct `(tenant_id, event_id)` seen). */
  eventIds: number;
  /** The last background compaction's error, when it failed (it is retried at the next threshold). */
  backgroundCompactionError?: string;
}

/** The event lake (DESIGN.md section 6). */
export interface Lake {
  readonly dir: string;
  /** Gate + durable append. Resolves after the batch holding these events is fsynced. */
  ingest(envelopes: Envelope[], options?: IngestOptions): Promise<IngestReport>;
  /** Raw-zone envelopes in `ingest_seq` order, over Parquet and the append log alike. */
  scanRaw(options?: ScanOptions): AsyncIterable<Envelope>;
  /** The largest durable `ingest_seq` (0 when empty). */
  lastSeq(): number;
  /** Compacts sealed log segments into Parquet. */
  compact(): Promise<CompactionReport>;
  /** Runs SQL on DuckDB with views `raw_events` and `quarantine_events` over every zone. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  stats(): Promise<LakeStats>;
  readonly quarantine: QuarantineZone;
  /** Flushes, releases the lock and closes DuckDB. Safe to call twice. */
  close(): Promise<void>;
}
