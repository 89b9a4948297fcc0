/**
 * The SQL that turns append-log segments and Parquet files into the `raw_events` and
 * `quarantine_events` relations. Segments are read by DuckDB itself (`read_text`, split on
 * newlines, the JSON after the 9-character checksum prefix) so neither queries nor compaction
 * parse events in JavaScript. Only records with `lower < ingest_seq <= upper` are taken: below
 * is already in Parquet, above is not yet durable (a line being written fails `try_cast`).
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

const jsonOrNull = (path: string) => `CASE WHEN json_type(j, '${path}') IS NULL OR json_type(j, '${path}') = 'NULL' THEN NULL ELSE CAST(json_extract(j, '${path}') AS VARCHAR) END`;

const RAW_SELECT = `
  json_extract_string(j, '$.e.event_id') AS event_id,
  json_extract_string(j, '$.e.tenant_id') AS tenant_id,
  json_extract_string(j, '$.e.entity') AS entity,
  CAST(json_extract(j, '$.e.entity_key') AS VARCHAR) AS entity_key,
  json_extract_string(j, '$.e.op') AS op,
  ${jsonOrNull('$.e.merged_into')} AS merged_into,
  TRY_CAST(json_extract_string(j, '$.e.event_time') AS TIMESTAMPTZ) AS event_time,
  CAST(json_extract_string(j, '$.t') AS TIMESTAMPTZ) AS ingest_time,
  CAST(json_extract_string(j, '$.s') AS BIGINT) AS ingest_seq,
  json_extract_string(j, '$.e.source.system') AS source_system,
  json_extract_string(j, '$.e.source.connector') AS source_connector,
  json_extract_string(j, '$.e.source.position') AS source_position,
  json_extract_string(j, '$.v') AS schema_version,
  CAST(json_extract(j, '$.e.payload') AS VARCHAR) AS payload,
  from_json(json_extract(j, '$.e.changed_fields'), '["VARCHAR"]') AS changed_fields,
  from_json(json_extract(j, '$.e.consent'), '["VARCHAR"]') AS consent`;

const QUARANTINE_SELECT = `
  'q' || (json_extract_string(j, '$.s')) AS quarantine_id,
  CAST(json_extract_string(j, '$.s') AS BIGINT) AS ingest_seq,
  CAST(json_extract_string(j, '$.t') AS TIMESTAMPTZ) AS ingest_time,
  json_extract_string(j, '$.tenant_id') AS tenant_id,
  json_extract_string(j, '$.entity') AS entity,
  json_extract_string(j, '$.event_id') AS event_id,
  json_extract_string(j, '$.src') AS source,
  from_json(json_extract(j, '$.reasons'), '["VARCHAR"]') AS reasons,
  CAST(json_extract(j, '$.violations') AS VARCHAR) AS violations,
  json_extract_string(j, '$.v') AS contract_version,
  json_extract_string(j, '$.raw') AS raw,
  coalesce(CAST(json_extract_string(j, '$.u') AS BOOLEAN), false) AS undecodable`;

const RAW_EMPTY = `SELECT NULL::VARCHAR AS event_id, NULL::VARCHAR AS tenant_id, NULL::VARCHAR AS entity, NULL::VARCHAR AS entity_key, NULL::VARCHAR AS op,
  NULL::VARCHAR AS merged_into, NULL::TIMESTAMPTZ AS event_time, NULL::TIMESTAMPTZ AS ingest_time, NULL::BIGINT AS ingest_seq, NULL::VARCHAR AS source_system,
  NULL::VARCHAR AS source_connector, NULL::VARCHAR AS source_position, NULL::VARCHAR AS schema_version, NULL::VARCHAR AS payload,
  NULL::VARCHAR[] AS changed_fields, NULL::VARCHAR[] AS consent WHERE false`;

const QUARANTINE_EMPTY = `SELECT NULL::VARCHAR AS quarantine_id, NULL::BIGINT AS ingest_seq, NULL::TIMESTAMPTZ AS ingest_time, NULL::VARCHAR AS tenant_id,
  NULL::VARCHAR AS entity, NULL::VARCHAR AS event_id, NULL::VARCHAR AS source, NULL::VARCHAR[] AS reasons, NULL::VARCHAR AS violations,
  NULL::VARCHAR AS contract_version, NULL::VARCHAR AS raw, NULL::BOOLEAN AS undecodable WHERE false`;

function logRecords(segments: readonly string[], kind: 'r' | 'q', lower: number, upper: number): string {
  return `(WITH lines AS (SELECT unnest(string_split(content, chr(10))) AS line FROM read_text(${list(segments)})),
    recs AS (SELECT try_cast(substr(line, 10) AS JSON) AS j FROM lines WHERE length(line) > 9)
    SELECT * FROM recs WHERE j IS NOT NULL AND json_extract_string(j, '$.k') = '${kind}' AND CAST(json_extract_string(j, '$.s') AS BIGINT) > ${lower} AND CAST(json_extract_string(j, '$.s') AS BIGINT) <= ${upper})`;
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
