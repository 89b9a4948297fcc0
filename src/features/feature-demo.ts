import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import { VerityError } from '../errors.js';
import { buildStaging, type BuildStagingResult } from '../staging/build-staging.js';
import { openDuckDBSession, sqlString } from '../staging/duckdb-session.js';
import type { RawEventSource } from '../staging/raw-event-source.js';
import type { FeatureView } from './feature-view.js';
import { createMaterializer, type MaterializeReport } from './materializer.js';
import { getTrainingFrame } from './offline-retrieval.js';
import { getOnlineFeatures, type OnlineFeatureRow, type ServingLog } from './online-features.js';
import type { OnlineStore } from './online-store.js';
import { stagingRelations } from './offline-retrieval.js';

/** Options for {@link runFeatureDemo}. */
export interface FeatureDemoOptions {
  lakeDir: string;
  source: RawEventSource;
  views: readonly FeatureView[];
  store: OnlineStore;
  tenant: string;
  /** Where the training frame is written (Parquet). */
  out: string;
  /** The view the lookup and the training frame use (default: the first contact view, else the first). */
  view?: string;
  /** Frame rows (default 200): the first N keys of the view's entity, each at its newest event time. */
  frameRows?: number;
  log?: ServingLog;
  clock?: () => Date;
  /** Reports the staging build and the materialization as OpenLineage runs. */
  lineage?: LineageEmitter;
}

/** What {@link runFeatureDemo} did. */
export interface FeatureDemoReport {
  staging: BuildStagingResult;
  materialize: MaterializeReport;
  lookup: OnlineFeatureRow | undefined;
  training: { view: string; path: string; rows: number; sha256: string; columns: string[] };
}

/**
 * The feature part of `verity demo`: build staging, materialize every view, serve one lookup and
 * write a point-in-time training frame (keys sampled from staging, deterministic).
 * @example
 * const report = await runFeatureDemo({ lakeDir, source: lake, views, store, tenant: 't01', out: 'train.parquet' });
 */
export async function runFeatureDemo(options: FeatureDemoOptions): Promise<FeatureDemoReport> {
  const lineage = options.lineage ? { lineage: options.lineage } : {};
  const staging = await buildStaging({ source: options.source, dir: options.lakeDir, ...lineage });
  const materializer = createMaterializer({ lakeDir: options.lakeDir, source: options.source, store: options.store, views: options.views, ...(options.clock ? { clock: options.clock } : {}), ...lineage });
  const materialize = await materializer.materialize({ tenant: options.tenant });
  const view = options.view ? options.views.find((v) => v.name === options.view) : (options.views.find((v) => v.entity === 'contact') ?? options.views[0]);
  if (!view) throw new VerityError('NOT_FOUND', `Feature view ${options.view ? `"${options.view}" ` : ''}not found for the demo.`);
  const db = await openDuckDBSession();
  let frame: Array<Record<string, unknown>>;
  let lookupIndex = 0;
  try {
    const rel = await stagingRelations(db, options.lakeDir)(view.entity);
    const rows = await db.all(
      `SELECT any_value(entity_key) AS entity_key, max(valid_from) AS t, max_by(is_deleted, version) AS deleted, bool_or(op = 'merge') AS merged FROM ${rel} WHERE tenant_id = ${sqlString(options.tenant)} AND known_to IS NULL GROUP BY key ORDER BY key LIMIT ${Math.max(1, Math.floor(options.frameRows ?? 200))}`,
    );
    frame = rows.map((r) => ({ ...(JSON.parse(String(r.entity_key)) as Record<string, unknown>), timestamp: (r.t as Date).toISOString() }));
    lookupIndex = Math.max(0, rows.findIndex((r) => r.deleted === false && r.merged === false));
  } finally {
    db.close();
  }
  if (frame.length === 0) throw new VerityError('NOT_FOUND', `No ${view.entity} records in staging for tenant "${options.tenant}": ingest data first.`);
  const { timestamp: _t, ...entity } = frame[lookupIndex]!;
  const lookup = (
    await getOnlineFeatures(options.store, view, [entity], { tenant: options.tenant, ...(options.log ? { log: options.log } : {}), ...(options.clock ? { now: options.clock() } : {}) })
  )[0];
  const training = await getTrainingFrame(frame, [view], { lakeDir: options.lakeDir, tenant: options.tenant });
  try {
    const written = await training.writeParquet(options.out);
    return { staging, materialize, lookup, training: { view: view.name, ...written, columns: training.columns } };
  } finally {
    training.close();
  }
}
