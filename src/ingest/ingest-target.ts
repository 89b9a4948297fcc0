import type { Envelope } from '../envelope.js';
import type { RejectedItem } from './source.js';

/**
 * The narrow interface the HTTP server, `verity ingest` and the lake-writer hand decoded events to:
 * anything that takes a batch of envelopes and resolves once the batch is durable. The lake
 * (`openLake(...)`) satisfies it directly; in bus mode a JetStream publisher does
 * (`createBusIngestTarget`). Keeping it narrow lets the shells run against either.
 */

/** Per-event outcome of an ingest call. */
export interface IngestResult {
  event_id: string;
  status: 'accepted' | 'duplicate' | 'quarantined';
  ingest_seq?: number;
  reasons?: string[];
}

/** What an ingest call did. `byReason` counts quarantined events (and rejected items) by reason code. */
export interface IngestReport {
  accepted: number;
  duplicates: number;
  quarantined: number;
  byReason: Record<string, number>;
  firstSeq?: number;
  lastSeq?: number;
  results: IngestResult[];
}

/** Options of one ingest call. */
export interface IngestCallOptions {
  /** Items of the delivery that could not be decoded: they go to quarantine with their raw text. */
  rejected?: RejectedItem[];
  /** The source name, for metrics, quarantine and audit. */
  source?: string;
  /** The tenant of the delivery (rejected items carry no tenant of their own). */
  tenant_id?: string;
}

/** Anything that durably ingests envelopes: the lake, or a bus publisher in scale-out mode. */
export interface IngestTarget {
  /** Ingests a batch; resolves only once it is durable (fsynced, or acknowledged by the bus). */
  ingest(envelopes: Envelope[], options?: IngestCallOptions): Promise<IngestReport>;
}

/** An empty report, to add others into. */
export function emptyIngestReport(): IngestReport {
  return { accepted: 0, duplicates: 0, quarantined: 0, byReason: {}, results: [] };
}

/** Adds `next` into `total` (in place) and returns `total`; results are appended only when `keepResults`. */
export function addIngestReport(total: IngestReport, next: IngestReport, keepResults = true): IngestReport {
  total.accepted += next.accepted;
  total.duplicates += next.duplicates;
  total.quarantined += next.quarantined;
  for (const [reason, n] of Object.entries(next.byReason)) total.byReason[reason] = (total.byReason[reason] ?? 0) + n;
  if (next.firstSeq !== undefined && (total.firstSeq === undefined || next.firstSeq < total.firstSeq)) total.firstSeq = next.firstSeq;
  if (next.lastSeq !== undefined && (total.lastSeq === undefined || next.lastSeq > total.lastSeq)) total.lastSeq = next.lastSeq;
  if (keepResults) for (const r of next.results) total.results.push(r);
  return total;
}
