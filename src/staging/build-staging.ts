import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { DuckDBAppender } from '@duckdb/node-api';
import type { Envelope } from '../envelope.js';
import { VerityError } from '../errors.js';
import { zoneDataset } from '../lineage/dataset-names.js';
import type { LineageDataset, LineageEmitter } from '../lineage/lineage-emitter.js';
import { columnLineageFacet, schemaFacet } from '../lineage/openlineage-facets.js';
import { RAW_COLUMNS } from '../lake/lake-sql.js';
import { runWithLineage } from '../lineage/run-with-lineage.js';
import { canonicalKey } from './canonical.js';
import { openDuckDBSession, sqlString, type DuckDBSession } from './duckdb-session.js';
import { foldRecordHistory, rowToEnvelope, type StagingRow } from './fold-history.js';
import type { RawEventSource } from './raw-event-source.js';
import { STAGING_COLUMNS, rowFromLoad, stagingLoadTableSql, stagingSelectAsLoad, stagingSelectFromLoad } from './staging-schema.js';

/** Options for {@link buildStaging}. */
export interface BuildStagingOptions {
  /** Where raw envelopes come from (the lake, or an in-memory source in tests). */
  source: RawEventSource;
  /** The lake directory; staging lives in `<dir>/staging/`. */
  dir: string;
  /** Key buckets per (entity, tenant): an incremental run rewrites only buckets with changed keys. Default 8; fixed at the first build. */
  buckets?: number;
  /** Rebuild from position 0, discarding existing staging files. */
  full?: boolean;
  /** Reports the build as an OpenLineage `staging.build` run (raw zones in, staging zones out). */
  lineage?: LineageEmitter;
}

/** What {@link buildStaging} did. */
export interface BuildStagingResult {
  /** The `ingest_seq` range processed in this run (empty when nothing new). */
  fromSeq: number;
  toSeq: number;
  /** Raw events read. */
  events: number;
  /** Records (keys) whose history was refolded. */
  keys: number;
  /** Staging files rewritten (relative to the lake dir). */
  files: string[];
}

/** The checkpoint staging keeps in `<dir>/staging/_checkpoint.json`. */
export interface StagingCheckpoint {
  format: 1;
  lastSeq: number;
  buckets: number;
}

/** The staging directory of a lake dir. */
export function stagingDir(lakeDir: string): string {
  return join(lakeDir, 'staging');
}

/** The Parquet glob of one entity's staging files (all tenants). */
export function stagingGlob(lakeDir: string, entity: string): string {
  return join(stagingDir(lakeDir), `entity=${entity}`, '*', '*.parquet');
}

/** Reads the staging checkpoint, or undefined before the first build. */
export function readStagingCheckpoint(lakeDir: string): StagingCheckpoint | undefined {
  const file = join(stagingDir(lakeDir), '_checkpoint.json');
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StagingCheckpoint;
  } catch (error) {
    throw new VerityError('IO_ERROR', `Staging checkpoint ${file} is unreadable; rebuild with \`verity staging build --full\`.`, { cause: error });
  }
}

function bucketOf(key: string, buckets: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % buckets;
}

const SAFE = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * Replays raw envelopes into canonical history per entity (DESIGN.md section 6), as Parquet under
 * `<dir>/staging/entity=<entity>/tenant=<tenant>/part-NN.parquet`.
 *
 * Incremental: only raw positions after the checkpoint are read; the records they touch are
 * refolded from their existing staging rows (which keep each event's payload) plus the new events,
 * and only the buckets holding them are rewritten. Files are sorted by (key, version, known_from) and
 * written single-threaded, so the same raw zone always gives identical bytes, whether built in one
 * run or many. Idempotent: an event already in staging (same `event_id`) is not applied twice, so a
 * run interrupted before its checkpoint is simply repeated.
 * @example
 * const result = await buildStaging({ source: lake, dir: '.verity' });
 */
export async function buildStaging(options: BuildStagingOptions): Promise<BuildStagingResult> {
  return runWithLineage(options.lineage, { job: 'staging.build' }, () => buildStagingNow(options), (result) => ({
    job: 'staging.build',
    ...stagingDatasets(options.dir, result),
    facets: { verity_staging: { fromSeq: result.fromSeq, toSeq: result.toSeq, events: result.events, keys: result.keys, files: result.files.length } },
  }));
}

/** The raw columns a staging column is computed from, where the names differ. */
const STAGING_FROM_RAW: Record<string, string[]> = {
  key: ['entity_key'],
  version: ['event_time', 'source_position', 'ingest_seq'],
  is_deleted: ['op'],
  merged_into_key: ['merged_into'],
  valid_from: ['event_time'],
  valid_to: ['event_time'],
  known_from: ['ingest_time'],
  known_to: ['ingest_time'],
  knowledge_seq: ['ingest_seq'],
  record: ['payload', 'changed_fields', 'op'],
};

/** Raw zones in, staging zones (with their schema and column lineage) out, for the partitions a build rewrote. */
function stagingDatasets(lakeDir: string, result: BuildStagingResult): { inputs: LineageDataset[]; outputs: LineageDataset[] } {
  const parts = new Map<string, { tenant: string; entity: string }>();
  for (const f of result.files) {
    const m = /entity=([^/]+)\/tenant=([^/]+)\//.exec(f);
    if (m) parts.set(`${m[1]}\u0000${m[2]}`, { entity: m[1]!, tenant: m[2]! });
  }
  const schema = schemaFacet(STAGING_COLUMNS.map((c) => ({ name: c.name, type: c.type })));
  return {
    inputs: [...parts.values()].map((p) => zoneDataset(lakeDir, 'raw', p.tenant, p.entity)),
    outputs: [...parts.values()].map((p) => {
      const raw = zoneDataset(lakeDir, 'raw', p.tenant, p.entity);
      const columns: Parameters<typeof columnLineageFacet>[0] = {};
      for (const c of STAGING_COLUMNS) {
        const from = STAGING_FROM_RAW[c.name] ?? (RAW_COLUMNS.includes(c.name as (typeof RAW_COLUMNS)[number]) ? [c.name] : []);
        if (from.length) columns[c.name] = { inputFields: from.map((field) => ({ namespace: raw.namespace, name: raw.name, field })) };
      }
      return { ...zoneDataset(lakeDir, 'staging', p.tenant, p.entity), facets: { schema, columnLineage: columnLineageFacet(columns) } };
    }),
  };
}

async function buildStagingNow(options: BuildStagingOptions): Promise<BuildStagingResult> {
  const root = stagingDir(options.dir);
  if (options.full) rmSync(root, { recursive: true, force: true });
  const checkpoint = readStagingCheckpoint(options.dir);
  const buckets = checkpoint?.buckets ?? options.buckets ?? 8;
  const fromSeq = (checkpoint?.lastSeq ?? 0) + 1;
  const toSeq = options.source.lastSeq();
  const result: BuildStagingResult = { fromSeq, toSeq, events: 0, keys: 0, files: [] };
  if (toSeq < fromSeq) return result;

  // entity → tenant → bucket → key → new events
  const groups = new Map<string, Map<number, Map<string, Envelope[]>>>();
  for await (const e of options.source.scanRaw({ fromSeq, toSeq })) {
    if (!SAFE.test(e.entity) || !SAFE.test(e.tenant_id)) {
      throw new VerityError('UNPROCESSABLE', `Raw event ${e.event_id} has an entity or tenant name unusable in a path ("${e.entity}", "${e.tenant_id}").`);
    }
    result.events++;
    const part = `${e.entity}\u0000${e.tenant_id}`;
    const key = canonicalKey(e.entity_key);
    const b = bucketOf(key, buckets);
    let byBucket = groups.get(part);
    if (!byBucket) groups.set(part, (byBucket = new Map()));
    let byKey = byBucket.get(b);
    if (!byKey) byBucket.set(b, (byKey = new Map()));
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(e);
  }

  const db = await openDuckDBSession({ threads: 1 });
  try {
    for (const part of [...groups.keys()].sort()) {
      const [entity, tenant] = part.split('\u0000') as [string, string];
      const byBucket = groups.get(part)!;
      for (const b of [...byBucket.keys()].sort((x, y) => x - y)) {
        const rel = join('staging', `entity=${entity}`, `tenant=${tenant}`, `part-${String(b).padStart(2, '0')}.parquet`);
        await rewriteBucket(db, join(options.dir, rel), byBucket.get(b)!);
        result.keys += byBucket.get(b)!.size;
        result.files.push(rel);
      }
    }
  } finally {
    db.close();
  }
  mkdirSync(root, { recursive: true });
  const cp: StagingCheckpoint = { format: 1, lastSeq: toSeq, buckets };
  const tmp = join(root, '_checkpoint.json.tmp');
  writeFileSync(tmp, JSON.stringify(cp, null, 2) + '\n');
  renameSync(tmp, join(root, '_checkpoint.json'));
  return result;
}

async function rewriteBucket(db: DuckDBSession, file: string, newEvents: Map<string, Envelope[]>): Promise<void> {
  const exists = existsSync(file);
  await db.run('CREATE OR REPLACE TEMP TABLE affected (key VARCHAR)');
  await appendRows(db, 'affected', [...newEvents.keys()].map((k) => [k]), ['VARCHAR']);
  const history = new Map<string, Envelope[]>();
  if (exists) {
    const old = await db.all(
      `SELECT ${stagingSelectAsLoad()} FROM read_parquet(${sqlString(file)}, hive_partitioning=false) WHERE key IN (SELECT key FROM affected) ORDER BY key, version, known_from`,
    );
    for (const raw of old) {
      const row = rowFromLoad(raw);
      let list = history.get(row.key);
      if (!list) history.set(row.key, (list = []));
      if (list.at(-1)?.event_id !== row.event_id && !list.some((e) => e.event_id === row.event_id)) list.push(rowToEnvelope(row));
    }
  }
  const rows: StagingRow[] = [];
  for (const [key, events] of newEvents) {
    const all = history.get(key) ?? [];
    const seen = new Set(all.map((e) => e.event_id));
    for (const e of events) {
      if (seen.has(e.event_id)) continue;
      all.push(e);
      seen.add(e.event_id);
    }
    rows.push(...foldRecordHistory(all));
  }
  await db.run(stagingLoadTableSql('new_rows'));
  await appendRows(
    db,
    'new_rows',
    rows.map((r) => STAGING_COLUMNS.map((c) => r[c.name])),
    STAGING_COLUMNS.map((c) => (c.type === 'TIMESTAMPTZ' ? 'BIGINT' : c.type)),
  );
  const columns = STAGING_COLUMNS.map((c) => c.name).join(', ');
  const oldPart = exists
    ? `SELECT ${columns} FROM read_parquet(${sqlString(file)}, hive_partitioning=false) WHERE key NOT IN (SELECT key FROM affected) UNION ALL `
    : '';
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  await db.run(
    `COPY (SELECT * FROM (${oldPart}SELECT ${stagingSelectFromLoad()} FROM new_rows) ORDER BY key, version, known_from) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`,
  );
  renameSync(tmp, file);
}

type ColumnType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'BOOLEAN';

async function appendRows(db: DuckDBSession, table: string, rows: unknown[][], types: ColumnType[]): Promise<void> {
  const appender: DuckDBAppender = await db.connection.createAppender(table);
  try {
    for (const row of rows) {
      for (let i = 0; i < types.length; i++) {
        const v = row[i];
        if (v === null || v === undefined) appender.appendNull();
        else if (types[i] === 'VARCHAR') appender.appendVarchar(String(v));
        else if (types[i] === 'INTEGER') appender.appendInteger(Number(v));
        else if (types[i] === 'BIGINT') appender.appendBigInt(BigInt(v as number));
        else appender.appendBoolean(Boolean(v));
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
