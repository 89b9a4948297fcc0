import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { stagingDir } from '../staging/build-staging.js';
import { openDuckDBSession, sqlIdent, sqlString, type DuckDBSession } from '../staging/duckdb-session.js';
import { STAGING_COLUMNS } from '../staging/staging-schema.js';
import { computeViewFeatures, type Knowledge } from './feature-sql.js';
import { computeDerived, sqlTypeOf } from './feature-values.js';
import type { FeatureView } from './feature-view.js';

/** A frame: rows of (entity key, timestamp, optional labels), in memory or as a CSV/Parquet/NDJSON file. */
export type FrameInput = ReadonlyArray<Record<string, unknown>> | { path: string };

/** Options for {@link getTrainingFrame}. */
export interface TrainingFrameOptions {
  /** The lake directory holding `staging/`. */
  lakeDir: string;
  /** `as-known` (default): only what was ingested by each row's time; `latest`: everything known now. */
  knowledge?: Knowledge;
  /** The frame's timestamp column (default: the first of `timestamp`, `event_timestamp`, `ts`, `as_of`). */
  timestampColumn?: string;
  /** The tenant, when the frame has no `tenant_id` column. */
  tenant?: string;
  /** DuckDB threads (default DuckDB's choice). */
  threads?: number;
}

/** Where each feature landed in the output. */
export interface FeatureColumn {
  view: string;
  viewVersion: string;
  feature: string;
  column: string;
}

/** The result of {@link getTrainingFrame}: a table held in DuckDB until written or read. */
export interface TrainingFrame {
  /** Output columns: the frame's own columns, then one per feature. */
  readonly columns: string[];
  readonly featureColumns: FeatureColumn[];
  readonly rowCount: number;
  /** Per feature column: values breaking the feature contract (nulls where forbidden, out of range, not allowed). */
  readonly violations: Record<string, number>;
  /** All rows in input order, as plain JSON-safe objects (timestamps as ISO strings). */
  rows(): Promise<Record<string, unknown>[]>;
  /** Writes the frame as Parquet (rows in input order) and returns its SHA-256. */
  writeParquet(path: string): Promise<{ path: string; rows: number; sha256: string }>;
  /** Releases the DuckDB session (safe twice). */
  close(): void;
}

const TS_CANDIDATES = ['timestamp', 'event_timestamp', 'ts', 'as_of'];

/**
 * Point-in-time correct training data (DESIGN.md section 7): one output row per frame row, in
 * input order (duplicates kept), with each feature as it was at that row's timestamp: the newest
 * version with `event_time <= t` and (default) `ingest_time <= t`, within the view's lookback;
 * windowed aggregates over `(t - window, t]` under the same knowledge rule. Derived features are
 * computed in TypeScript by the view's own functions (the same code the online path runs).
 *
 * Reads staging as it is: build it first (`buildStaging`, or `verity staging build`).
 * @example
 * const frame = await getTrainingFrame([{ contact_id: 'con_1', timestamp: '2026-03-10T00:00:00.000Z', label: 1 }], [engagement], { lakeDir: '.verity' });
 * await frame.writeParquet('train.parquet'); frame.close();
 */
export async function getTrainingFrame(frame: FrameInput, views: readonly FeatureView[], options: TrainingFrameOptions): Promise<TrainingFrame> {
  if (views.length === 0) throw new VerityError('INVALID_ARGUMENT', 'getTrainingFrame needs at least one feature view.');
  const knowledge = options.knowledge ?? 'as-known';
  if (knowledge !== 'as-known' && knowledge !== 'latest') throw new VerityError('INVALID_ARGUMENT', `knowledge must be "as-known" or "latest", not ${JSON.stringify(knowledge)}.`);
  const db = await openDuckDBSession(options.threads ? { threads: options.threads } : {});
  const scratch = mkdtempSync(join(tmpdir(), 'verity-frame-'));
  try {
    const frameColumns = await loadFrame(db, frame, views, scratch);
    const tsColumn = options.timestampColumn ?? TS_CANDIDATES.find((c) => frameColumns.includes(c));
    if (!tsColumn || !frameColumns.includes(tsColumn))
      throw new VerityError('INVALID_ARGUMENT', `The frame has no timestamp column (${options.timestampColumn ?? TS_CANDIDATES.join(', ')}); pass timestampColumn.`);
    for (const v of views) for (const k of v.keys) if (!frameColumns.includes(k)) throw new VerityError('INVALID_ARGUMENT', `The frame lacks key column "${k}" of feature view "${v.name}".`);
    const hasTenant = frameColumns.includes('tenant_id');
    if (!hasTenant && !options.tenant) throw new VerityError('INVALID_ARGUMENT', 'The frame has no tenant_id column; pass the tenant (--tenant).');
    const tenantExpr = hasTenant ? `coalesce(CAST(tenant_id AS VARCHAR), ${sqlString(options.tenant ?? '')})` : sqlString(options.tenant!);
    await db.run(`CREATE OR REPLACE TEMP TABLE frame AS SELECT rowid AS row_id, *, TRY_CAST(${sqlIdent(tsColumn)} AS TIMESTAMPTZ) AS _t, ${tenantExpr} AS _tenant FROM frame_in`);
    const [{ bad, n }] = (await db.all(`SELECT count(*) FILTER (WHERE _t IS NULL) AS bad, count(*) AS n FROM frame`)) as [{ bad: bigint; n: bigint }];
    if (Number(bad) > 0) throw new VerityError('INVALID_ARGUMENT', `${bad} frame row(s) have a missing or unparsable "${tsColumn}" (use ISO 8601, e.g. 2026-03-01T12:00:00.000Z).`);

    const staging = stagingRelations(db, options.lakeDir);
    const taken = new Set(frameColumns);
    const featureColumns: FeatureColumn[] = [];
    const finalSelect: string[] = [];
    const joins: string[] = [];
    const violationChecks: Array<{ column: string; view: number; cond: string }> = [];
    for (let i = 0; i < views.length; i++) {
      const view = views[i]!;
      await computeViewFeatures(db, view, staging, knowledge, `_fv${i}`);
      const derivedFeatures = view.features.filter((f) => f.kind === 'derived');
      if (derivedFeatures.length > 0) await computeDerivedTable(db, view, `_fv${i}`, `_dv${i}`);
      joins.push(`LEFT JOIN _fv${i} USING (row_id)`);
      if (derivedFeatures.length > 0) joins.push(`LEFT JOIN _dv${i} USING (row_id)`);
      for (const f of view.features) {
        const column = taken.has(f.name) ? `${view.name}__${f.name}` : f.name;
        taken.add(column);
        featureColumns.push({ view: view.name, viewVersion: view.version, feature: f.name, column });
        const src = `${f.kind === 'derived' ? `_dv${i}` : `_fv${i}`}.${sqlIdent(f.name)}`;
        const nulls = f.contract.nulls;
        const fill = typeof nulls === 'object' ? `coalesce(${src}, CAST(${typeof nulls.fill === 'string' ? sqlString(nulls.fill) : String(nulls.fill)} AS ${sqlTypeOf(f)}))` : src;
        finalSelect.push(`${fill} AS ${sqlIdent(column)}`);
        const conds: string[] = [];
        if (nulls === 'forbid') conds.push(`${src} IS NULL`);
        if (f.contract.min !== undefined) conds.push(`${src} < ${f.contract.min}`);
        if (f.contract.max !== undefined) conds.push(`${src} > ${f.contract.max}`);
        if (f.contract.allowed) conds.push(`${src} NOT IN (${f.contract.allowed.map((a) => sqlString(String(a))).join(', ')})`);
        if (conds.length) violationChecks.push({ column, view: i, cond: conds.join(' OR ') });
      }
    }
    // A view: the joins run once, inside the COPY (or the read) that consumes the frame.
    await db.run(
      `CREATE OR REPLACE TEMP VIEW training AS SELECT ${frameColumns.map((c) => `frame.${sqlIdent(c)}`).join(', ')}, ${finalSelect.join(', ')}, frame.row_id AS _row_id FROM frame ${joins.join(' ')}`,
    );
    const counted: Record<string, number> = {};
    for (const { column, view: i, cond } of violationChecks) {
      const [{ c }] = (await db.all(`SELECT count(*) AS c FROM frame LEFT JOIN _fv${i} USING (row_id)${hasDerived(views[i]!) ? ` LEFT JOIN _dv${i} USING (row_id)` : ''} WHERE ${cond}`)) as [{ c: bigint }];
      counted[column] = Number(c);
    }
    const columns = [...frameColumns, ...featureColumns.map((c) => c.column)];
    return makeResult(db, scratch, columns, featureColumns, Number(n), counted);
  } catch (error) {
    db.close();
    rmSync(scratch, { recursive: true, force: true });
    throw error;
  }
}

const hasDerived = (view: FeatureView) => view.features.some((f) => f.kind === 'derived');

function makeResult(db: DuckDBSession, scratch: string, columns: string[], featureColumns: FeatureColumn[], rowCount: number, violations: Record<string, number>): TrainingFrame {
  const select = `SELECT ${columns.map(sqlIdent).join(', ')} FROM training ORDER BY _row_id`;
  let closed = false;
  return {
    columns,
    featureColumns,
    rowCount,
    violations,
    async rows() {
      const rows = await db.all(select);
      return rows.map((r) => {
        const o: Record<string, unknown> = {};
        for (const c of columns) o[c] = jsonSafe(r[c]);
        return o;
      });
    },
    async writeParquet(path) {
      const target = resolve(path);
      const tmp = `${target}.tmp-${process.pid}`;
      await db.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet, COMPRESSION zstd)`);
      renameSync(tmp, target);
      return { path: target, rows: rowCount, sha256: createHash('sha256').update(readFileSync(target)).digest('hex') };
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
      rmSync(scratch, { recursive: true, force: true });
    },
  };
}

function jsonSafe(v: unknown): unknown {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  return v ?? null;
}

async function loadFrame(db: DuckDBSession, frame: FrameInput, views: readonly FeatureView[], scratch: string): Promise<string[]> {
  const keyColumns = [...new Set(views.flatMap((v) => v.keys))];
  if (Array.isArray(frame)) {
    const rows = frame as ReadonlyArray<Record<string, unknown>>;
    if (rows.length === 0) throw new VerityError('INVALID_ARGUMENT', 'The frame is empty.');
    const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
    const file = join(scratch, 'frame.ndjson');
    writeFileSync(
      file,
      rows
        .map((r) => {
          const o: Record<string, unknown> = {};
          for (const c of columns) {
            const v = r[c];
            o[c] = v instanceof Date ? v.toISOString() : keyColumns.includes(c) && v !== null && v !== undefined ? String(v) : (v ?? null);
          }
          return JSON.stringify(o);
        })
        .join('\n') + '\n',
    );
    const types = columns.map((c) => `${sqlString(c)}: ${keyColumns.includes(c) || c === 'tenant_id' ? "'VARCHAR'" : "'JSON'"}`);
    await db.run(`CREATE OR REPLACE TEMP TABLE frame_raw AS SELECT * FROM read_json(${sqlString(file)}, format='newline_delimited', columns={${types.join(', ')}})`);
    // Labels and other columns keep their JSON scalar types.
    const casts = await Promise.all(
      columns.map(async (c) => {
        if (keyColumns.includes(c) || c === 'tenant_id') return sqlIdent(c);
        const [{ t }] = (await db.all(`SELECT coalesce(mode(json_type(${sqlIdent(c)})), 'NULL') AS t FROM frame_raw WHERE ${sqlIdent(c)} IS NOT NULL AND json_type(${sqlIdent(c)}) <> 'NULL'`)) as [{ t: string }];
        const target = t === 'BIGINT' || t === 'UBIGINT' ? 'BIGINT' : t === 'DOUBLE' ? 'DOUBLE' : t === 'BOOLEAN' ? 'BOOLEAN' : 'VARCHAR';
        return `TRY_CAST(${target === 'VARCHAR' ? `json_extract_string(${sqlIdent(c)}, '$')` : sqlIdent(c)} AS ${target}) AS ${sqlIdent(c)}`;
      }),
    );
    await db.run(`CREATE OR REPLACE TEMP TABLE frame_in AS SELECT ${casts.join(', ')} FROM frame_raw ORDER BY rowid`);
    return columns;
  }
  const path = resolve((frame as { path: string }).path);
  if (!existsSync(path) || !statSync(path).isFile()) throw new VerityError('NOT_FOUND', `Frame file ${path} does not exist.`);
  const ext = extname(path).toLowerCase();
  const keyTypes = `{${[...keyColumns, 'tenant_id'].map((k) => `${sqlString(k)}: 'VARCHAR'`).join(', ')}}`;
  const reader =
    ext === '.parquet'
      ? `read_parquet(${sqlString(path)})`
      : ext === '.csv'
        ? `read_csv(${sqlString(path)}, header=true, types=${keyTypes})`
        : ext === '.ndjson' || ext === '.jsonl'
          ? `read_json(${sqlString(path)}, format='newline_delimited')`
          : undefined;
  if (!reader) throw new VerityError('INVALID_ARGUMENT', `Frame file ${path}: use .csv, .parquet or .ndjson.`);
  try {
    await db.run(`CREATE OR REPLACE TEMP TABLE frame_in AS SELECT * FROM ${reader}`);
  } catch (error) {
    // read_csv rejects a types entry for a column the file lacks: retry with only the present ones.
    if (ext !== '.csv') throw new VerityError('MALFORMED_INPUT', `Frame file ${path} could not be read: ${(error as Error).message}`, { cause: error });
    const cols = ((await db.all(`DESCRIBE SELECT * FROM read_csv(${sqlString(path)}, header=true)`)) as Array<{ column_name: string }>).map((r) => r.column_name);
    const present = [...keyColumns, 'tenant_id'].filter((k) => cols.includes(k));
    await db.run(`CREATE OR REPLACE TEMP TABLE frame_in AS SELECT * FROM read_csv(${sqlString(path)}, header=true, types={${present.map((k) => `${sqlString(k)}: 'VARCHAR'`).join(', ')}})`);
  }
  const described = (await db.all('DESCRIBE frame_in')) as Array<{ column_name: string }>;
  const columns = described.map((r) => r.column_name);
  for (const k of keyColumns) if (columns.includes(k)) await db.run(`ALTER TABLE frame_in ALTER ${sqlIdent(k)} TYPE VARCHAR`);
  if (columns.some((c) => c.startsWith('_'))) throw new VerityError('INVALID_ARGUMENT', `Frame column names may not start with "_" (${columns.filter((c) => c.startsWith('_')).join(', ')}).`);
  return columns;
}

/** A {@link StagingRelation} reading `<lakeDir>/staging/entity=<entity>/`, or an empty table when there is none. */
export function stagingRelations(db: DuckDBSession, lakeDir: string): (entity: string) => Promise<string> {
  const made = new Map<string, string>();
  return async (entity) => {
    const existing = made.get(entity);
    if (existing) return existing;
    const name = `_stg_${entity.replace(/[^A-Za-z0-9_]/g, '_')}`;
    const dir = join(stagingDir(lakeDir), `entity=${entity}`);
    const hasFiles = existsSync(dir) && readdirSync(dir).some((t) => existsSync(join(dir, t)) && statSync(join(dir, t)).isDirectory() && readdirSync(join(dir, t)).some((f) => f.endsWith('.parquet')));
    if (hasFiles) await db.run(`CREATE OR REPLACE TEMP VIEW ${name} AS SELECT * FROM read_parquet(${sqlString(join(dir, '*', '*.parquet'))}, hive_partitioning=false)`);
    else await db.run(`CREATE OR REPLACE TEMP TABLE ${name} (${STAGING_COLUMNS.map((c) => `${c.name} ${c.type}`).join(', ')})`);
    made.set(entity, name);
    return name;
  };
}

async function computeDerivedTable(db: DuckDBSession, view: FeatureView, base: string, out: string): Promise<void> {
  const derivedFeatures = view.features.filter((f) => f.kind === 'derived');
  await db.run(`CREATE OR REPLACE TEMP TABLE ${out} (row_id BIGINT, ${derivedFeatures.map((f) => `${sqlIdent(f.name)} ${sqlTypeOf(f)}`).join(', ')})`);
  const appender = await db.connection.createAppender(out);
  const rows = await db.all(`SELECT * FROM ${base} ORDER BY row_id`);
  try {
    for (const r of rows) {
      const values: Record<string, unknown> = {};
      for (const f of view.features) if (f.kind !== 'derived') values[f.name] = jsonSafe(r[f.name]);
      const d = computeDerived(view, values);
      appender.appendBigInt(BigInt(r.row_id as bigint));
      for (const f of derivedFeatures) {
        const v = d[f.name];
        if (v === null || v === undefined) appender.appendNull();
        else if (f.contract.type === 'number') appender.appendDouble(Number(v));
        else if (f.contract.type === 'integer') appender.appendBigInt(BigInt(v as number));
        else if (f.contract.type === 'boolean') appender.appendBoolean(Boolean(v));
        else appender.appendVarchar(String(v));
      }
      appender.endRow();
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
}
