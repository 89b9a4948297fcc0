import { existsSync } from 'node:fs';
import { VerityError } from '../../errors.js';
import type { FileRow } from './file-readers.js';
import { safeStringify } from './source-helpers.js';

/**
 * Streams the rows of a Parquet file through DuckDB's `read_parquet`, in file order, a chunk at a
 * time (constant memory). Values come out JSON-typed: timestamps as ISO 8601 UTC with milliseconds,
 * decimals as numbers, 64-bit integers as numbers when exact (else text), lists and structs as JSON.
 * DuckDB is loaded only when a Parquet file is read.
 */
export async function* parquetRows(path: string): AsyncGenerator<FileRow> {
  if (!existsSync(path)) throw new VerityError('NOT_FOUND', `Parquet file ${path} does not exist.`);
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    let columns: Array<{ name: string; type: string }>;
    try {
      const described = await connection.runAndReadAll('DESCRIBE SELECT * FROM read_parquet($1)', [path]);
      columns = described.getRowObjectsJS().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    } catch (cause) {
      throw new VerityError('MALFORMED_INPUT', `${path} is not a readable Parquet file: ${(cause as Error).message.split('\n')[0]}`, { cause });
    }
    const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;
    const select = columns.map(({ name, type }) => {
      const c = quote(name);
      if (type === 'TIMESTAMP WITH TIME ZONE') return `strftime(timezone('UTC', ${c}), '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c}`;
      if (type.startsWith('TIMESTAMP')) return `strftime(${c}::TIMESTAMP, '%Y-%m-%dT%H:%M:%S.%gZ') AS ${c}`;
      if (type.startsWith('DECIMAL')) return `${c}::DOUBLE AS ${c}`;
      return c;
    });
    const bigints = new Set(columns.filter((c) => /^(BIGINT|UBIGINT|HUGEINT|UHUGEINT)$/.test(c.type)).map((c) => c.name));
    const result = await connection.stream(`SELECT file_row_number, ${select.join(', ')} FROM read_parquet($1, file_row_number = true)`, [path]);
    for await (const rows of result.yieldRowObjectJson()) {
      for (const r of rows) {
        const record: Record<string, unknown> = {};
        for (const { name } of columns) {
          const v = r[name];
          record[name] = bigints.has(name) && typeof v === 'string' && Number.isSafeInteger(Number(v)) ? Number(v) : v;
        }
        const row = Number(r.file_row_number) + 1;
        yield {
          row,
          line: row,
          value: record,
          get raw() {
            return safeStringify(record);
          },
        };
      }
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
