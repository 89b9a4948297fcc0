import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import type { Envelope } from '../../src/envelope.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from './helpers.js';

afterEach(cleanup);

const logFiles = (dir: string) => readdirSync(join(dir, 'log')).filter((n) => n.endsWith('.log')).sort();

async function ids(lake: { scanRaw(): AsyncIterable<Envelope> }): Promise<string[]> {
  const out: string[] = [];
  for await (const e of lake.scanRaw()) out.push(e.event_id);
  return out;
}

describe('compaction', () => {
  it('writes Parquet with the raw-zone columns, partitioned, with a catalog of rows, seq ranges and sha256', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir, contracts: testResolver(), clock: fixedClock() });
    await lake.ingest([lead(1), lead(2), lead(3), lead(4, { status: 'qualifed' })]);
    const report = await lake.compact();
    const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
    expect(catalog.compactedThrough).toBe(4);
    expect(catalog.files).toHaveLength(report.files.length);
    for (const f of catalog.files) {
      const bytes = readFileSync(join(dir, f.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(f.path).toMatch(new RegExp(`^${f.zone}/tenant=${f.tenant_id}/entity=${f.entity}/date=${f.date}/part-${f.min_seq}-${f.max_seq}\\.parquet$`));
    }
    expect(catalog.files.filter((f: { zone: string }) => f.zone === 'raw').reduce((n: number, f: { rows: number }) => n + f.rows, 0)).toBe(3);
    const schema = await lake.query(`DESCRIBE SELECT * FROM read_parquet('${join(dir, catalog.files[0].path)}', hive_partitioning = false)`);
    expect(schema.map((c) => c.column_name)).toEqual([
      'event_id', 'tenant_id', 'entity', 'entity_key', 'op', 'merged_into', 'event_time', 'ingest_time', 'ingest_seq',
      'source_system', 'source_connector', 'source_position', 'schema_version', 'payload', 'changed_fields', 'consent',
    ]);
    const typed = await lake.query(`SELECT typeof(event_time) AS et, typeof(ingest_seq) AS s, typeof(changed_fields) AS cf FROM raw_events LIMIT 1`);
    expect(typed).toEqual([{ et: 'TIMESTAMP WITH TIME ZONE', s: 'BIGINT', cf: 'VARCHAR[]' }]);
    expect(logFiles(dir)).toHaveLength(1); // only the new active segment
    await lake.close();
  });

  it('a re-run with nothing new compacts nothing', async () => {
    const lake = await openLake({ dir: tempDir() });
    await lake.ingest([lead(1)]);
    await lake.compact();
    expect(await lake.compact()).toMatchObject({ segments: 0, files: [] });
    await lake.close();
  });

  it('ignores and removes orphan files of a compaction that crashed before its catalog update', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2)]);
    await lake.close();
    const orphan = join(dir, 'raw', 'tenant=t01', 'entity=lead', 'date=2026-03-02');
    mkdirSync(orphan, { recursive: true });
    writeFileSync(join(orphan, 'part-1-2.parquet'), 'half-written');
    mkdirSync(join(dir, 'tmp', 'compact-2'), { recursive: true });
    lake = await openLake({ dir });
    expect(existsSync(join(orphan, 'part-1-2.parquet'))).toBe(false);
    expect(existsSync(join(dir, 'tmp', 'compact-2'))).toBe(false);
    await lake.compact();
    expect(await ids(lake)).toEqual(['evt-1', 'evt-2']);
    await lake.close();
  });

  it('never duplicates when a crash left compacted segments behind (before or after the checkpoint)', async () => {
    for (const dropCheckpoint of [false, true]) {
      const dir = tempDir();
      let lake = await openLake({ dir });
      await lake.ingest([lead(1), lead(2)]);
      await lake.ingest([lead(3)]);
      const [segment] = logFiles(dir);
      const saved = join(dir, 'saved.log');
      await lake.close();
      copyFileSync(join(dir, 'log', segment!), saved);
      lake = await openLake({ dir });
      await lake.compact();
      await lake.close();
      copyFileSync(saved, join(dir, 'log', segment!)); // the segment the crash did not get to remove
      if (dropCheckpoint) rmSync(join(dir, 'index', 'checkpoint.ndjson'));
      lake = await openLake({ dir });
      expect(await ids(lake)).toEqual(['evt-1', 'evt-2', 'evt-3']);
      expect(await lake.query('SELECT count(*) AS n FROM raw_events')).toEqual([{ n: 3 }]);
      expect((await lake.ingest([lead(2), lead(4)])).results.map((r) => r.status)).toEqual(['duplicate', 'accepted']);
      await lake.compact();
      expect(await ids(lake)).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4']);
      expect(logFiles(dir)).not.toContain(segment);
      await lake.close();
    }
  });

  it('keeps dedupe, known keys and previous states across compaction and restart (index checkpoint)', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir, contracts: testResolver() });
    await lake.ingest([lead(1, { status: 'new' })]);
    await lake.compact();
    await lake.close();
    expect(logFiles(dir)).toHaveLength(1);
    lake = await openLake({ dir, contracts: testResolver() });
    const report = await lake.ingest([lead(1), { ...lead(1, { status: 'converted' }), event_id: 'evt-1b' }, { ...lead(1, { status: 'contacted' }), event_id: 'evt-1c' }]);
    expect(report.results.map((r) => r.status)).toEqual(['duplicate', 'quarantined', 'accepted']);
    expect(report.byReason).toEqual({ 'contract:transition': 1 });
    await lake.close();
  });

  it('scans filtered by tenant, entity and seq range across Parquet and the log', async () => {
    const lake = await openLake({ dir: tempDir() });
    await lake.ingest([lead(1), { ...lead(2), tenant_id: 't02' }, lead(3)]);
    await lake.compact();
    await lake.ingest([lead(4), { ...lead(5), tenant_id: 't02' }]);
    const got: Array<[string, number]> = [];
    for await (const e of lake.scanRaw({ tenant_id: 't01', fromSeq: 3 })) got.push([e.event_id, e.ingest_seq!]);
    expect(got).toEqual([
      ['evt-3', 3],
      ['evt-4', 4],
    ]);
    await lake.close();
  });
});
