/**
 * Compaction of the append log into partitioned Parquet (read segments, extract columns,
 * partition by tenant/entity/date, fsync, sha256, catalog, index checkpoint) vs DuckDB's own
 * `COPY (SELECT …) TO 'x.parquet'` of the same rows from a table, in the same run and the same
 * DuckDB build, both zstd. Rates are MB of log data (the same bytes for both) per second.
 * Prints one JSON line. `--scale N` multiplies the 200k events of the default size.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLake } from '../src/lake/lake.js';
import type { Envelope } from '../src/envelope.js';
import { benchResolver, makeEnvelopeLines, scaleArg } from './bench-data.js';

const scale = scaleArg();
const count = Math.round(200_000 * scale);
const dir = mkdtempSync(join(tmpdir(), 'verity-bench-compact-'));
const seconds = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e9;

try {
  const lines = makeEnvelopeLines(count, 11);
  const lake = await openLake({ dir: join(dir, 'lake'), contracts: benchResolver(), maxSegmentBytes: 1 << 30 });
  for (let i = 0; i < lines.length; i += 10_000) {
    const chunk = lines.slice(i, i + 10_000);
    await lake.ingest(chunk.map((l) => JSON.parse(l) as Envelope), { originals: chunk });
  }
  const logBytes = (await lake.stats()).files.segmentBytes;

  // Peer: the same rows, already in a DuckDB table, written by DuckDB's COPY.
  await lake.query('CREATE TEMP TABLE peer_raw AS SELECT * FROM raw_events; CREATE TEMP TABLE peer_quarantine AS SELECT * FROM quarantine_events');
  const rows = Number((await lake.query('SELECT (SELECT count(*) FROM peer_raw) + (SELECT count(*) FROM peer_quarantine) AS n'))[0]!.n);
  const peerFile = (z: string) => join(dir, `peer-${z}.parquet`);
  let t0 = process.hrtime.bigint();
  await lake.query(`COPY (SELECT * FROM peer_raw) TO '${peerFile('raw')}' (FORMAT parquet, COMPRESSION zstd)`);
  await lake.query(`COPY (SELECT * FROM peer_quarantine) TO '${peerFile('quarantine')}' (FORMAT parquet, COMPRESSION zstd)`);
  const peerSeconds = seconds(t0);
  const peerBytes = statSync(peerFile('raw')).size + statSync(peerFile('quarantine')).size;
  // Context: DuckDB's own partitioned COPY into the same tenant/entity/date layout (no fsync, hash or catalog).
  t0 = process.hrtime.bigint();
  await lake.query(`SET partitioned_write_max_open_files = 100000; COPY (SELECT *, tenant_id AS p_tenant, entity AS p_entity, strftime(event_time, '%Y-%m-%d') AS p_date FROM peer_raw) TO '${join(dir, 'peer-partitioned')}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (p_tenant, p_entity, p_date))`);
  await lake.query(`COPY (SELECT *, tenant_id AS p_tenant, entity AS p_entity, strftime(ingest_time, '%Y-%m-%d') AS p_date FROM peer_quarantine) TO '${join(dir, 'peer-partitioned-q')}' (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (p_tenant, p_entity, p_date))`);
  const partitionedSeconds = seconds(t0);
  await lake.query('DROP TABLE peer_raw; DROP TABLE peer_quarantine');

  t0 = process.hrtime.bigint();
  const report = await lake.compact();
  const oursSeconds = seconds(t0);
  const oursBytes = report.files.reduce((n, f) => n + f.bytes, 0);
  await lake.close();
  if (report.rawRows + report.quarantineRows !== rows) throw new Error(`row mismatch: ${report.rawRows + report.quarantineRows} vs ${rows}`);
  const mb = logBytes / 1e6;
  console.log(
    JSON.stringify({
      bench: 'compaction',
      events: count,
      rows,
      log_mb: +mb.toFixed(1),
      compaction_mb_per_s: +(mb / oursSeconds).toFixed(1),
      duckdb_copy_mb_per_s: +(mb / peerSeconds).toFixed(1),
      ratio: +(peerSeconds / oursSeconds).toFixed(3),
      duckdb_partitioned_copy_mb_per_s: +(mb / partitionedSeconds).toFixed(1),
      ratio_vs_partitioned: +(partitionedSeconds / oursSeconds).toFixed(3),
      compaction_seconds: +oursSeconds.toFixed(2),
      duckdb_copy_seconds: +peerSeconds.toFixed(2),
      files: report.files.length,
      phases_ms: report.timings,
      parquet_mb: +(oursBytes / 1e6).toFixed(1),
      peer_parquet_mb: +(peerBytes / 1e6).toFixed(1),
      node: process.version,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
