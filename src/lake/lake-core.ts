import type { AuditSink } from '../audit/audit-sink.js';
import type { ContractResolver } from '../contracts/types.js';
import type { Gate } from '../ingest/gate.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import type { AppendLog } from './append-log.js';
import type { Catalog } from './catalog.js';
import type { DuckEngine } from './duckdb-engine.js';
import type { LakeIndex } from './lake-index.js';

/**
 * The shared state of an open lake, handed to its parts (ingest, compaction, quarantine, query).
 * Internal: not exported from the package.
 */
export interface LakeCore {
  readonly dir: string;
  readonly readOnly: boolean;
  readonly clock: () => Date;
  readonly actor: string;
  readonly contracts: ContractResolver | undefined;
  readonly audit: AuditSink | undefined;
  readonly lineage: LineageEmitter | undefined;
  readonly gate: Gate;
  readonly index: LakeIndex;
  readonly log: AppendLog;
  readonly engine: DuckEngine;
  catalog: Catalog;
  /** Largest durable ingest_seq. */
  durableSeq: number;
  /** Next ingest_seq to assign. */
  nextSeq: number;
  /** Scans in progress (segment removal waits for them). */
  activeScans: number;
  /** Segments whose removal waits for scans to finish. */
  pendingRemovals: number[];
  /** Replay marks loaded into DuckDB (to refresh the view only when it changed). */
  replaysLoaded: number;
  /** Compact in the background after this many appended records (undefined: only on request). */
  readonly compactAfterRows: number | undefined;
  rowsSinceCompaction: number;
  /** The message of the last background compaction failure, if the last one failed. */
  backgroundError: string | undefined;
  readonly catalogPath: string;
  readonly checkpointPath: string;
  /** Throws when the lake is read-only or closed. */
  assertWritable(what: string): void;
  /** The `stateFields` a validator declares for an entity, if any. */
  stateFieldsFor(entity: string, tenant_id: string): readonly string[] | undefined;
  /**
   * Appends records (JSON texts, or `count` lines already framed into one buffer) and advances
   * durableSeq when they are durable.
   */
  appendDurably(records: readonly string[] | Buffer, firstSeq: number, lastSeq: number, count?: number): Promise<void>;
  /** Set while acceptances are paused; acceptors loop `while (core.paused) await core.paused` right before deciding. */
  paused: Promise<void> | undefined;
  /** Pauses new acceptances (the index checkpoint needs a quiet moment); resolves once every accepted record is durable. Call the result to resume. */
  quiesce(): Promise<() => void>;
}
