import type { Violation } from '../contracts/types.js';
import type { Envelope } from '../envelope.js';

/**
 * The records of the append log. Every line is one record; every record has its own
 * `ingest_seq` (`s`) drawn from one per-lake sequence, so raw events and quarantine entries
 * interleave in acceptance order.
 */

/** A raw-zone event: the normalised envelope plus what the lake assigned. */
export interface RawLogRecord {
  k: 'r';
  /** ingest_seq */
  s: number;
  /** ingest_time, ISO 8601 */
  t: string;
  /** schema_version (contract version validated against), null when not validated */
  v: string | null;
  /** The envelope without ingest_seq/ingest_time/schema_version. */
  e: Envelope;
  /** Set when this event was replayed out of quarantine: the quarantine id. */
  q?: string;
}

/** A quarantine entry. */
export interface QuarantineLogRecord {
  k: 'q';
  s: number;
  t: string;
  tenant_id: string;
  entity: string;
  event_id: string | null;
  reasons: string[];
  violations: Violation[];
  /** Contract version the violations were found against. */
  v: string | null;
  /** Source name. */
  src: string | null;
  /** The original bytes as text (the envelope as received, or an undecodable item's text). */
  raw: string;
  /** True when `raw` is not an envelope (an undecodable item): replay skips it. */
  u?: boolean;
}

/** Any log record. */
export type LogRecord = RawLogRecord | QuarantineLogRecord;

/** The quarantine id of a quarantine record's seq. */
export function quarantineId(seq: number): string {
  return `q${seq}`;
}

/** Parses a quarantine id (`q123` or `123`) to its seq, or undefined. */
export function parseQuarantineId(id: string): number | undefined {
  const m = /^q?(\d{1,15})$/.exec(id.trim());
  return m ? Number(m[1]) : undefined;
}

/** The envelope of a raw record, with the lake-assigned fields set. */
export function envelopeOfRecord(record: RawLogRecord): Envelope {
  const envelope: Envelope = { ...record.e, ingest_seq: record.s, ingest_time: record.t };
  if (record.v !== null) envelope.schema_version = record.v;
  else delete envelope.schema_version;
  return envelope;
}
