import type { DuckDBSession } from '../staging/duckdb-session.js';
import { sqlIdent, sqlString } from '../staging/duckdb-session.js';
import { sqlTypeOf } from './feature-values.js';
import type { Feature, FeatureView } from './feature-view.js';

/** Whose knowledge a retrieval uses: as known at each row's time (default), or everything known now. */
export type Knowledge = 'as-known' | 'latest';

/** Where a retrieval reads staging from: a SQL relation per entity. */
export type StagingRelation = (entity: string) => Promise<string>;

/**
 * The SQL condition selecting, for frame row `f` at `f._t`, the staging rows of `s` that hold what
 * was believed at `f._t` (as-known) or what is believed now (latest).
 */
export function knowledgeCondition(knowledge: Knowledge, s = 's', f = 'f'): string {
  return knowledge === 'latest' ? `${s}.known_to IS NULL` : `${s}.known_from <= ${f}._t AND (${s}.known_to IS NULL OR ${s}.known_to > ${f}._t)`;
}

function keyExpr(view: FeatureView, column: (k: string) => string): string {
  return `to_json([${[...view.keys].sort().map((k) => `CAST(${column(k)} AS VARCHAR)`).join(', ')}])::VARCHAR`;
}

/** The string values of record fields as a 1-based LIST, from one parse of the JSON (missing fields give NULL). */
const jsonFields = (fields: readonly string[], record = 'record') => `json_extract_string(${record}, [${fields.map((f) => sqlString('$.' + f)).join(', ')}])`;

/**
 * Computes a view's base features for every row of the frame table `frame` (columns `row_id`, `_t`
 * TIMESTAMPTZ, `_tenant`, the view's key columns) into the temp table `out` with columns `row_id`,
 * one per base feature, `_valid_from` (newest own version's event time) and `_knowledge_seq`.
 *
 * Steps: the row's key is resolved through merges known at `_t` (up to 8 hops); last values and
 * time-since come from the newest own version at `_t` within lookback (null if it is a delete);
 * windowed aggregates join the other entity's versions by the resolved key with
 * `_t - window < event_time <= _t` under the same knowledge rule.
 */
export async function computeViewFeatures(db: DuckDBSession, view: FeatureView, staging: StagingRelation, knowledge: Knowledge, out: string): Promise<void> {
  const k = knowledgeCondition(knowledge);
  const own = await staging(view.source);
  await db.run(`CREATE OR REPLACE TEMP TABLE _rk AS SELECT row_id, _t, _tenant, ${keyExpr(view, (c) => sqlIdent(c))} AS key FROM frame`);

  // Merges: a key whose merge is known at _t resolves to its survivor.
  await db.run(`CREATE OR REPLACE TEMP TABLE _merges AS SELECT tenant_id, key, version, merged_into_key, valid_from, known_from, known_to FROM ${own} WHERE op = 'merge' AND merged_into_key IS NOT NULL`);
  const [{ n }] = (await db.all('SELECT count(*) AS n FROM _merges')) as [{ n: bigint }];
  if (Number(n) > 0) {
    for (let hop = 0; hop < 8; hop++) {
      await db.run(
        `CREATE OR REPLACE TEMP TABLE _hop AS SELECT f.row_id, max_by(s.merged_into_key, s.version) AS into FROM _rk f JOIN _merges s ON s.tenant_id = f._tenant AND s.key = f.key AND s.valid_from <= f._t AND ${k} GROUP BY f.row_id`,
      );
      const [{ c }] = (await db.all('SELECT count(*) AS c FROM _hop')) as [{ c: bigint }];
      if (Number(c) === 0) break;
      // The survivor is looked up afresh: its own merges (if any) count on the next hop.
      await db.run('UPDATE _rk SET key = _hop.into FROM _hop WHERE _rk.row_id = _hop.row_id');
    }
  }

  const features = view.features.filter((f) => f.kind !== 'derived');
  const own_ = features.filter((f) => f.kind === 'last_value' || f.kind === 'time_since');
  // The record fields the own features read, extracted from the winning version in ONE JSON parse.
  const recordFields = [...new Set(own_.flatMap((f) => (f.kind === 'last_value' || (f.kind === 'time_since' && f.field !== '$event_time') ? [f.field] : [])))];
  const recordValue = (field: string) => `lv._vals[${recordFields.indexOf(field) + 1}]`;
  const selects: string[] = [];
  // Everything below is ONE statement (common table expressions), so DuckDB plans and pipelines the
  // joins together instead of materialising each step.
  const ctes: string[] = [
    `lv AS (SELECT f.row_id, ${recordFields.length ? `${jsonFields(recordFields, 'max_by(s.record, s.version)')} AS _vals, ` : ''}max_by(s.is_deleted, s.version) AS is_deleted, max_by(s.valid_from, s.version) AS valid_from, max_by(s.knowledge_seq, s.version) AS knowledge_seq
     FROM _rk f JOIN ${own} s ON s.tenant_id = f._tenant AND s.key = f.key AND s.valid_from <= f._t AND s.valid_from > f._t - to_milliseconds(${view.lookbackMs}) AND ${k}
     GROUP BY f.row_id)`,
  ];
  for (const f of own_) {
    const col = sqlIdent(f.name);
    if (f.kind === 'last_value') {
      selects.push(`CASE WHEN lv.is_deleted THEN NULL ELSE TRY_CAST(${recordValue(f.field)} AS ${sqlTypeOf(f)}) END AS ${col}`);
    } else if (f.kind === 'time_since') {
      const ts = f.field === '$event_time' ? 'lv.valid_from' : `TRY_CAST(${recordValue(f.field)} AS TIMESTAMPTZ)`;
      selects.push(`CASE WHEN lv.is_deleted THEN NULL ELSE (epoch_ms(r._t) - epoch_ms(${ts})) / 1000.0 END AS ${col}`);
    }
  }
  const aggTables: string[] = [];
  const groups = new Map<string, Feature[]>();
  for (const f of features) {
    if (f.kind !== 'aggregate') continue;
    const g = JSON.stringify([f.from, f.on]);
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  let gi = 0;
  for (const [g, feats] of groups) {
    const [from, on] = JSON.parse(g) as [string, Record<string, string>];
    const rel = await staging(from);
    const fields = new Set<string>();
    for (const f of feats) {
      if (f.kind !== 'aggregate') continue;
      if (f.field) fields.add(f.field);
      for (const w of Object.keys(f.where)) fields.add(w);
    }
    const fieldList = [...fields].sort();
    // The key fields and the filtered/aggregated fields of each event, in one JSON parse.
    const evFields = [...new Set([...view.keys.map((c) => on[c]!), ...fieldList])];
    const evValue = (field: string) => `_vals[${evFields.indexOf(field) + 1}]`;
    const ev = `(SELECT tenant_id, ${keyExpr(view, (c) => evValue(on[c]!))} AS jk, valid_from, known_from, known_to${fieldList.map((x, i) => `, ${evValue(x)} AS _f${i}`).join('')}
       FROM (SELECT *, ${jsonFields(evFields)} AS _vals FROM ${rel} WHERE NOT is_deleted))`;
    const fcol = (name: string) => `e._f${fieldList.indexOf(name)}`;
    const maxWindow = Math.max(...feats.map((f) => (f.kind === 'aggregate' ? f.windowMs : 0)));
    const aggs = feats.map((f) => {
      if (f.kind !== 'aggregate') return '';
      const conds = [`e.valid_from > r._t - to_milliseconds(${f.windowMs})`];
      for (const [w, vals] of Object.entries(f.where)) conds.push(`${fcol(w)} IN (${vals.map((v) => sqlString(String(v))).join(', ')})`);
      const filter = `FILTER (WHERE ${conds.join(' AND ')})`;
      const num = f.field ? `TRY_CAST(${fcol(f.field)} AS DOUBLE)` : '';
      const expr =
        f.fn === 'count'
          ? `count(*) ${filter}`
          : f.fn === 'sum'
            ? `coalesce(sum(${num}) ${filter}, 0)`
            : f.fn === 'avg'
              ? `avg(${num}) ${filter}`
              : f.fn === 'min'
                ? `min(${num}) ${filter}`
                : f.fn === 'max'
                  ? `max(${num}) ${filter}`
                  : f.fn === 'distinct'
                    ? `count(DISTINCT ${fcol(f.field!)}) ${filter}`
                    : `(epoch_ms(r._t) - epoch_ms(max(e.valid_from) ${filter})) / 1000.0`;
      return `${expr} AS ${sqlIdent(f.name)}`;
    });
    const at = `agg${gi}`;
    ctes.push(
      `${at} AS (SELECT r.row_id, ${aggs.join(', ')}
       FROM _rk r JOIN ${ev} e ON e.tenant_id = r._tenant AND e.jk = r.key AND e.valid_from <= r._t AND e.valid_from > r._t - to_milliseconds(${maxWindow}) AND ${knowledgeCondition(knowledge, 'e', 'r')}
       GROUP BY r.row_id, r._t)`,
    );
    aggTables.push(at);
    for (const f of feats) {
      const zero = f.kind === 'aggregate' && (f.fn === 'count' || f.fn === 'sum' || f.fn === 'distinct');
      selects.push(`CAST(${zero ? `coalesce(${at}.${sqlIdent(f.name)}, 0)` : `${at}.${sqlIdent(f.name)}`} AS ${sqlTypeOf(f)}) AS ${sqlIdent(f.name)}`);
    }
    gi++;
  }
  await db.run(
    `CREATE OR REPLACE TEMP TABLE ${out} AS WITH ${ctes.join(',\n')}
     SELECT r.row_id, ${selects.length ? selects.join(', ') + ', ' : ''}lv.valid_from AS _valid_from, lv.knowledge_seq AS _knowledge_seq
     FROM _rk r LEFT JOIN lv USING (row_id) ${aggTables.map((t) => `LEFT JOIN ${t} USING (row_id)`).join(' ')}`,
  );
}
