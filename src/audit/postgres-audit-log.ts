import pg from 'pg';
import { VerityError } from '../errors.js';
import type { Signer, Verifier } from '../keys/signer.js';
import type { AuditFact } from './audit-sink.js';
import { decodeEntry, encodeEntry } from './audit-entry.js';
import type { AuditLog, ConsistencyProof, InclusionProof, SignedTreeHead } from './audit-log.js';
import { appendNodes, consistencyProof, EMPTY_ROOT, hashLeaf, inclusionProof, nodesRead, rootHash, type NodeReader } from './merkle.js';
import { signTreeHead } from './tree-head.js';
import { verifyAuditStream, type StoredEntry } from './verify-audit-log.js';

/** Options for {@link createPostgresAuditLog}. */
export interface PostgresAuditLogOptions {
  /** Connection string, e.g. `postgres://user@host:5432/db`. */
  url: string;
  /** Schema holding the tables (default `verity_audit`); created if absent. */
  schema?: string;
  signer?: Signer;
  verifier?: Verifier;
  clock?: () => Date;
  /** Pool size (default 4). */
  maxConnections?: number;
}

const PAGE = 5000;
type Queryable = pg.Pool | pg.PoolClient;

/**
 * The audit log in PostgreSQL, for teams: several processes may append (a transaction-scoped
 * advisory lock serialises appends); entries, perfect-subtree hashes and signed heads are rows.
 * Proofs fetch only the O(log n) subtree hashes they need in one query.
 * @example const log = createPostgresAuditLog({ url: 'postgres://postgres@127.0.0.1/verity', signer });
 */
export function createPostgresAuditLog(options: PostgresAuditLogOptions): AuditLog {
  const schema = options.schema ?? 'verity_audit';
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new VerityError('INVALID_ARGUMENT', `Audit schema name "${schema}" must be a lower-case SQL identifier.`);
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 4 });
  pool.on('error', () => undefined); // idle-client errors surface on the next query instead of crashing the process
  const clock = options.clock ?? (() => new Date());
  const verifier = options.verifier ?? options.signer;
  const t = (name: string) => `"${schema}"."${name}"`;
  let ready: Promise<void> | undefined;
  let closed = false;

  const wrap = (error: unknown, what: string): VerityError =>
    error instanceof VerityError ? error : new VerityError('BACKEND_UNAVAILABLE', `PostgreSQL audit log (${schema}): ${what} failed: ${(error as Error).message}`, { cause: error });

  const init = () =>
    (ready ??= (async () => {
      try {
        const c = await pool.connect();
        try {
          await c.query('SELECT pg_advisory_lock(hashtext($1))', [`verity-audit-ddl:${schema}`]);
          await c.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
          await c.query(`CREATE TABLE IF NOT EXISTS ${t('entries')} (idx bigint PRIMARY KEY, body bytea NOT NULL)`);
          await c.query(`CREATE TABLE IF NOT EXISTS ${t('nodes')} (level smallint NOT NULL, idx bigint NOT NULL, hash bytea NOT NULL, PRIMARY KEY (level, idx))`);
          await c.query(`CREATE TABLE IF NOT EXISTS ${t('heads')} (tree_size bigint PRIMARY KEY, root_hash text NOT NULL, "timestamp" text NOT NULL, envelope jsonb)`);
          await c.query('SELECT pg_advisory_unlock(hashtext($1))', [`verity-audit-ddl:${schema}`]);
        } finally {
          c.release();
        }
      } catch (error) {
        ready = undefined;
        throw wrap(error, 'creating the tables');
      }
    })());

  const ensureOpen = () => {
    if (closed) throw new VerityError('UNAVAILABLE', `PostgreSQL audit log (${schema}) is closed.`);
  };

  async function sizeOf(q: Queryable): Promise<number> {
    const r = await q.query(`SELECT coalesce(max(idx) + 1, 0)::text AS n FROM ${t('entries')}`);
    return Number(r.rows[0].n);
  }

  async function fetchNodes(q: Queryable, keys: Array<[number, number]>): Promise<Map<string, Buffer>> {
    const map = new Map<string, Buffer>();
    if (keys.length === 0) return map;
    const r = await q.query(`SELECT n.level, n.idx::text AS idx, n.hash FROM ${t('nodes')} n JOIN unnest($1::smallint[], $2::bigint[]) AS k(level, idx) ON n.level = k.level AND n.idx = k.idx`, [
      keys.map((k) => k[0]),
      keys.map((k) => String(k[1])),
    ]);
    for (const row of r.rows) map.set(`${row.level}:${row.idx}`, row.hash as Buffer);
    return map;
  }

  /** Runs a Merkle computation against stored nodes: finds the nodes it reads, fetches them in one query, runs it. */
  async function compute<T>(q: Queryable, fn: (read: NodeReader) => T, extra?: Map<string, Buffer>): Promise<T> {
    const keys = nodesRead(fn).filter(([l, i]) => !extra?.has(`${l}:${i}`));
    const map = await fetchNodes(q, keys);
    return fn((l, i) => {
      const h = extra?.get(`${l}:${i}`) ?? map.get(`${l}:${i}`);
      if (!h) throw new VerityError('INTEGRITY_FAILED', `PostgreSQL audit log (${schema}): subtree hash (level ${l}, index ${i}) is missing. Run \`verity audit verify\`.`);
      return h;
    });
  }

  async function currentHead(q: Queryable): Promise<SignedTreeHead> {
    const r = await q.query(`SELECT tree_size::text AS size, root_hash, "timestamp", envelope FROM ${t('heads')} ORDER BY tree_size DESC LIMIT 1`);
    return r.rows[0] ? rowToHead(r.rows[0]) : { tree_size: 0, root_hash: EMPTY_ROOT.toString('hex'), timestamp: new Date(0).toISOString() };
  }

  const checkRange = async (size: number) => {
    const n = await sizeOf(pool);
    if (!Number.isSafeInteger(size) || size < 0 || size > n) throw new VerityError('INVALID_ARGUMENT', `Tree size ${size} is outside the audit log (size ${n}).`);
    return n;
  };

  const log: AuditLog = {
    capabilities: { sharedWriters: true, durable: true },

    async append(facts: AuditFact[]) {
      ensureOpen();
      if (!Array.isArray(facts) || facts.length === 0) throw new VerityError('INVALID_ARGUMENT', 'Audit append needs at least one fact.');
      facts.forEach((f, i) => encodeEntry(i, f)); // validate before touching the database
      await init();
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        throw wrap(error, 'connecting');
      }
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`verity-audit:${schema}`]);
        const firstIndex = await sizeOf(client);
        const bodies = facts.map((f, i) => encodeEntry(firstIndex + i, f));
        const leaves = bodies.map((b) => hashLeaf(b));
        const nodes = await compute(client, (read) => appendNodes(read, firstIndex, leaves));
        await client.query(`INSERT INTO ${t('entries')} (idx, body) SELECT * FROM unnest($1::bigint[], $2::bytea[])`, [bodies.map((_, i) => String(firstIndex + i)), bodies]);
        await client.query(`INSERT INTO ${t('nodes')} (level, idx, hash) SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::bytea[])`, [
          nodes.map((n) => n.level),
          nodes.map((n) => String(n.index)),
          nodes.map((n) => n.hash),
        ]);
        const size = firstIndex + bodies.length;
        const fresh = new Map(nodes.map((n) => [`${n.level}:${n.index}`, n.hash]));
        const root = await compute(client, (read) => rootHash(read, size), fresh);
        const head = signTreeHead({ tree_size: size, root_hash: root.toString('hex'), timestamp: clock().toISOString() }, options.signer);
        await client.query(`INSERT INTO ${t('heads')} (tree_size, root_hash, "timestamp", envelope) VALUES ($1, $2, $3, $4)`, [String(size), head.root_hash, head.timestamp, head.envelope ? JSON.stringify(head.envelope) : null]);
        await client.query('COMMIT');
        return { firstIndex, head };
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw wrap(error, 'appending');
      } finally {
        client.release();
      }
    },

    async size() {
      ensureOpen();
      await init();
      return sizeOf(pool);
    },

    async head() {
      ensureOpen();
      await init();
      return currentHead(pool);
    },

    async *heads() {
      ensureOpen();
      await init();
      const r = await pool.query(`SELECT tree_size::text AS size, root_hash, "timestamp", envelope FROM ${t('heads')} ORDER BY tree_size`);
      for (const row of r.rows) yield rowToHead(row);
    },

    async entry(index) {
      ensureOpen();
      await init();
      const r = await pool.query(`SELECT body FROM ${t('entries')} WHERE idx = $1`, [String(index)]);
      if (!r.rows[0]) throw new VerityError('NOT_FOUND', `Audit entry ${index} does not exist (the log has ${await sizeOf(pool)} entries).`);
      return decodeEntry(r.rows[0].body as Buffer, index);
    },

    async *entries(range = {}) {
      ensureOpen();
      await init();
      let from = Math.max(0, range.from ?? 0);
      const to = range.to ?? Number.MAX_SAFE_INTEGER;
      for (;;) {
        const r = await pool.query(`SELECT idx::text AS i, body FROM ${t('entries')} WHERE idx >= $1 AND idx < $2 ORDER BY idx LIMIT ${PAGE}`, [String(from), String(to)]);
        for (const row of r.rows) yield decodeEntry(row.body as Buffer, Number(row.i));
        if (r.rows.length < PAGE) return;
        from = Number(r.rows[r.rows.length - 1].i) + 1;
      }
    },

    async inclusionProof(index, treeSize) {
      ensureOpen();
      await init();
      const size = treeSize ?? (await sizeOf(pool));
      await checkRange(size);
      if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new VerityError('NOT_FOUND', `Audit entry ${index} is not in the tree of size ${size}.`);
      const result: InclusionProof = await compute(pool, (read) => ({
        index,
        tree_size: size,
        leaf_hash: Buffer.from(read(0, index)).toString('hex'),
        root_hash: rootHash(read, size).toString('hex'),
        proof: inclusionProof(read, index, size).map((p) => p.toString('hex')),
      }));
      return result;
    },

    async consistencyProof(size1, size2) {
      ensureOpen();
      await init();
      const second = size2 ?? (await sizeOf(pool));
      await checkRange(second);
      if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > second) throw new VerityError('INVALID_ARGUMENT', `Tree size ${size1} must be between 0 and ${second}.`);
      const result: ConsistencyProof = await compute(pool, (read) => ({
        size1,
        size2: second,
        root1: rootHash(read, size1).toString('hex'),
        root2: rootHash(read, second).toString('hex'),
        proof: consistencyProof(read, size1, second).map((p) => p.toString('hex')),
      }));
      return result;
    },

    async verify() {
      ensureOpen();
      await init();
      const heads: SignedTreeHead[] = [];
      for await (const h of log.heads()) heads.push(h);
      let pageNodes = new Map<string, Buffer>();
      async function* stream(): AsyncGenerator<StoredEntry> {
        let from = 0;
        for (;;) {
          const r = await pool.query(`SELECT idx::text AS i, body FROM ${t('entries')} WHERE idx >= $1 ORDER BY idx LIMIT ${PAGE}`, [String(from)]);
          if (r.rows.length === 0) return;
          const last = Number(r.rows[r.rows.length - 1].i);
          // The nodes whose last leaf falls in this page: the ones the verifier checks while reading it.
          const levels: number[] = [];
          const lo: string[] = [];
          const hi: string[] = [];
          for (let l = 0; 2 ** l <= last + 1; l++) {
            levels.push(l);
            lo.push(String(Math.max(0, Math.ceil((from + 1) / 2 ** l) - 1)));
            hi.push(String(Math.floor((last + 1) / 2 ** l) - 1));
          }
          const nr = await pool.query(`SELECT n.level, n.idx::text AS idx, n.hash FROM ${t('nodes')} n JOIN unnest($1::smallint[], $2::bigint[], $3::bigint[]) AS k(level, lo, hi) ON n.level = k.level AND n.idx BETWEEN k.lo AND k.hi`, [levels, lo, hi]);
          pageNodes = new Map(nr.rows.map((row) => [`${row.level}:${row.idx}`, row.hash as Buffer]));
          for (const row of r.rows) {
            const index = Number(row.i);
            const stored = pageNodes.get(`0:${index}`);
            yield { index, bytes: row.body as Buffer, ...(stored ? { storedLeafHash: stored } : {}) };
          }
          from = last + 1;
        }
      }
      return verifyAuditStream({ entries: stream(), heads, verifier, storedNode: (l, i) => pageNodes.get(`${l}:${i}`) });
    },

    async close() {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
  return log;
}

function rowToHead(row: { size: string; root_hash: string; timestamp: string; envelope: unknown }): SignedTreeHead {
  return {
    tree_size: Number(row.size),
    root_hash: row.root_hash,
    timestamp: row.timestamp,
    ...(row.envelope ? { envelope: row.envelope as NonNullable<SignedTreeHead['envelope']> } : {}),
  };
}
