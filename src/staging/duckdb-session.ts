import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { VerityError } from '../errors.js';

/** A DuckDB connection with the settings staging and features rely on (UTC session time zone). */
export interface DuckDBSession {
  readonly connection: DuckDBConnection;
  /** Runs a statement. */
  run(sql: string): Promise<void>;
  /** Runs a query and returns its rows as plain JS objects (BIGINT as bigint, timestamps as Date). */
  all(sql: string): Promise<Record<string, unknown>[]>;
  /** Closes the connection and instance (safe twice). */
  close(): void;
}

/**
 * Opens an in-memory DuckDB session. `threads` defaults to DuckDB's own choice; writers that must
 * produce identical bytes run their COPY with an explicit ORDER BY.
 */
export async function openDuckDBSession(options: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDBSession> {
  let instance: DuckDBInstance;
  try {
    instance = await DuckDBInstance.create(':memory:');
  } catch (error) {
    throw new VerityError('BACKEND_UNAVAILABLE', `Cannot start DuckDB: ${(error as Error).message}`, { cause: error });
  }
  const connection = await instance.connect();
  await connection.run("SET TimeZone='UTC'");
  if (options.threads) await connection.run(`SET threads=${Math.max(1, Math.floor(options.threads))}`);
  if (options.memoryLimit) await connection.run(`SET memory_limit='${options.memoryLimit.replace(/'/g, '')}'`);
  let closed = false;
  return {
    connection,
    async run(sql) {
      try {
        await connection.run(sql);
      } catch (error) {
        throw new VerityError('INTERNAL', `DuckDB statement failed: ${(error as Error).message}`, { cause: error, details: { sql } });
      }
    },
    async all(sql) {
      try {
        const reader = await connection.runAndReadAll(sql);
        return reader.getRowObjectsJS();
      } catch (error) {
        throw new VerityError('INTERNAL', `DuckDB query failed: ${(error as Error).message}`, { cause: error, details: { sql } });
      }
    },
    close() {
      if (closed) return;
      closed = true;
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** Quotes a string as a SQL literal. */
export function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Quotes an identifier. */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
