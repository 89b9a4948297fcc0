import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { VerityError, toVerityError } from '../errors.js';
import { writeCatalog, type Catalog } from './catalog.js';
import { fsyncDirectory, writeFileAtomic } from './fs-util.js';
import type { LineageDataset } from '../lineage/lineage-emitter.js';
import { zoneDataset } from '../lineage/dataset-names.js';
import { DatasetTally } from './lake-lineage.js';
import type { LakeCore } from './lake-core.js';
import { QUARANTINE_COLUMNS, RAW_COLUMNS, quarantineFromLog, rawFromLog, sqlString } from './lake-sql.js';
import type { CatalogFile, CompactionReport } from './types.js';

/**
 * Compaction: sealed log segments → Parquet, partitioned
 * `raw/tenant=…/entity=…/date=<event_time date>/part-<minseq>-<maxseq>.parquet` and
 * `quarantine/tenant=…/entity=…/date=<ingest_time date>/…`.
 *
 * Crash safety, step by step: (1) DuckDB writes the files into `tmp/`; (2) each is fsynced,
 * hashed and renamed to its final name, directories fsynced; (3) the catalog is replaced
 * atomically with the new files and `compactedThrough` — the commit point; (4) the index
 * checkpoint is written; (5) the segments are removed. A crash before (3) leaves orphans that
 * the next open deletes and no catalog change, so a re-run compacts the same records again; a
 * crash after (3) leaves segments whose records are at or below `compactedThrough`, which every
 * reader skips and the next open removes once the checkpoint covers them.
 */

const running = new WeakMap<LakeCore, Promise<CompactionReport>>();

/** Compacts every sealed segment (sealing the active one first). One compaction at a time per lake. */
export function compactLake(core: LakeCore): Promise<CompactionReport> {
  const current = running.get(core);
  if (current) return current.then(() => compactLake(core));
  const run = compactOnce(core).finally(() => running.delete(core));
  running.set(core, run);
  return run;
}

/** Resolves when no compaction of this lake is running (errors are the caller's to report elsewhere). */
export async function compactionIdle(core: LakeCore): Promise<void> {
  for (let current = running.get(core); current; current = running.get(core)) await current.catch(() => undefined);
}

/**
 * Starts a compaction in the background when `compactAfterRows` records have been appended since
 * the last one started; a failure is kept in `core.backgroundError` (shown by stats) and retried
 * at the next threshold.
 */
export function maybeCompactInBackground(core: LakeCore, appended: number): void {
  if (core.compactAfterRows === undefined) return;
  core.rowsSinceCompaction += appended;
  if (core.rowsSinceCompaction < core.compactAfterRows || running.has(core)) return;
  core.rowsSinceCompaction = 0;
  compactLake(core).then(
    () => (core.backgroundError = undefined),
    (error: unknown) => (core.backgroundError = (error as Error).message),
  );
}

/** Removes segments whose removal waited for scans, once none is running. */
export async function releaseRemovals(core: LakeCore): Promise<void> {
  if (core.activeScans > 0 || core.pendingRemovals.length === 0) return;
  const numbers = core.pendingRemovals.splice(0);
  await core.log.remove(numbers);
}

const FINALISE_CONCURRENCY = 16;

/** Maps with at most `limit` calls in flight, keeping order. */
async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function compactOnce(core: LakeCore): Promise<CompactionReport> {
  core.assertWritable('compact');
  // Compaction rewrites the zones' storage (log → Parquet), not their content: it reports the zones
  // it wrote with no inputs, so a trace from a zone goes to the runs that wrote its events.
  const runJob = { job: 'lake.compaction', inputs: [] as LineageDataset[], outputs: [] as LineageDataset[] };
  const runId = core.lineage ? await core.lineage.start(runJob) : undefined;
  try {
    const report = await compactSegments(core);
    if (core.lineage && runId !== undefined) {
      const zones = new DatasetTally();
      for (const f of report.files) zones.add(zoneDataset(core.dir, f.zone, f.tenant_id, f.entity), f.rows);
      await core.lineage.complete(runId, {
        job: 'lake.compaction',
        inputs: [],
        outputs: zones.list(true),
        facets: { verity_compaction: { segments: report.segments, rawRows: report.rawRows, quarantineRows: report.quarantineRows, files: report.files.length, compactedThrough: report.compactedThrough } },
      });
    }
    return report;
  } catch (error) {
    const failure = toVerityError(error);
    if (core.lineage && runId !== undefined) await core.lineage.fail(runId, runJob, failure).catch(() => undefined);
    throw failure;
  }
}

async function compactSegments(core: LakeCore): Promise<CompactionReport> {
  await core.log.rotate();
  const lower = core.catalog.compactedThrough;
  const sealed = core.log.segments().slice(0, -1);
  const work = sealed.filter((s) => s.bytes > 0 && s.maxSeq > lower);
  const empty = sealed.filter((s) => !work.includes(s));
  if (work.length === 0) {
    if (empty.length > 0) {
      core.pendingRemovals.push(...empty.map((s) => s.number));
      await releaseRemovals(core);
    }
    return { segments: 0, rawRows: 0, quarantineRows: 0, files: [], compactedThrough: lower };
  }
  const upper = Math.max(...work.map((s) => s.maxSeq));
  const paths = work.map((s) => s.path);
  const tmp = join(core.dir, 'tmp', `compact-${upper}`);
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const files: CatalogFile[] = [];
  const timings: Record<string, number> = {};
  let clock = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = Math.round((timings[name] ?? 0) + now - clock);
    clock = now;
  };
  let rawRows = 0;
  let quarantineRows = 0;
  try {
    const zones = [
      { zone: 'raw' as const, relation: rawFromLog(paths, lower, upper), columns: RAW_COLUMNS, date: `coalesce(strftime(event_time, '%Y-%m-%d'), 'unknown')` },
      { zone: 'quarantine' as const, relation: quarantineFromLog(paths, lower, upper), columns: QUARANTINE_COLUMNS, date: `strftime(ingest_time, '%Y-%m-%d')` },
    ];
    for (const z of zones) {
      const table = `verity_compact_${z.zone}`;
      await core.engine.run(`CREATE OR REPLACE TEMP TABLE ${table} AS ${z.relation}`);
      const count = Number((await core.engine.rows(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
      lap('read_log');
      if (z.zone === 'raw') rawRows = count;
      else quarantineRows = count;
      if (count > 0) {
        const out = join(tmp, z.zone);
        // Many partitions (tenant × entity × day): let DuckDB keep them all open instead of closing and reopening files.
        await core.engine.run(`SET partitioned_write_max_open_files = 100000`);
        await core.engine.run(
          `COPY (SELECT ${z.columns.join(', ')}, tenant_id AS p_tenant, entity AS p_entity, ${z.date} AS p_date FROM ${table})
           TO ${sqlString(out)} (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (p_tenant, p_entity, p_date))`,
        );
        lap('write_parquet');
        const stats = await core.engine.rows(
          `SELECT file_name, min(TRY_CAST(stats_min AS BIGINT)) AS min_seq, max(TRY_CAST(stats_max AS BIGINT)) AS max_seq, sum(row_group_num_rows) AS rows
           FROM parquet_metadata(${sqlString(join(out, '**', '*.parquet'))}) WHERE path_in_schema = 'ingest_seq' GROUP BY file_name ORDER BY file_name`,
        );
        const taken = new Set<string>();
        const jobs: Array<{ file: string; rel: string; entry: Omit<CatalogFile, 'sha256' | 'bytes'> }> = [];
        for (const s of stats) {
          const file = s.file_name as string;
          const m = /p_tenant=([^/]+)\/p_entity=([^/]+)\/p_date=([^/]+)\/[^/]+\.parquet$/.exec(file.split('\\').join('/'));
          if (!m) throw new VerityError('INTERNAL', `Compaction wrote an unexpected file ${file}.`);
          const [tenant, entity, date] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), decodeURIComponent(m[3]!)];
          const minSeq = Number(s.min_seq);
          const maxSeq = Number(s.max_seq);
          let rel = `${z.zone}/tenant=${tenant}/entity=${entity}/date=${date}/part-${minSeq}-${maxSeq}`;
          for (let n = 2; taken.has(rel); n++) rel = `${z.zone}/tenant=${tenant}/entity=${entity}/date=${date}/part-${minSeq}-${maxSeq}-${n}`;
          taken.add(rel);
          rel += '.parquet';
          jobs.push({ file, rel, entry: { zone: z.zone, path: rel, tenant_id: tenant, entity, date, rows: Number(s.rows), min_seq: minSeq, max_seq: maxSeq, created_at: core.clock().toISOString() } });
        }
        // fsync, hash and move the files a few at a time: the fsyncs overlap on the thread pool.
        const done = await mapLimit(jobs, FINALISE_CONCURRENCY, async (job) => {
          await fsyncFile(job.file);
          const sha256 = await sha256File(job.file);
          const bytes = (await stat(job.file)).size;
          const target = join(core.dir, job.rel);
          await mkdir(dirname(target), { recursive: true });
          await rename(job.file, target);
          return { ...job.entry, bytes, sha256 } satisfies CatalogFile;
        });
        files.push(...done);
        lap('fsync_hash_move');
      }
      await core.engine.run(`DROP TABLE IF EXISTS ${table}`);
    }
    const dirs = [...new Set(files.map((f) => dirname(join(core.dir, f.path))))];
    await mapLimit(dirs, FINALISE_CONCURRENCY, fsyncDirectory);
    const written = files.reduce((n, f) => n + f.rows, 0);
    if (written !== rawRows + quarantineRows)
      throw new VerityError('INTEGRITY_FAILED', `Compaction of seqs ${lower + 1}..${upper}: wrote ${written} rows but read ${rawRows + quarantineRows}; nothing was committed.`);
    const catalog: Catalog = { version: 1, compactedThrough: upper, files: [...core.catalog.files, ...files] };
    await writeCatalog(core.catalogPath, catalog);
    core.catalog = catalog;
    lap('catalog');
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  // The checkpoint must cover the compacted segments before they can go.
  const resume = await core.quiesce();
  let text: string[];
  try {
    text = core.index.serializeCheckpoint(Math.max(core.durableSeq, core.nextSeq - 1));
  } finally {
    resume();
  }
  await writeFileAtomic(core.checkpointPath, text);
  lap('checkpoint');
  core.pendingRemovals.push(...sealed.map((s) => s.number));
  await releaseRemovals(core);
  lap('remove_segments');
  return { segments: work.length, rawRows, quarantineRows, files, compactedThrough: upper, timings };
}
