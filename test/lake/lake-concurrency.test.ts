import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import { StringMap, StringTable } from '../../src/lake/string-table.js';
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

describe('StringTable and StringMap', () => {
  it('counts distinct keys, finds them again and iterates them in insertion order', () => {
    const table = new StringTable();
    for (let i = 0; i < 5000; i++) expect(table.add(`id-${i}`)).toBe(true);
    expect(table.add('id-5')).toBe(false);
    expect(table.add('')).toBe(true);
    expect(table.size).toBe(5001);
    expect(table.has('id-4999')).toBe(true);
    expect(table.has('id-5000')).toBe(false);
    const keys = [...table.keys()];
    expect(keys.length).toBe(5001);
    expect(keys.slice(0, 3)).toEqual(['id-0', 'id-1', 'id-2']);
    expect(keys[5000]).toBe('');
  });

  it('keeps any string exactly: non-Latin-1, Latin-1 accents, lone surrogates, long keys', () => {
    const table = new StringTable();
    const odd = ['événement', '事件-1', 'emoji-😀', 'lone-\ud800', 'x'.repeat(100_000), 'é'.repeat(70), 'a\u0000b'];
    for (const k of odd) expect(table.add(k)).toBe(true);
    for (const k of odd) expect(table.add(k)).toBe(false);
    expect([...table.keys()]).toEqual(odd);
    expect(table.has('事件-2')).toBe(false);
    expect(table.has('evenement')).toBe(false);
  });

  it('maps keys to values by entry, new keys first undefined', () => {
    const map = new StringMap<number | { s: string }>();
    for (let i = 0; i < 70_000; i++) map.set(`k${i}`, i);
    expect(map.set('k7', { s: 'x' })).toBe(false);
    expect(map.get('k7')).toEqual({ s: 'x' });
    expect(map.get('k69999')).toBe(69999);
    expect(map.get('nope')).toBeUndefined();
    const e = map.intern('fresh');
    expect(map.valueAt(e)).toBeUndefined();
    map.setAt(e, 0);
    expect(map.get('fresh')).toBe(0);
    expect([...map.entries()].slice(-1)).toEqual([['fresh', 0]]);
    expect(map.size).toBe(70_001);
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
