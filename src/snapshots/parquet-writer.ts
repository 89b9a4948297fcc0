import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { VerityError } from '../errors.js';

/** A column of a written Parquet file. */
export interface ParquetColumn {
  name: string;
  type: string;
}

/** Fixed writer options: the same rows always give the same bytes with the same DuckDB version. */
const COPY_OPTIONS = "FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880";

const quoteIdent = (s: string) => '"' + s.replace(/"/g, '""') + '"';
const quoteString = (s: string) => "'" + s.replace(/'/g, "''") + "'";

function columnType(values: unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return 'VARCHAR';
  if (present.every((v) => typeof v === 'boolean')) return 'BOOLEAN';
  if (present.every((v) => typeof v === 'number' && Number.isSafeInteger(v))) return 'BIGINT';
  if (present.every((v) => typeof v === 'number' && Number.isFinite(v))) return 'DOUBLE';
  return 'VARCHAR';
}

function cell(v: unknown, type: string): unknown {
  if (v === null || v === undefined) return null;
  if (type !== 'VARCHAR') return v;
  if (typeof v === 'string') return v;
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Writes rows to one Parquet file deterministically: columns in first-seen order, rows in the
 * given order, types inferred over all rows (BOOLEAN, BIGINT, DOUBLE, else VARCHAR; objects as
 * JSON text), one DuckDB thread, fixed COPY options, no timestamps in the data.
 */
export async function writeRowsToParquet(rows: Array<Record<string, unknown>>, out: string, columnsHint: string[] = []): Promise<{ rows: number; columns: ParquetColumn[] }> {
  const names: string[] = [...columnsHint];
  const seen = new Set(names);
  for (const r of rows)
    for (const k of Object.keys(r))
      if (!seen.has(k)) {
        seen.add(k);
        names.push(k);
      }
  if (names.length === 0) throw new VerityError('UNPROCESSABLE', 'The training frame has no columns; nothing to write.');
  const columns = names.map((name) => ({ name, type: columnType(rows.map((r) => r[name])) }));
  const work = mkdtempSync(join(tmpdir(), 'verity-parquet-'));
  try {
    const ndjson = join(work, 'rows.ndjson');
    writeFileSync(ndjson, rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c) => [c.name, cell(r[c.name], c.type)])))).join('\n') + (rows.length ? '\n' : ''));
    const spec = '{' + columns.map((c) => `${quoteString(c.name)}: ${quoteString(c.type)}`).join(', ') + '}';
    const select = rows.length
      ? `SELECT ${columns.map((c) => quoteIdent(c.name)).join(', ')} FROM read_json(${quoteString(ndjson)}, format = 'newline_delimited', columns = ${spec})`
      : `SELECT ${columns.map((c) => `CAST(NULL AS ${c.type}) AS ${quoteIdent(c.name)}`).join(', ')} LIMIT 0`;
    await copyToParquet(select, out);
    return { rows: rows.length, columns };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** Re-writes an existing Parquet file with the fixed options (row order kept). */
export async function copyParquet(source: string, out: string): Promise<{ rows: number; columns: ParquetColumn[] }> {
  await copyToParquet(`SELECT * FROM read_parquet(${quoteString(source)})`, out);
  return describeParquet(out);
}

/** Row count and schema of a Parquet file. */
export async function describeParquet(path: string): Promise<{ rows: number; columns: ParquetColumn[] }> {
  return withDuckDb(async (conn) => {
    const count = await conn.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM read_parquet(${quoteString(path)})`);
    const schema = await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${quoteString(path)})`);
    const rows = Number(count.getRowObjectsJS()[0]!.n);
    const columns = schema.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    return { rows, columns };
  });
}

async function copyToParquet(select: string, out: string): Promise<void> {
  await withDuckDb(async (conn) => {
    await conn.run(`COPY (${select}) TO ${quoteString(out)} (${COPY_OPTIONS})`);
  });
}

async function withDuckDb<T>(fn: (conn: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(':memory:', { threads: '1' });
  const conn = await instance.connect();
  try {
    await conn.run('SET preserve_insertion_order = true');
    return await fn(conn);
  } catch (error) {
    if (error instanceof VerityError) throw error;
    throw new VerityError('IO_ERROR', `Writing or reading Parquet with DuckDB failed: ${(error as Error).message}`, { cause: error });
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}
