import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { VerityError } from '../errors.js';

/**
 * The lake's in-process DuckDB: created on first use (an in-memory database; the lake's data is
 * in its own files), with the session time zone pinned to UTC so dates and timestamps are the
 * same on every machine. Values come back JSON-safe: BIGINTs as numbers when exact (else
 * strings), timestamps as ISO 8601 strings.
 */
export interface DuckEngine {
  connection(): Promise<DuckDBConnection>;
  /** Runs a statement. */
  run(sql: string): Promise<void>;
  /** Runs a query and returns JSON-safe row objects. */
  rows(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Streams JSON-safe row objects chunk by chunk. */
  stream(sql: string): AsyncIterable<Array<Record<string, unknown>>>;
  close(): void;
}

/** Converts a DuckDB JS value to a JSON-safe value. */
export function jsonSafe(value: unknown): unknown {
  if (typeof value === 'bigint') return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(jsonSafe);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v);
    return out;
  }
  return value;
}

const safeRow = (row: Record<string, unknown>) => {
  const out: Record<string, unknown> = {};
  for (const k in row) out[k] = jsonSafe(row[k]);
  return out;
};

/** Creates the lazily-started engine. */
export function createDuckEngine(): DuckEngine {
  let instance: DuckDBInstance | undefined;
  let conn: Promise<DuckDBConnection> | undefined;
  const connection = () =>
    (conn ??= (async () => {
      try {
        const { DuckDBInstance } = await import('@duckdb/node-api');
        instance = await DuckDBInstance.create(':memory:');
        const c = await instance.connect();
        await c.run(`SET TimeZone = 'UTC'`);
        return c;
      } catch (error) {
        conn = undefined;
        throw new VerityError('BACKEND_UNAVAILABLE', `DuckDB could not start: ${(error as Error).message}`, { cause: error });
      }
    })());
  return {
    connection,
    async run(sql) {
      await (await connection()).run(sql);
    },
    async rows(sql) {
      const reader = await (await connection()).runAndReadAll(sql);
      return reader.getRowObjectsJS().map(safeRow);
    },
    async *stream(sql) {
      const result = await (await connection()).stream(sql);
      for await (const rows of result.yieldRowObjectJs()) yield rows.map(safeRow);
    },
    close() {
      if (!conn) return;
      const pending = conn;
      conn = undefined;
      void pending.then((c) => {
        c.closeSync();
        instance?.closeSync();
        instance = undefined;
      }, () => undefined);
    },
  };
}
