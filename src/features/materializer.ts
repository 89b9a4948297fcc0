import { featureViewDataset, zoneDataset } from '../lineage/dataset-names.js';
import type { JobRun, LineageDataset, LineageEmitter } from '../lineage/lineage-emitter.js';
import { columnLineageFacet, datasetVersionFacet, schemaFacet } from '../lineage/openlineage-facets.js';
import { runWithLineage } from '../lineage/run-with-lineage.js';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Envelope } from '../envelope.js';
import { VerityError } from '../errors.js';
import { buildStaging } from '../staging/build-staging.js';
import { canonicalKey, toEpochMs } from '../staging/canonical.js';
import { openDuckDBSession, sqlIdent, sqlString, type DuckDBSession } from '../staging/duckdb-session.js';
import type { RawEventSource } from '../staging/raw-event-source.js';
import { computeViewFeatures } from './feature-sql.js';
import { sqlTypeOf } from './feature-values.js';
import type { Feature, FeatureView } from './feature-view.js';
import { MERGED_INTO_CELL, STATE_CELL } from './online-features.js';
import type { OnlineCell, OnlineStore, OnlineWrite } from './online-store.js';
import { stagingRelations } from './offline-retrieval.js';
import { aggregateInMemory, createWindowIndex, type WindowIndex } from './window-index.js';

/** Options for {@link createMaterializer}. */
export interface MaterializerOptions {
  /** The lake directory (staging and the materialization checkpoint live there). */
  lakeDir: string;
  /** Raw events (the lake). */
  source: RawEventSource;
  store: OnlineStore;
  views: readonly FeatureView[];
  /** The clock (default `() => new Date()`). */
  clock?: () => Date;
  /** Entity keys per chunk (default 5000): memory stays flat whatever the lake size. */
  chunkSize?: number;
  /**
   * Reports each batch materialization as an OpenLineage `features.materialize` run (staging zones
   * in; each view out with its schema, version and column lineage), and its staging build too; and
   * the continuous path as one STREAMING `features.materialize.continuous` run (raw zones in, views
   * out): START at the first accepted batch, RUNNING with the counts so far every
   * `lineageIntervalMs`, COMPLETE at {@link Materializer.close}.
   */
  lineage?: LineageEmitter;
  /** How often the continuous run reports progress (default 60000 ms). */
  lineageIntervalMs?: number;
}

/** What one batch materialization did, per view. */
export interface MaterializeReport {
  views: Array<{ view: string; version: string; tenant: string; keys: number; cells: { applied: number; skipped: number }; full: boolean; fromSeq: number; toSeq: number }>;
  staging: { events: number; keys: number };
  at: string;
}

/** The materializer: batch from lake positions, and continuous from the ingest path. */
export interface Materializer {
  /**
   * Brings the online store up to the lake's last position: builds staging incrementally, then
   * recomputes (at now) every entity touched since the last run, or all with `full`.
   * Idempotent (the write rule skips what is already there) and resumable (the checkpoint moves
   * only when a view is done).
   */
  materialize(options?: { full?: boolean; tenant?: string }): Promise<MaterializeReport>;
  /**
   * The ingest path's hook: call it with envelopes the lake accepted (with `ingest_seq` set); their
   * changes are written to the online store at once. Own-entity changes write exactly the cells they
   * carry under their `(event_time, ingest_seq)`; events feeding windowed aggregates update an
   * in-memory window index (loaded from staging on first use) and the affected entities'
   * aggregates are recomputed as of now.
   */
  onAccepted(envelopes: readonly Envelope[]): Promise<{ cells: number }>;
  /** Ends the continuous path's lineage run (COMPLETE with its counts); safe to call twice. */
  close(): Promise<void>;
}

interface Checkpoint {
  format: 1;
  views: Record<string, { version: string; lastSeq: number; at: string }>;
}

/** Creates a {@link Materializer}. */
export function createMaterializer(options: MaterializerOptions): Materializer {
  const clock = options.clock ?? (() => new Date());
  const chunkSize = options.chunkSize ?? 5000;
  const cpFile = join(options.lakeDir, 'features', 'materialize.json');
  const windowIndexes = new Map<string, Promise<WindowIndex>>();
  let stream: { counts: { batches: number; events: number; cells_applied: number }; tenants: Set<string>; report: (kind: 'running' | 'complete') => Promise<void>; timer: NodeJS.Timeout } | undefined;

  const readCheckpoint = (): Checkpoint => {
    if (!existsSync(cpFile)) return { format: 1, views: {} };
    try {
      return JSON.parse(readFileSync(cpFile, 'utf8')) as Checkpoint;
    } catch (error) {
      throw new VerityError('IO_ERROR', `Materialization checkpoint ${cpFile} is unreadable; run with --full.`, { cause: error });
    }
  };
  const writeCheckpoint = (cp: Checkpoint) => {
    mkdirSync(join(options.lakeDir, 'features'), { recursive: true });
    writeFileSync(`${cpFile}.tmp`, JSON.stringify(cp, null, 2) + '\n');
    renameSync(`${cpFile}.tmp`, cpFile);
  };

  return {
    materialize(run = {}) {
      return runWithLineage(options.lineage, { job: 'features.materialize' }, () => materializeNow(run), (report) => ({
        job: 'features.materialize',
        ...materializeDatasets(options.lakeDir, options.views, report),
        facets: { verity_materialize: { views: report.views.map((v) => ({ view: v.view, tenant: v.tenant, keys: v.keys, applied: v.cells.applied, skipped: v.cells.skipped, full: v.full })) } },
      }));
    },

    onAccepted: async (envelopes) => {
      const result = await onAccepted(envelopes);
      if (options.lineage) continuousRun(envelopes, result.cells);
      return result;
    },
    async close() {
      const run = stream;
      stream = undefined;
      if (!run) return;
      clearInterval(run.timer);
      await run.report('complete');
    },
  };

  // The continuous path's lineage: one STREAMING run per materializer, reported off the ingest path
  // (a lineage failure never fails or delays the batch).
  function continuousRun(envelopes: readonly Envelope[], cells: number) {
    if (!stream) {
      const counts = { batches: 0, events: 0, cells_applied: 0 };
      const tenants = new Set<string>();
      const job = (): JobRun => ({
        job: 'features.materialize.continuous',
        processingType: 'STREAMING',
        ...viewDatasets(options.lakeDir, options.views, () => [...tenants].sort(), 'raw'),
        facets: { verity_materialize_continuous: { ...counts } },
      });
      const lineage = options.lineage!;
      const runId = lineage.start({ job: 'features.materialize.continuous', processingType: 'STREAMING' });
      const run = {
        counts,
        tenants,
        report: async (kind: 'running' | 'complete') => {
          try {
            const id = await runId;
            if (kind === 'complete') await lineage.complete(id, job());
            else await lineage.running?.(id, job());
          } catch {
            // Lineage is reported best effort on this path.
          }
        },
        timer: setInterval(() => void run.report('running'), options.lineageIntervalMs ?? 60_000),
      };
      run.timer.unref();
      runId.catch(() => undefined);
      stream = run;
    }
    stream.counts.batches++;
    stream.counts.events += envelopes.length;
    stream.counts.cells_applied += cells;
    for (const e of envelopes) stream.tenants.add(e.tenant_id);
  }

  async function materializeNow(run: { full?: boolean; tenant?: string }): Promise<MaterializeReport> {
    const staged = await buildStaging({ source: options.source, dir: options.lakeDir, ...(options.lineage ? { lineage: options.lineage } : {}) });
    const toSeq = staged.toSeq;
    const now = clock();
    const report: MaterializeReport = { views: [], staging: { events: staged.events, keys: staged.keys }, at: now.toISOString() };
    const cp = readCheckpoint();
    const db = await openDuckDBSession();
    try {
      const staging = stagingRelations(db, options.lakeDir);
      for (const view of options.views) {
        const prev = cp.views[view.name];
        const full = run.full === true || !prev || prev.version !== view.version;
        const fromSeq = full ? 0 : prev.lastSeq;
        const tenants = run.tenant ? [run.tenant] : await tenantsOf(db, staging, view);
        for (const tenant of tenants) {
          const keys = await keysToRefresh(db, staging, view, tenant, fromSeq);
          const cells = { applied: 0, skipped: 0 };
          for (let i = 0; i < keys.length; i += chunkSize) {
            const writes = await computeChunk(db, staging, view, tenant, keys.slice(i, i + chunkSize), now, toSeq);
            const r = await options.store.write(writes);
            cells.applied += r.applied;
            cells.skipped += r.skipped;
          }
          report.views.push({ view: view.name, version: view.version, tenant, keys: keys.length, cells, full, fromSeq, toSeq });
        }
        cp.views[view.name] = { version: view.version, lastSeq: toSeq, at: now.toISOString() };
        writeCheckpoint(cp);
      }
    } finally {
      db.close();
    }
    windowIndexes.clear();
    return report;
  }

  async function onAccepted(envelopes: readonly Envelope[]): Promise<{ cells: number }> {
    const now = clock().getTime();
    const writes: OnlineWrite[] = [];
    for (const view of options.views) {
      const aggregates = view.features.filter((f): f is Extract<Feature, { kind: 'aggregate' }> => f.kind === 'aggregate');
      const touched = new Map<string, { tenant: string; seq: number }>();
      for (const e of envelopes) {
        if (e.entity === view.source) writes.push(ownCells(view, e));
        if (aggregates.some((f) => f.from === e.entity)) {
          const index = await windowIndexFor(view);
          for (const key of index.add(e)) {
            const t = touched.get(`${e.tenant_id}\u0000${key}`);
            touched.set(`${e.tenant_id}\u0000${key}`, { tenant: e.tenant_id, seq: Math.max(t?.seq ?? 0, e.ingest_seq ?? 0) });
          }
        }
      }
      if (touched.size) {
        const index = await windowIndexFor(view);
        for (const [tk, { tenant }] of touched) {
          const key = tk.slice(tenant.length + 1);
          const seq = options.source.lastSeq();
          const cells: Record<string, OnlineCell> = {};
          for (const f of aggregates) cells[f.name] = { value: aggregateInMemory(f, index.events(tenant, f.from, key), now), event_time: now, ingest_seq: seq };
          writes.push({ tenant, view: view.name, key, cells });
        }
      }
    }
    if (writes.length === 0) return { cells: 0 };
    const r = await options.store.write(writes);
    return { cells: r.applied };
  }

  function windowIndexFor(view: FeatureView): Promise<WindowIndex> {
    let p = windowIndexes.get(view.name);
    if (!p) {
      p = createWindowIndex(view, options.lakeDir, clock);
      windowIndexes.set(view.name, p);
      p.catch(() => windowIndexes.delete(view.name));
    }
    return p;
  }
}

/**
 * The datasets of a materialization: the staging zones the views read (their source entity and
 * every entity their windows count) for the tenants refreshed, and each view with its schema,
 * version and column lineage (each feature from the staging field it is computed from).
 */
function materializeDatasets(lakeDir: string, views: readonly FeatureView[], report: MaterializeReport): { inputs: LineageDataset[]; outputs: LineageDataset[] } {
  return viewDatasets(lakeDir, views, (view) => [...new Set(report.views.filter((v) => v.view === view.name).map((v) => v.tenant))], 'staging');
}

/** Each view's input zones (its source and aggregated entities, per tenant) and its output dataset with schema, version and column lineage. */
function viewDatasets(lakeDir: string, views: readonly FeatureView[], tenantsOf: (view: FeatureView) => string[], zone: 'staging' | 'raw'): { inputs: LineageDataset[]; outputs: LineageDataset[] } {
  const inputs = new Map<string, LineageDataset>();
  const outputs: LineageDataset[] = [];
  for (const view of views) {
    const tenants = tenantsOf(view);
    const columns: Parameters<typeof columnLineageFacet>[0] = {};
    for (const f of view.features) {
      const entity = f.kind === 'aggregate' ? f.from : view.source;
      const field = f.kind === 'aggregate' ? (f.field ?? 'event_time') : f.kind === 'derived' ? undefined : f.field === '$event_time' ? 'event_time' : f.field;
      for (const tenant of tenants) {
        const d = zoneDataset(lakeDir, zone, tenant, entity);
        inputs.set(`${d.namespace}/${d.name}`, d);
        if (field) (columns[f.name] ??= { inputFields: [] }).inputFields.push({ ...d, field });
      }
    }
    outputs.push({
      ...featureViewDataset(lakeDir, view.name),
      facets: {
        schema: schemaFacet(view.features.map((f) => ({ name: f.name, type: f.contract.type, description: f.kind }))),
        version: datasetVersionFacet(view.version),
        ...(Object.keys(columns).length ? { columnLineage: columnLineageFacet(columns) } : {}),
      },
    });
  }
  return { inputs: [...inputs.values()], outputs };
}

/** The cells an own-entity envelope writes, under its own `(event_time, ingest_seq)`. */
export function ownCells(view: FeatureView, e: Envelope): OnlineWrite {
  const version = { event_time: Date.parse(e.event_time), ingest_seq: e.ingest_seq ?? 0 };
  const cells: Record<string, OnlineCell> = {};
  const removed = e.op === 'delete' || e.op === 'truncate' || e.op === 'merge';
  const carried = (field: string) => removed || !e.changed_fields || e.changed_fields.length === 0 || e.changed_fields.includes(field);
  for (const f of view.features) {
    if (f.kind === 'last_value' && carried(f.field)) cells[f.name] = { ...version, value: removed ? null : (e.payload[f.field] ?? null) };
    if (f.kind === 'time_since') {
      if (f.field === '$event_time') cells[f.name] = { ...version, value: removed ? null : version.event_time };
      else if (carried(f.field)) cells[f.name] = { ...version, value: removed ? null : (toEpochMs(e.payload[f.field]) ?? null) };
    }
  }
  cells[STATE_CELL] = { ...version, value: removed ? 'deleted' : 'active' };
  if (e.op === 'merge' && e.merged_into) cells[MERGED_INTO_CELL] = { ...version, value: canonicalKey(e.merged_into) };
  return { tenant: e.tenant_id, view: view.name, key: canonicalKey(e.entity_key), cells };
}

async function tenantsOf(db: DuckDBSession, staging: (e: string) => Promise<string>, view: FeatureView): Promise<string[]> {
  const rels = [await staging(view.source), ...(await Promise.all([...new Set(view.features.flatMap((f) => (f.kind === 'aggregate' ? [f.from] : [])))].map(staging)))];
  const rows = await db.all(`SELECT DISTINCT tenant_id FROM (${rels.map((r) => `SELECT tenant_id FROM ${r}`).join(' UNION ALL ')}) ORDER BY 1`);
  return rows.map((r) => String(r.tenant_id));
}

async function keysToRefresh(db: DuckDBSession, staging: (e: string) => Promise<string>, view: FeatureView, tenant: string, fromSeq: number): Promise<string[]> {
  const parts = [`SELECT key FROM ${await staging(view.source)} WHERE tenant_id = ${sqlString(tenant)} AND ingest_seq > ${fromSeq}`];
  for (const f of view.features) {
    if (f.kind !== 'aggregate') continue;
    const jk = `to_json([${[...view.keys].sort().map((k) => `json_extract_string(record, ${sqlString('$.' + f.on[k]!)})`).join(', ')}])::VARCHAR`;
    parts.push(`SELECT ${jk} AS key FROM ${await staging(f.from)} WHERE tenant_id = ${sqlString(tenant)} AND ingest_seq > ${fromSeq} AND NOT is_deleted`);
  }
  const rows = await db.all(`SELECT DISTINCT key FROM (${parts.join(' UNION ALL ')}) WHERE key IS NOT NULL AND key NOT LIKE '%null%' ORDER BY key`);
  return rows.map((r) => String(r.key));
}

async function computeChunk(db: DuckDBSession, staging: (e: string) => Promise<string>, view: FeatureView, tenant: string, keys: string[], now: Date, toSeq: number): Promise<OnlineWrite[]> {
  await db.run('CREATE OR REPLACE TEMP TABLE _chunk (key VARCHAR)');
  const appender = await db.connection.createAppender('_chunk');
  for (const k of keys) {
    appender.appendVarchar(k);
    appender.endRow();
  }
  appender.flushSync();
  appender.closeSync();
  const own = await staging(view.source);
  const ownFeatures = view.features.filter((f) => f.kind === 'last_value' || f.kind === 'time_since');
  const setterCond = (field: string) => `(s.is_deleted OR s.changed_fields IS NULL OR s.changed_fields LIKE ${sqlString(`%"${field}"%`)})`;
  const cols = ownFeatures.flatMap((f, i) => {
    if (f.kind !== 'last_value' && f.kind !== 'time_since') return [];
    const valueExpr =
      f.kind === 'last_value'
        ? `TRY_CAST(json_extract_string(max_by(s.record, s.version), ${sqlString('$.' + f.field)}) AS ${sqlTypeOf(f)})`
        : f.field === '$event_time'
          ? 'epoch_ms(max_by(s.valid_from, s.version))'
          : `epoch_ms(TRY_CAST(json_extract_string(max_by(s.record, s.version), ${sqlString('$.' + f.field)}) AS TIMESTAMPTZ))`;
    const cond = f.kind === 'time_since' && f.field === '$event_time' ? 'true' : setterCond(f.field);
    return [`${valueExpr} AS _v${i}`, `epoch_ms(max_by(s.valid_from, s.version) FILTER (WHERE ${cond})) AS _t${i}`, `max_by(s.ingest_seq, s.version) FILTER (WHERE ${cond}) AS _s${i}`];
  });
  const ownRows = await db.all(
    `SELECT s.key, max_by(s.is_deleted, s.version) AS _del, max_by(s.merged_into_key, s.version) FILTER (WHERE s.op = 'merge') AS _into, epoch_ms(max_by(s.valid_from, s.version) FILTER (WHERE s.op = 'merge')) AS _mt, max_by(s.ingest_seq, s.version) FILTER (WHERE s.op = 'merge') AS _ms, epoch_ms(max_by(s.valid_from, s.version)) AS _vt, max_by(s.ingest_seq, s.version) AS _vs${cols.map((c) => ', ' + c).join('')}
     FROM ${own} s WHERE s.tenant_id = ${sqlString(tenant)} AND s.known_to IS NULL AND s.valid_from <= ${sqlString(now.toISOString())}::TIMESTAMPTZ AND s.key IN (SELECT key FROM _chunk) GROUP BY s.key`,
  );
  const writes = new Map<string, OnlineWrite>();
  const merged = new Set<string>();
  for (const r of ownRows) {
    const key = String(r.key);
    const version = { event_time: Number(r._vt), ingest_seq: Number(r._vs) };
    const cells: Record<string, OnlineCell> = { [STATE_CELL]: { ...version, value: r._del ? 'deleted' : 'active' } };
    if (r._into) {
      cells[MERGED_INTO_CELL] = { event_time: Number(r._mt), ingest_seq: Number(r._ms), value: String(r._into) };
      merged.add(key);
    }
    ownFeatures.forEach((f, i) => {
      if (r[`_t${i}`] === null || r[`_t${i}`] === undefined) return;
      const raw = r[`_v${i}`];
      const value = r._del ? null : typeof raw === 'bigint' ? Number(raw) : raw instanceof Date ? raw.toISOString() : (raw ?? null);
      cells[f.name] = { value, event_time: Number(r[`_t${i}`]), ingest_seq: Number(r[`_s${i}`]) };
    });
    writes.set(key, { tenant, view: view.name, key, cells });
  }
  const aggregates = view.features.filter((f) => f.kind === 'aggregate');
  if (aggregates.length) {
    const aggView = { ...view, features: aggregates } as FeatureView;
    await db.run(`CREATE OR REPLACE TEMP TABLE frame AS SELECT row_number() OVER (ORDER BY key) AS row_id, key AS _key, ${sqlString(now.toISOString())}::TIMESTAMPTZ AS _t, ${sqlString(tenant)} AS _tenant${view.keys.map((k) => `, json_extract_string(key, '$[${[...view.keys].sort().indexOf(k)}]') AS ${sqlIdent(k)}`).join('')} FROM _chunk WHERE key NOT IN (${merged.size ? [...merged].map(sqlString).join(', ') : "''"})`);
    await computeViewFeatures(db, aggView, staging, 'latest', '_mat');
    const rows = await db.all(`SELECT f._key, m.* FROM frame f JOIN _mat m USING (row_id)`);
    const t = now.getTime();
    for (const r of rows) {
      const key = String(r._key);
      const w = writes.get(key) ?? { tenant, view: view.name, key, cells: {} };
      for (const f of aggregates) {
        if (f.kind !== 'aggregate') continue;
        let v = r[f.name];
        if (typeof v === 'bigint') v = Number(v);
        // Stored as the newest event's time so reads compute "seconds since" against their own clock.
        if (f.timeSince) v = typeof v === 'number' ? t - Math.round(v * 1000) : null;
        w.cells[f.name] = { value: v ?? null, event_time: t, ingest_seq: toSeq };
      }
      writes.set(key, w);
    }
  }
  return [...writes.values()];
}
