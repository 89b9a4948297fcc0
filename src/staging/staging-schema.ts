import type { StagingRow } from './fold-history.js';

/** Staging columns in file order, with their DuckDB types (times are TIMESTAMPTZ in Parquet). */
export const STAGING_COLUMNS: ReadonlyArray<{ name: keyof StagingRow; type: 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'BOOLEAN' | 'TIMESTAMPTZ' }> = [
  { name: 'tenant_id', type: 'VARCHAR' },
  { name: 'entity', type: 'VARCHAR' },
  { name: 'key', type: 'VARCHAR' },
  { name: 'entity_key', type: 'VARCHAR' },
  { name: 'version', type: 'INTEGER' },
  { name: 'event_id', type: 'VARCHAR' },
  { name: 'op', type: 'VARCHAR' },
  { name: 'is_deleted', type: 'BOOLEAN' },
  { name: 'merged_into', type: 'VARCHAR' },
  { name: 'merged_into_key', type: 'VARCHAR' },
  { name: 'valid_from', type: 'TIMESTAMPTZ' },
  { name: 'valid_to', type: 'TIMESTAMPTZ' },
  { name: 'known_from', type: 'TIMESTAMPTZ' },
  { name: 'known_to', type: 'TIMESTAMPTZ' },
  { name: 'ingest_seq', type: 'BIGINT' },
  { name: 'knowledge_seq', type: 'BIGINT' },
  { name: 'ingest_time', type: 'TIMESTAMPTZ' },
  { name: 'record', type: 'VARCHAR' },
  { name: 'payload', type: 'VARCHAR' },
  { name: 'changed_fields', type: 'VARCHAR' },
  { name: 'source_system', type: 'VARCHAR' },
  { name: 'source_connector', type: 'VARCHAR' },
  { name: 'source_position', type: 'VARCHAR' },
  { name: 'schema_version', type: 'VARCHAR' },
  { name: 'consent', type: 'VARCHAR' },
];

/** DDL of the in-memory load table (times as epoch-ms BIGINT). */
export function stagingLoadTableSql(table: string): string {
  return `CREATE OR REPLACE TEMP TABLE ${table} (${STAGING_COLUMNS.map((c) => `${c.name} ${c.type === 'TIMESTAMPTZ' ? 'BIGINT' : c.type}`).join(', ')})`;
}

/** SELECT list converting a load table's epoch-ms columns to TIMESTAMPTZ. */
export function stagingSelectFromLoad(): string {
  return STAGING_COLUMNS.map((c) => (c.type === 'TIMESTAMPTZ' ? `epoch_ms(${c.name})::TIMESTAMPTZ AS ${c.name}` : c.name)).join(', ');
}

/** SELECT list reading a staging file back with times as epoch-ms BIGINT. */
export function stagingSelectAsLoad(): string {
  return STAGING_COLUMNS.map((c) => (c.type === 'TIMESTAMPTZ' ? `epoch_ms(${c.name}) AS ${c.name}` : c.name)).join(', ');
}

/** Converts a row read with {@link stagingSelectAsLoad} back to a {@link StagingRow}. */
export function rowFromLoad(raw: Record<string, unknown>): StagingRow {
  const out: Record<string, unknown> = {};
  for (const c of STAGING_COLUMNS) {
    const v = raw[c.name];
    out[c.name] = typeof v === 'bigint' ? Number(v) : (v ?? null);
  }
  return out as unknown as StagingRow;
}
