import { readFile } from 'node:fs/promises';
import type { Envelope, EnvelopeOp } from '../envelope.js';
import { releaseRemovals } from './compaction.js';
import type { LakeCore } from './lake-core.js';
import { unframeBytes } from './log-framing.js';
import { envelopeOfRecord, type LogRecord } from './log-records.js';
import { sqlString } from './lake-sql.js';
import type { ScanOptions } from './types.js';

/** Rebuilds an envelope from a raw-zone Parquet row (JSON-safe values). */
export function envelopeOfRow(row: Record<string, unknown>): Envelope {
  const envelope: Envelope = {
    event_id: row.event_id as string,
    tenant_id: row.tenant_id as string,
    entity: row.entity as string,
    entity_key: JSON.parse(row.entity_key as string),
    op: row.op as EnvelopeOp,
    event_time: row.event_time as string,
    source: { system: row.source_system as string, connector: row.source_connector as string, position: row.source_position as string },
    payload: JSON.parse(row.payload as string),
    ingest_seq: Number(row.ingest_seq),
    ingest_time: row.ingest_time as string,
  };
  if (row.merged_into !== null && row.merged_into !== undefined) envelope.merged_into = JSON.parse(row.merged_into as string);
  if (Array.isArray(row.changed_fields)) envelope.changed_fields = row.changed_fields as string[];
  if (Array.isArray(row.consent)) envelope.consent = row.consent as string[];
  if (row.schema_version !== null && row.schema_version !== undefined) envelope.schema_version = row.schema_version as string;
  return envelope;
}

/**
 * Raw-zone envelopes in `ingest_seq` order: first the Parquet files of the catalog (every seq in
 * them is at or below `compactedThrough`), then the log records above it. Both sides are bounded
 * by what was durable when the scan started, so a scan never sees a record twice or half-written.
 */
export async function* scanRaw(core: LakeCore, options: ScanOptions): AsyncGenerator<Envelope> {
  const from = options.fromSeq ?? 0;
  const to = options.toSeq ?? Number.MAX_SAFE_INTEGER;
  const lower = core.catalog.compactedThrough;
  const upper = core.durableSeq;
  const files = core.catalog.files.filter(
    (f) =>
      f.zone === 'raw' &&
      (options.tenant_id === undefined || f.tenant_id === options.tenant_id) &&
      (options.entity === undefined || f.entity === options.entity) &&
      f.max_seq >= from &&
      f.min_seq <= to,
  );
  const segments = core.log.segments().filter((s) => s.bytes > 0 && s.maxSeq > lower && s.maxSeq >= from && s.minSeq <= to);
  core.activeScans++;
  try {
    if (files.length > 0) {
      const where = [`ingest_seq >= ${from}`, `ingest_seq <= ${Math.min(to, lower)}`];
      if (options.tenant_id !== undefined) where.push(`tenant_id = ${sqlString(options.tenant_id)}`);
      if (options.entity !== undefined) where.push(`entity = ${sqlString(options.entity)}`);
      const sql = `SELECT * FROM read_parquet([${files.map((f) => sqlString(`${core.dir}/${f.path}`)).join(', ')}], hive_partitioning = false) WHERE ${where.join(' AND ')} ORDER BY ingest_seq`;
      for await (const rows of core.engine.stream(sql)) for (const row of rows) yield envelopeOfRow(row);
    }
    for (const segment of segments) {
      const buffer = (await readFile(segment.path)).subarray(0, segment.bytes);
      let start = 0;
      while (start < buffer.length) {
        let nl = buffer.indexOf(10, start);
        if (nl < 0) nl = buffer.length;
        const json = unframeBytes(buffer, start, nl);
        start = nl + 1;
        if (json === undefined) continue;
        const record = JSON.parse(json) as LogRecord;
        if (record.k !== 'r' || record.s <= lower || record.s > upper || record.s < from || record.s > to) continue;
        if (options.tenant_id !== undefined && record.e.tenant_id !== options.tenant_id) continue;
        if (options.entity !== undefined && record.e.entity !== options.entity) continue;
        yield envelopeOfRecord(record);
      }
    }
  } finally {
    core.activeScans--;
    await releaseRemovals(core);
  }
}
