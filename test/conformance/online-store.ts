import { afterEach, expect, it } from 'vitest';
import type { OnlineCell, OnlineStore } from '../../src/features/online-store.js';
import { rng } from '../features/crm-history.js';

/** How a conformance run makes stores: `open` may be called several times and must give handles on the SAME data. */
export interface OnlineStoreHarness {
  open(): Promise<OnlineStore>;
}

/**
 * The shared online store suite: every implementation must pass it against its real backend. It
 * proves the write rule (larger `(event_time, ingest_seq)` wins, atomically per cell) under
 * out-of-order and concurrent writes, plus reads, clears, persistence and lifecycle.
 */
export function onlineStoreConformance(harness: OnlineStoreHarness): void {
  const opened: OnlineStore[] = [];
  const open = async () => {
    const s = await harness.open();
    opened.push(s);
    return s;
  };
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
  });
  const cell = (value: unknown, event_time: number, ingest_seq: number): OnlineCell => ({ value, event_time, ingest_seq });

  it('returns undefined for a key never written', async () => {
    const s = await open();
    expect(await s.read('t01', 'v', ['["nobody"]'])).toEqual([undefined]);
  });

  it('keeps the write with the larger (event_time, ingest_seq) and skips older or equal ones', async () => {
    const s = await open();
    const w = (c: OnlineCell) => s.write([{ tenant: 't01', view: 'v', key: '["k1"]', cells: { score: c } }]);
    expect(await w(cell(10, 1000, 5))).toEqual({ applied: 1, skipped: 0 });
    expect(await w(cell(9, 999, 50))).toEqual({ applied: 0, skipped: 1 }); // older event time, newer position
    expect(await w(cell(8, 1000, 4))).toEqual({ applied: 0, skipped: 1 }); // same time, older position
    expect(await w(cell(7, 1000, 5))).toEqual({ applied: 0, skipped: 1 }); // a replay
    expect((await s.read('t01', 'v', ['["k1"]']))[0]!.score).toEqual(cell(10, 1000, 5));
    expect(await w(cell(11, 1000, 6))).toEqual({ applied: 1, skipped: 0 }); // same time, newer position
    expect(await w(cell({ nested: [1, 'x'] }, 2000, 1))).toEqual({ applied: 1, skipped: 0 });
    expect((await s.read('t01', 'v', ['["k1"]']))[0]!.score).toEqual(cell({ nested: [1, 'x'] }, 2000, 1));
  });

  it('applies each cell of a row independently', async () => {
    const s = await open();
    await s.write([{ tenant: 't01', view: 'v', key: '["k2"]', cells: { a: cell('a1', 100, 1), b: cell('b1', 300, 3) } }]);
    const r = await s.write([{ tenant: 't01', view: 'v', key: '["k2"]', cells: { a: cell('a2', 200, 2), b: cell('b2', 200, 2), c: cell(null, 200, 2) } }]);
    expect(r).toEqual({ applied: 2, skipped: 1 });
    const [row] = await s.read('t01', 'v', ['["k2"]']);
    expect(row).toEqual({ a: cell('a2', 200, 2), b: cell('b1', 300, 3), c: cell(null, 200, 2) });
    expect(await s.read('t01', 'v', ['["k2"]', '["none"]'], ['a'])).toEqual([{ a: cell('a2', 200, 2) }, undefined]);
  });

  it('ends at the newest version whatever order out-of-order writes arrive in', async () => {
    const s = await open();
    const r = rng(11);
    const versions = Array.from({ length: 120 }, (_, i) => cell(i, 1000 + Math.floor(i / 3), i));
    for (let i = versions.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [versions[i], versions[j]] = [versions[j]!, versions[i]!];
    }
    for (const v of versions) await s.write([{ tenant: 't01', view: 'v', key: '["k3"]', cells: { x: v } }]);
    expect((await s.read('t01', 'v', ['["k3"]']))[0]!.x).toEqual(cell(119, 1039, 119));
  });

  it('ends at the newest version under concurrent writers', async () => {
    // Shared stores get several handles (clients) writing at once; a process-local store one handle.
    const first = await open();
    const writers = first.capabilities.shared ? [first, ...(await Promise.all([open(), open(), open()]))] : [first];
    const r = rng(5);
    const keys = ['["c1"]', '["c2"]', '["c3"]'];
    const tasks: Array<Promise<unknown>> = [];
    const best = new Map<string, OnlineCell>();
    for (let i = 0; i < 400; i++) {
      const key = keys[i % keys.length]!;
      const c = cell(`v${i}`, 5000 + Math.floor(r() * 50), Math.floor(r() * 1000));
      const cur = best.get(key);
      if (!cur || c.event_time > cur.event_time || (c.event_time === cur.event_time && c.ingest_seq > cur.ingest_seq)) best.set(key, c);
      tasks.push(writers[i % writers.length]!.write([{ tenant: 't01', view: 'conc', key, cells: { x: c } }]));
    }
    await Promise.all(tasks);
    const rows = await writers[0]!.read('t01', 'conc', keys);
    for (let i = 0; i < keys.length; i++) {
      const got = rows[i]!.x!;
      const want = best.get(keys[i]!)!;
      expect([got.event_time, got.ingest_seq]).toEqual([want.event_time, want.ingest_seq]);
    }
  });

  it('reads back every kind of JSON value, for one key and for many', async () => {
    const s = await open();
    const values: unknown[] = [0, 1.5, -3, 1e21, 123456789012345, 'plain', '', '123', 'null', '-5', 'with "quotes" and \\ a backslash', 'line\nbreak\ttab', 'é 😀 \u2028', true, false, null, [1, 'x'], { a: { b: null } }];
    const cells = Object.fromEntries(values.map((v, i) => [`v${i}`, cell(v, 100 + i, i)]));
    const keys = Array.from({ length: 30 }, (_, i) => `["kv${i}"]`);
    await s.write(keys.map((key) => ({ tenant: 't01', view: 'kinds', key, cells })));
    const rows = await s.read('t01', 'kinds', [...keys, '["absent"]']);
    expect(rows).toHaveLength(31);
    for (const row of rows.slice(0, 30)) expect(row).toEqual(cells);
    expect(rows[30]).toBeUndefined();
    expect(await s.read('t01', 'kinds', [keys[3]!], ['v5', 'v16'])).toEqual([{ v5: cells.v5, v16: cells.v16 }]);
    expect(await s.read('t01', 'kinds', [])).toEqual([]);
  });

  it('separates tenants and views, and clears one view', async () => {
    const s = await open();
    await s.write([
      { tenant: 't01', view: 'a', key: '["k"]', cells: { x: cell(1, 1, 1) } },
      { tenant: 't02', view: 'a', key: '["k"]', cells: { x: cell(2, 1, 1) } },
      { tenant: 't01', view: 'b', key: '["k"]', cells: { x: cell(3, 1, 1) } },
    ]);
    expect((await s.read('t02', 'a', ['["k"]']))[0]!.x!.value).toBe(2);
    await s.clearView('t01', 'a');
    expect(await s.read('t01', 'a', ['["k"]'])).toEqual([undefined]);
    expect((await s.read('t01', 'b', ['["k"]']))[0]!.x!.value).toBe(3);
  });

  it('keeps values across a close and reopen when persistent, and closes twice safely', async () => {
    const s = await harness.open();
    await s.write([{ tenant: 't01', view: 'p', key: '["k"]', cells: { x: cell('kept', 10, 1) } }]);
    await s.close();
    await s.close();
    if (!s.capabilities.persistent) return;
    const again = await open();
    expect((await again.read('t01', 'p', ['["k"]']))[0]!.x).toEqual(cell('kept', 10, 1));
    await again.write([{ tenant: 't01', view: 'p', key: '["k"]', cells: { x: cell('older', 9, 99) } }]);
    expect((await again.read('t01', 'p', ['["k"]']))[0]!.x!.value).toBe('kept');
  });
}
