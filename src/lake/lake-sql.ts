/**
 * The SQL that turns append-log segments and Parquet files into the `raw_events` and
 * `quarantine_events` relations. Segments are NDJSON (see log-framing.ts) read by DuckDB's own
 * `read_json` with a fixed schema, so neither queries nor compaction parse events in
 * JavaScript. Only records with `lower < ingest_seq <= upper` are taken: below is already in
 * Parquet, above is not yet durable.
 */

/** The raw zone columns, in Parquet order. */
export const RAW_COLUMNS = [
  'event_id', 'tenant_id', 'entity', 'entity_key', 'op', 'merged_into', 'event_time', 'ingest_time', 'ingest_seq',
  'source_system', 'source_connector', 'source_position', 'schema_version', 'payload', 'changed_fields', 'consent',
] as const;

/** The quarantine zone columns, in Parquet order. */
export const QUARANTINE_COLUMNS = [
  'quarantine_id', 'ingest_seq', 'ingest_time', 'tenant_id', 'entity', 'event_id', 'source', 'reasons', 'violations', 'contract_version', 'raw', 'undecodable',
] as const;

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

const list = (paths: readonly string[]) => `[${paths.map(sqlString).join(', ')}]`;

/** The record types of a log line, for DuckDB's NDJSON reader (payloads stay JSON text). */
const LOG_COLUMNS = `{c: 'VARCHAR', r: 'STRUCT(k VARCHAR, s BIGINT, t VARCHAR, v VARCHAR, q VARCHAR, e STRUCT(event_id VARCHAR, tenant_id VARCHAR, entity VARCHAR, entity_key JSON, op VARCHAR, merged_into JSON, event_time VARCHAR, source STRUCT(system VARCHAR, connector VARCHAR, position VARCHAR), payload JSON, changed_fields VARCHAR[], consent VARCHAR[]), tenant_id VARCHAR, entity VARCHAR, event_id VARCHAR, reasons VARCHAR[], violations JSON, src VARCHAR, raw VARCHAR, u BOOLEAN)'}`;

const RAW_SELECT = `
  r.e.event_id AS event_id,
  r.e.tenant_id AS tenant_id,
  r.e.entity AS entity,
  CAST(r.e.entity_key AS VARCHAR) AS entity_key,
  r.e.op AS op,
  CASE WHEN r.e.merged_into IS NULL OR json_type(r.e.merged_into) = 'NULL' THEN NULL ELSE CAST(r.e.merged_into AS VARCHAR) END AS merged_into,
  TRY_CAST(r.e.event_time AS TIMESTAMPTZ) AS event_time,
  CAST(r.t AS TIMESTAMPTZ) AS ingest_time,
  r.s AS ingest_seq,
  r.e.source.system AS source_system,
  r.e.source.connector AS source_connector,
  r.e.source.position AS source_position,
  r.v AS schema_version,
  CAST(r.e.payload AS VARCHAR) AS payload,
  r.e.changed_fields AS changed_fields,
  r.e.consent AS consent`;

const QUARANTINE_SELECT = `
  'q' || CAST(r.s AS VARCHAR) AS quarantine_id,
  r.s AS ingest_seq,
  CAST(r.t AS TIMESTAMPTZ) AS ingest_time,
  r.tenant_id AS tenant_id,
  r.entity AS entity,
  r.event_id AS event_id,
  r.src AS source,
  r.reasons AS reasons,
  CAST(r.violations AS VARCHAR) AS violations,
  r.v AS contract_version,
  r.raw AS raw,
  coalesce(r.u, false) AS undecodable`;

const RAW_EMPTY = `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS tenant_id, NULL::VARCHAR AS entity, NULL::VARCHAR AS entity_key, NULL::VARCHAR AS op,
  NULL::VARCHAR AS merged_into, NULL::TIMESTAMPTZ AS event_time, NULL::TIMESTAMPTZ AS ingest_time, NULL::BIGINT AS ingest_seq, NULL::VARCHAR AS source_system,
  NULL::VARCHAR AS source_connector, NULL::VARCHAR AS source_position, NULL::VARCHAR AS schema_version, NULL::VARCHAR AS payload,
  NULL::VARCHAR[] AS changed_fields, NULL::VARCHAR[] AS consent WHERE false`;

const QUARANTINE_EMPTY = `SELECT NULL::VARCHAR AS quarantine_id, NULL::BIGINT AS ingest_seq, NULL::TIMESTAMPTZ AS ingest_time, NULL::VARCHAR AS tenant_id,
  NULL::VARCHAR AS entity, NULL::VARCHAR AS event_id, NULL::VARCHAR AS source, NULL::VARCHAR[] AS reasons, NULL::VARCHAR AS violations,
  NULL::VARCHAR AS contract_version, NULL::VARCHAR AS raw, NULL::BOOLEAN AS undecodable WHERE false`;

function logRecords(segments: readonly string[], kind: 'r' | 'q', lower: number, upper: number): string {
  // ignore_errors skips a torn line still being written; the seq bounds skip what is not durable or already in Parquet.
  return `(SELECT r FROM read_json(${list(segments)}, format = 'newline_delimited', ignore_errors = true, maximum_object_size = 1073741824, columns = ${LOG_COLUMNS})
    WHERE r.k = '${kind}' AND r.s > ${lower} AND r.s <= ${upper})`;
}

/** Raw-zone rows of the log segments with `lower < ingest_seq <= upper`. */
export function rawFromLog(segments: readonly string[], lower: number, upper: number): string {
  if (segments.length === 0 || upper <= lower) return RAW_EMPTY;
  return `SELECT ${RAW_SELECT} FROM ${logRecords(segments, 'r', lower, upper)}`;
}

/** Quarantine rows of the log segments with `lower < ingest_seq <= upper`. */
export function quarantineFromLog(segments: readonly string[], lower: number, upper: number): string {
  if (segments.length === 0 || upper <= lower) return QUARANTINE_EMPTY;
  return `SELECT ${QUARANTINE_SELECT} FROM ${logRecords(segments, 'q', lower, upper)}`;
}

/** A zone's rows over its Parquet files and the log tail. */
export function zoneRelation(zone: 'raw' | 'quarantine', parquet: readonly string[], segments: readonly string[], lower: number, upper: number): string {
  const columns = (zone === 'raw' ? RAW_COLUMNS : QUARANTINE_COLUMNS).join(', ');
  const tail = zone === 'raw' ? rawFromLog(segments, lower, upper) : quarantineFromLog(segments, lower, upper);
  if (parquet.length === 0) return tail;
  return `SELECT ${columns} FROM read_parquet(${list(parquet)}, hive_partitioning = false) UNION ALL SELECT ${columns} FROM (${tail})`;
}
