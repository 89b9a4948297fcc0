// Offline retrieval benchmark: Verity's point-in-time retrieval (getTrainingFrame → Parquet) against
// a hand-written DuckDB query computing the same 20 features (10 last values as known at t, 10
// windowed aggregates under the same knowledge rule) on the same staging files, and against the
// pandas merge_asof approach when python3 has pandas. Default: 20k frame rows over 200k events;
// --scale 50 gives 1M frame rows over 10M events. Prints one JSON line.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { count, avg, defineFeatureView, lastValue, max, sum, type FeatureSpec } from '../src/features/feature-view.js';
import { getTrainingFrame } from '../src/features/offline-retrieval.js';
import { openDuckDBSession } from '../src/staging/duckdb-session.js';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
const frameRows = Math.round(20_000 * scale);
const contacts = Math.round(10_000 * scale);
const contactVersions = 8; // 80k contact events at scale 1
const activities = Math.round(120_000 * scale);
const events = contacts * contactVersions + activities;
const SPAN_DAYS = 90;

const dir = mkdtempSync(join(tmpdir(), 'verity-bench-offline-'));
const db = await openDuckDBSession();
const stg = (entity: string) => join(dir, 'staging', `entity=${entity}`, 'tenant=t01');
mkdirSync(stg('contact'), { recursive: true });
mkdirSync(stg('activity'), { recursive: true });

// Staging files in Verity's layout, generated in SQL (same columns as buildStaging writes). 5% of
// versions are late (known days after they happened) so the as-known rule matters.
const common = `'t01' AS tenant_id, NULL::VARCHAR AS merged_into, NULL::VARCHAR AS merged_into_key, NULL::TIMESTAMPTZ AS known_to,
  NULL::VARCHAR AS changed_fields, 'bench' AS source_system, 'bench' AS source_connector, NULL::VARCHAR AS schema_version, NULL::VARCHAR AS consent`;
await db.run(`COPY (
  SELECT ${common}, 'contact' AS entity, '["c' || k || '"]' AS key, '{"contact_id":"c' || k || '"}' AS entity_key, v::INTEGER AS version,
    'e' || k || '_' || v AS event_id, 'upsert' AS op, false AS is_deleted,
    vf AS valid_from, lead(vf) OVER (PARTITION BY k ORDER BY v) AS valid_to,
    vf + CASE WHEN hash(k, v) % 20 = 0 THEN INTERVAL 3 DAY ELSE INTERVAL 1 SECOND END AS known_from,
    (k * 10 + v)::BIGINT AS ingest_seq, (k * 10 + v)::BIGINT AS knowledge_seq, vf AS ingest_time,
    json_object('contact_id', 'c' || k, ${Array.from({ length: 10 }, (_, i) => `'f${i}', (hash(k, v, ${i}) % 1000)::INTEGER`).join(', ')}) AS record, '{}' AS payload, v::VARCHAR AS source_position
  FROM (SELECT k, v, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_milliseconds((v - 1) * ${Math.floor((SPAN_DAYS * 86_400_000) / contactVersions)} + (hash(k, v) % 86400000)::BIGINT) AS vf
        FROM range(${contacts}) a(k), range(1, ${contactVersions + 1}) b(v))
  ORDER BY key, version) TO '${join(stg('contact'), 'part-00.parquet')}' (FORMAT parquet)`);
await db.run(`COPY (
  SELECT ${common}, 'activity' AS entity, '["a' || i || '"]' AS key, '{"activity_id":"a' || i || '"}' AS entity_key, 1 AS version,
    'a' || i AS event_id, 'upsert' AS op, false AS is_deleted, vf AS valid_from, NULL::TIMESTAMPTZ AS valid_to,
    vf + CASE WHEN hash(i) % 20 = 0 THEN INTERVAL 2 DAY ELSE INTERVAL 1 SECOND END AS known_from,
    (1000000000 + i)::BIGINT AS ingest_seq, (1000000000 + i)::BIGINT AS knowledge_seq, vf AS ingest_time,
    json_object('activity_id', 'a' || i, 'contact_id', 'c' || (hash(i) % ${contacts}), 'type', ['email_opened','meeting','page_view','call'][(1 + hash(i, 1) % 4)::BIGINT], 'duration_seconds', (hash(i, 2) % 3600)::INTEGER) AS record,
    '{}' AS payload, i::VARCHAR AS source_position
  FROM (SELECT i, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_milliseconds((hash(i, 3) % ${SPAN_DAYS * 86_400_000})::BIGINT) AS vf FROM range(${activities}) a(i))
  ORDER BY key) TO '${join(stg('activity'), 'part-00.parquet')}' (FORMAT parquet)`);
const framePath = join(dir, 'frame.parquet');
await db.run(`COPY (SELECT 'c' || (hash(r, 9) % ${contacts}) AS contact_id, TIMESTAMPTZ '2026-01-01 00:00:00+00' + to_milliseconds((hash(r, 8) % ${SPAN_DAYS * 86_400_000})::BIGINT) AS timestamp, (r % 2)::INTEGER AS label FROM range(${frameRows}) t(r) ORDER BY r) TO '${framePath}' (FORMAT parquet)`);
db.close();

const features: Record<string, FeatureSpec> = {};
for (let i = 0; i < 10; i++) features[`f${i}`] = lastValue(`f${i}`, { type: 'integer' });
const types = ['email_opened', 'meeting', 'page_view', 'call'];
const windows = ['1d', '7d', '30d'];
for (let i = 0; i < 6; i++) features[`n_${types[i % 4]}_${windows[i % 3]}`] = count({ from: 'activity', where: { type: types[i % 4]! }, window: windows[i % 3]! });
features.dur_sum_7d = sum('duration_seconds', { from: 'activity', window: '7d' });
features.dur_avg_30d = avg('duration_seconds', { from: 'activity', window: '30d' });
features.dur_max_30d = max('duration_seconds', { from: 'activity', window: '30d' });
features.n_all_30d = count({ from: 'activity', window: '30d' });
const view = defineFeatureView({ name: 'bench', entity: 'contact', keys: ['contact_id'], features, lookback: '365d' });

async function timeVerity(): Promise<number> {
  const t0 = performance.now();
  const frame = await getTrainingFrame({ path: framePath }, [view], { lakeDir: dir, tenant: 't01' });
  await frame.writeParquet(join(dir, 'verity.parquet'));
  frame.close();
  return performance.now() - t0;
}

async function timePeer(): Promise<number> {
  const peer = await openDuckDBSession();
  const w = (d: string) => ({ '1d': 86_400_000, '7d': 604_800_000, '30d': 2_592_000_000 })[d]!;
  const agg = [
    ...Array.from({ length: 6 }, (_, i) => `count(*) FILTER (WHERE e.type = '${types[i % 4]}' AND e.valid_from > f.t - to_milliseconds(${w(windows[i % 3]!)})) AS n${i}`),
    `coalesce(sum(e.dur) FILTER (WHERE e.valid_from > f.t - to_milliseconds(${w('7d')})), 0) AS dur_sum_7d`,
    'avg(e.dur) AS dur_avg_30d',
    'max(e.dur) AS dur_max_30d',
    'count(*) AS n_all_30d',
  ];
  const t0 = performance.now();
  await peer.run(`COPY (
    WITH f AS (SELECT row_number() OVER () AS rid, contact_id, timestamp AS t, label FROM read_parquet('${framePath}')),
    c AS (SELECT * FROM read_parquet('${join(stg('contact'), '*.parquet')}')),
    lv AS (SELECT f.rid, arg_max(c.record, c.version) AS rec FROM f JOIN c ON c.key = '["' || f.contact_id || '"]' AND c.valid_from <= f.t
             AND c.known_from <= f.t AND (c.known_to IS NULL OR c.known_to > f.t) AND c.valid_from > f.t - INTERVAL 365 DAY GROUP BY f.rid),
    e AS (SELECT json_extract_string(record, '$.contact_id') AS cid, json_extract_string(record, '$.type') AS type,
            TRY_CAST(json_extract_string(record, '$.duration_seconds') AS DOUBLE) AS dur, valid_from, known_from, known_to
          FROM read_parquet('${join(stg('activity'), '*.parquet')}')),
    ag AS (SELECT f.rid, ${agg.join(', ')} FROM f JOIN e ON e.cid = f.contact_id AND e.valid_from <= f.t AND e.valid_from > f.t - INTERVAL 30 DAY
             AND e.known_from <= f.t AND (e.known_to IS NULL OR e.known_to > f.t) GROUP BY f.rid)
    SELECT f.contact_id, f.t AS timestamp, f.label, ${Array.from({ length: 10 }, (_, i) => `TRY_CAST(json_extract_string(lv.rec, '$.f${i}') AS BIGINT) AS f${i}`).join(', ')},
      ${Array.from({ length: 6 }, (_, i) => `coalesce(ag.n${i}, 0) AS n${i}`).join(', ')}, coalesce(ag.dur_sum_7d, 0) AS dur_sum_7d, ag.dur_avg_30d, ag.dur_max_30d, coalesce(ag.n_all_30d, 0) AS n_all_30d
    FROM f LEFT JOIN lv USING (rid) LEFT JOIN ag USING (rid) ORDER BY f.rid) TO '${join(dir, 'peer.parquet')}' (FORMAT parquet, COMPRESSION zstd)`);
  const ms = performance.now() - t0;
  peer.close();
  return ms;
}

async function sameValues(): Promise<boolean> {
  const check = await openDuckDBSession();
  const [r] = await check.all(`SELECT count(*) AS n FROM (SELECT * EXCLUDE (rn) FROM (SELECT *, row_number() OVER () rn FROM read_parquet('${join(dir, 'verity.parquet')}'))) v
    POSITIONAL JOIN (SELECT * FROM read_parquet('${join(dir, 'peer.parquet')}')) p
    WHERE v.f3 IS DISTINCT FROM p.f3 OR v.f9 IS DISTINCT FROM p.f9 OR v.n_all_30d IS DISTINCT FROM p.n_all_30d OR abs(coalesce(v.dur_avg_30d, -1) - coalesce(p.dur_avg_30d, -1)) > 1e-6`);
  check.close();
  return Number(r!.n) === 0;
}

// The pandas peer (bench/pandas-peer.py) where a python3 with pandas is installed (Debian's
// python3-pandas; the first of python3 on PATH and /usr/bin/python3 that imports pandas). Its inputs
// are exported to CSV untimed; it times its compute only and writes its result, checked here
// against Verity's output.
async function runPandasPeer(): Promise<Record<string, unknown> | string> {
  const python = ['python3', '/usr/bin/python3'].find((py) => spawnSync(py, ['-c', 'import pandas'], { stdio: 'ignore' }).status === 0);
  if (!python) return 'unavailable (no python3 with pandas; Debian package python3-pandas)';
  const x = await openDuckDBSession();
  await x.run(`COPY (SELECT contact_id, epoch_ms(timestamp) AS t, label FROM read_parquet('${framePath}')) TO '${join(dir, 'frame.csv')}' (HEADER)`);
  await x.run(`COPY (SELECT json_extract_string(record, '$.contact_id') AS contact_id, version, epoch_ms(valid_from) AS valid_from, epoch_ms(known_from) AS known_from,
      epoch_ms(known_to) AS known_to, ${Array.from({ length: 10 }, (_, i) => `TRY_CAST(json_extract_string(record, '$.f${i}') AS BIGINT) AS f${i}`).join(', ')}
    FROM read_parquet('${join(stg('contact'), '*.parquet')}')) TO '${join(dir, 'contacts.csv')}' (HEADER)`);
  await x.run(`COPY (SELECT json_extract_string(record, '$.contact_id') AS cid, json_extract_string(record, '$.type') AS type,
      TRY_CAST(json_extract_string(record, '$.duration_seconds') AS DOUBLE) AS dur, epoch_ms(valid_from) AS valid_from, epoch_ms(known_from) AS known_from, epoch_ms(known_to) AS known_to
    FROM read_parquet('${join(stg('activity'), '*.parquet')}')) TO '${join(dir, 'activities.csv')}' (HEADER)`);
  const r = spawnSync(python, [join(import.meta.dirname, 'pandas-peer.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) {
    x.close();
    return `failed: ${(r.stderr || r.stdout).trim().split('\n').pop()}`;
  }
  const { compute_ms } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { compute_ms: number };
  const cols = ['f0', 'f3', 'f9', 'n_email_opened_1d', 'n_meeting_7d', 'n_page_view_30d', 'n_call_1d', 'dur_sum_7d', 'dur_max_30d', 'n_all_30d'];
  const [d] = await x.all(`SELECT count(*) AS n FROM (SELECT * FROM read_parquet('${join(dir, 'verity.parquet')}')) v
    POSITIONAL JOIN (SELECT * FROM read_csv('${join(dir, 'pandas.csv')}', header = true)) p
    WHERE ${cols.map((c) => `v.${c}::DOUBLE IS DISTINCT FROM p.${c}::DOUBLE`).join(' OR ')} OR abs(coalesce(v.dur_avg_30d, -1) - coalesce(p.dur_avg_30d, -1)) > 1e-6`);
  x.close();
  return { compute_ms, ratio: Math.round((verityMs / compute_ms) * 100) / 100, same_values: Number(d!.n) === 0, python };
}

// Warm-up (file cache, DuckDB extension load), then best of 2 each.
await timePeer();
const verityMs = Math.min(await timeVerity(), await timeVerity());
const peerMs = Math.min(await timePeer(), await timePeer());
const agree = await sameValues();
const pandas = await runPandasPeer();
rmSync(dir, { recursive: true, force: true });
console.log(
  JSON.stringify({
    bench: 'offline-retrieval',
    frame_rows: frameRows,
    events,
    features: 20,
    verity_ms: Math.round(verityMs),
    duckdb_handwritten_ms: Math.round(peerMs),
    ratio: Math.round((verityMs / peerMs) * 100) / 100,
    target_ratio: 1.5,
    same_values: agree,
    pandas_merge_asof: pandas,
  }),
);
