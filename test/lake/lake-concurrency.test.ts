import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import { ShardedMap } from '../../src/lake/sharded-map.js';
import type { Envelope } from '../../src/envelope.js';
import { cleanup, lead, tempDir } from './helpers.js';

afterEach(cleanup);

describe('lake under concurrent use', () => {
  it('loses and duplicates nothing when ingest runs during compaction and scans', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir, maxSegmentBytes: 8 * 1024 });
    let n = 0;
    const writer = async () => {
      for (let b = 0; b < 20; b++) {
        const batch: Envelope[] = [];
        for (let i = 0; i < 25; i++) batch.push(lead(n++));
        batch.push(lead(Math.max(0, n - 30))); // a duplicate in every batch
        await lake.ingest(batch);
      }
    };
    const scanner = async () => {
      for (let k = 0; k < 3; k++) {
        const seen = new Set<string>();
        for await (const e of lake.scanRaw()) {
          expect(seen.has(e.event_id)).toBe(false);
          seen.add(e.event_id);
        }
      }
    };
    await Promise.all([writer(), writer(), lake.compact(), scanner(), lake.compact(), scanner()]);
    await lake.compact();
    const ids: string[] = [];
    for await (const e of lake.scanRaw()) ids.push(e.event_id);
    expect(ids.length).toBe(n);
    expect(new Set(ids).size).toBe(n);
    expect(await lake.query('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM raw_events')).toEqual([{ n, d: n }]);
    await lake.close();
    const reopened = await openLake({ dir });
    expect((await reopened.ingest([lead(0), lead(n - 1)])).duplicates).toBe(2);
    await reopened.close();
  });

  it('refuses a truncated index checkpoint instead of forgetting event ids', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2)]);
    await lake.compact();
    await lake.close();
    const path = join(dir, 'index', 'checkpoint.ndjson');
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n');
    writeFileSync(path, lines.slice(0, -1).join('\n') + '\n');
    await expect(openLake({ dir })).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
  });
});

describe('ShardedMap', () => {
  it('counts distinct keys across shards and iterates them all', () => {
    const map = new ShardedMap<number>();
    for (let i = 0; i < 1000; i++) map.set(`id-${i}`, i);
    expect(map.set('id-5', 5)).toBe(false);
    expect(map.set('', 0)).toBe(true);
    expect(map.size).toBe(1001);
    expect([...map.keys()].length).toBe(1001);
    expect(map.get('id-999')).toBe(999);
    expect(map.has('id-1000')).toBe(false);
  });
});

describe('background compaction', () => {
  it('compacts on its own after compactAfterRows records, and close waits for it', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir, compactAfterRows: 50 });
    for (let b = 0; b < 4; b++) await lake.ingest(Array.from({ length: 30 }, (_, i) => lead(b * 30 + i)));
    await lake.close();
    const catalog = JSON.parse(readFileSync(join(dir, 'catalog.json'), 'utf8'));
    expect(catalog.compactedThrough).toBeGreaterThanOrEqual(60);
    const reopened = await openLake({ dir, readOnly: true });
    const ids: string[] = [];
    for await (const e of reopened.scanRaw()) ids.push(e.event_id);
    expect(ids).toEqual(Array.from({ length: 120 }, (_, i) => `evt-${i}`));
    await reopened.close();
  });
});
