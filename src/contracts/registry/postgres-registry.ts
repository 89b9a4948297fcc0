/**
 * The PostgreSQL registry for teams: versions in a table with a primary key on (entity, version),
 * so concurrent publishers cannot both create the same version. `pg` is loaded only here, lazily.
 */
import { VerityError } from '../../errors.js';
import { createRegistry, type RegistryOptions } from './create-registry.js';
import type { Registry, RegistryEntry, RegistryStore } from './registry.js';

/** Options for {@link createPostgresRegistry}. */
export interface PostgresRegistryOptions extends RegistryOptions {
  /** Connection string, e.g. `postgres://user@127.0.0.1:5432/verity`. */
  url: string;
  /** The schema holding the registry tables (default `verity_registry`); created if absent. */
  schema?: string;
}

interface PgPool {
  query(text: string, values?: unknown[]): Promise<{ rows: any[]; rowCount: number | null }>;
  end(): Promise<void>;
}

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Creates a registry stored in PostgreSQL. Connects on first use; `close()` ends the pool.
 * @example
 * const registry = createPostgresRegistry({ url: 'postgres://127.0.0.1:5432/verity' });
 */
export function createPostgresRegistry(options: PostgresRegistryOptions): Registry {
  const schema = options.schema ?? 'verity_registry';
  if (!IDENT.test(schema)) throw new VerityError('INVALID_ARGUMENT', `Invalid PostgreSQL schema name "${schema}": use lower-case letters, digits and _.`);
  let pool: Promise<PgPool> | undefined;
  const connect = (): Promise<PgPool> => {
    pool ??= (async () => {
      try {
        const pg = await import('pg');
        const Pool = (pg.default?.Pool ?? (pg as unknown as { Pool: typeof pg.default.Pool }).Pool);
        const p = new Pool({ connectionString: options.url, max: 4 }) as unknown as PgPool;
        await p.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
        await p.query(`CREATE TABLE IF NOT EXISTS ${schema}.contract_versions (
          entity text NOT NULL, version text NOT NULL, digest text NOT NULL, published_at timestamptz NOT NULL,
          actor text NOT NULL, document jsonb NOT NULL, PRIMARY KEY (entity, version))`);
        await p.query(`CREATE TABLE IF NOT EXISTS ${schema}.contract_subjects (entity text PRIMARY KEY, mode text NOT NULL, policy text NOT NULL)`);
        return p;
      } catch (error) {
        pool = undefined;
        throw new VerityError('BACKEND_UNAVAILABLE', `Cannot use the PostgreSQL registry at ${options.url.replace(/\/\/[^@]*@/, '//***@')}: ${(error as Error).message}`, { cause: error });
      }
    })();
    return pool;
  };
  const query = async (text: string, values?: unknown[]) => {
    const p = await connect();
    try {
      return await p.query(text, values);
    } catch (error) {
      if ((error as { code?: string }).code === '23505') throw error;
      throw new VerityError('BACKEND_UNAVAILABLE', `PostgreSQL registry query failed: ${(error as Error).message}`, { cause: error });
    }
  };
  const toEntry = (r: any): RegistryEntry => ({
    entity: r.entity,
    version: r.version,
    digest: r.digest,
    published_at: new Date(r.published_at).toISOString(),
    actor: r.actor,
    document: r.document,
  });
  const store: RegistryStore = {
    capabilities: { shared: true },
    async list(entity) {
      return (await query(`SELECT * FROM ${schema}.contract_versions WHERE entity = $1`, [entity])).rows.map(toEntry);
    },
    async insert(entry) {
      try {
        await query(`INSERT INTO ${schema}.contract_versions (entity, version, digest, published_at, actor, document) VALUES ($1, $2, $3, $4, $5, $6)`, [
          entry.entity,
          entry.version,
          entry.digest,
          entry.published_at,
          entry.actor,
          JSON.stringify(entry.document),
        ]);
        return true;
      } catch (error) {
        if ((error as { code?: string }).code === '23505') return false;
        throw error;
      }
    },
    async entities() {
      const rows = (await query(`SELECT entity FROM ${schema}.contract_versions UNION SELECT entity FROM ${schema}.contract_subjects`)).rows;
      return rows.map((r) => String(r.entity));
    },
    async getConfig(entity) {
      const row = (await query(`SELECT mode, policy FROM ${schema}.contract_subjects WHERE entity = $1`, [entity])).rows[0];
      return row ? ({ mode: row.mode, policy: row.policy }) : undefined;
    },
    async putConfig(entity, config) {
      await query(`INSERT INTO ${schema}.contract_subjects (entity, mode, policy) VALUES ($1, $2, $3) ON CONFLICT (entity) DO UPDATE SET mode = EXCLUDED.mode, policy = EXCLUDED.policy`, [entity, config.mode, config.policy]);
    },
    async close() {
      const p = pool;
      pool = undefined;
      if (p) await (await p.catch(() => undefined))?.end();
    },
  };
  return createRegistry(store, options);
}
