import { VerityError } from '../errors.js';
import type { LakeCore } from './lake-core.js';
import { zoneRelation } from './lake-sql.js';
import type { LakeStats, LakeStatsRow } from './types.js';

/** SQL over the lake: the `raw_events` and `quarantine_events` views, and stats. */
export interface LakeQuery {
  /** Refreshes the views to what is durable now and runs `sql`. */
  query(sql: string): Promise<Array<Record<string, unknown>>>;
  stats(): Promise<LakeStats>;
  /** Refreshes the views (used by the quarantine zone). */
  refresh(): Promise<void>;
}

/** The largest SQL text accepted. */
const MAX_SQL = 1_000_000;

/** Builds the query side of a lake. */
export function createLakeQuery(core: LakeCore): LakeQuery {
  let refreshed = '';
  async function refresh(): Promise<void> {
    const lower = core.catalog.compactedThrough;
    const upper = core.durableSeq;
    const segments = core.log.segments().filter((s) => s.bytes > 0 && s.maxSeq > lower).map((s) => s.path);
    const parquet = (zone: string) => core.catalog.files.filter((f) => f.zone === zone).map((f) => `${core.dir}/${f.path}`);
    const key = `${lower}|${upper}|${segments.join(',')}|${core.catalog.files.length}|${core.index.replayedCount()}`;
    if (key === refreshed) return;
    if (core.replaysLoaded !== core.index.replayedCount()) {
      await core.engine.run(`CREATE OR REPLACE TEMP TABLE verity_replays (quarantine_seq BIGINT, replayed_seq BIGINT)`);
      const pairs = core.index.replayedPairs();
      for (let i = 0; i < pairs.length; i += 10_000) {
        const values = pairs.slice(i, i + 10_000).map(([q, s]) => `(${q}, ${s})`).join(', ');
        await core.engine.run(`INSERT INTO verity_replays VALUES ${values}`);
      }
      core.replaysLoaded = pairs.length;
    }
    await core.engine.run(`CREATE OR REPLACE TEMP VIEW raw_events AS ${zoneRelation('raw', parquet('raw'), segments, lower, upper)}`);
    await core.engine.run(
      `CREATE OR REPLACE TEMP VIEW quarantine_events AS SELECT q.*, r.replayed_seq FROM (${zoneRelation('quarantine', parquet('quarantine'), segments, lower, upper)}) q LEFT JOIN verity_replays r ON r.quarantine_seq = q.ingest_seq`,
    );
    refreshed = key;
  }
  return {
    refresh,
    async query(sql) {
      if (typeof sql !== 'string' || sql.trim().length === 0) throw new VerityError('INVALID_ARGUMENT', 'lake.query: give a SQL statement, e.g. SELECT count(*) FROM raw_events.');
      if (sql.length > MAX_SQL) throw new VerityError('INVALID_ARGUMENT', `lake.query: SQL longer than ${MAX_SQL} characters.`);
      await refresh();
      try {
        return await core.engine.rows(sql);
      } catch (error) {
        if (error instanceof VerityError) throw error;
        throw new VerityError('INVALID_ARGUMENT', `SQL failed: ${(error as Error).message.split('\n')[0]}. Views: raw_events, quarantine_events.`, { cause: error });
      }
    },
    async stats() {
      await refresh();
      const rows = (await core.engine.rows(
        `SELECT 'raw' AS zone, tenant_id, entity, count(*) AS events FROM raw_events GROUP BY ALL
         UNION ALL SELECT 'quarantine' AS zone, tenant_id, entity, count(*) AS events FROM quarantine_events GROUP BY ALL
         ORDER BY zone DESC, tenant_id, entity`,
      )) as unknown as LakeStatsRow[];
      const pending = Number((await core.engine.rows(`SELECT count(*) AS n FROM quarantine_events WHERE replayed_seq IS NULL`))[0]!.n);
      const segments = core.log.segments();
      const sum = (zone: string) => rows.filter((r) => r.zone === zone).reduce((n, r) => n + Number(r.events), 0);
      return {
        dir: core.dir,
        lastSeq: core.durableSeq,
        compactedThrough: core.catalog.compactedThrough,
        rows: rows.map((r) => ({ ...r, events: Number(r.events) })),
        totals: { raw: sum('raw'), quarantine: sum('quarantine'), quarantinePending: pending },
        files: {
          parquet: core.catalog.files.length,
          parquetBytes: core.catalog.files.reduce((n, f) => n + f.bytes, 0),
          segments: segments.length,
          segmentBytes: segments.reduce((n, s) => n + s.bytes, 0),
        },
        eventIds: core.index.seenCount(),
        ...(core.backgroundError !== undefined ? { backgroundCompactionError: core.backgroundError } : {}),
      };
    },
  };
}
