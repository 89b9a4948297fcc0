import { describe, expect, it } from 'vitest';
import { computeDerived, conformValue } from '../../src/features/feature-values.js';
import { count, defineFeatureView, derived, lastValue, timeSince, timeSinceLast, type FeatureView } from '../../src/features/feature-view.js';
import { MERGED_INTO_CELL, STATE_CELL, getOnlineFeatures, type OnlineFeatureRow, type OnlineFeatureValue } from '../../src/features/online-features.js';
import { onlineResponseJson } from '../../src/features/online-response.js';
import type { OnlineCell, OnlineWrite } from '../../src/features/online-store.js';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';
import { canonicalKey } from '../../src/staging/canonical.js';
import { rng } from './crm-history.js';

// Keys declared out of name order, so the canonical (sorted) key order differs from the view's.
const view = defineFeatureView({
  name: 'reads',
  entity: 'account',
  keys: ['zone', 'account_id'],
  maxAge: '1h',
  features: {
    score: lastValue('score', { type: 'integer', min: 0, max: 100 }),
    plan: lastValue('plan', { type: 'string' }),
    ratio: lastValue('ratio', { type: 'number', nulls: { fill: -1 } }),
    active: lastValue('active', { type: 'boolean' }),
    seen_at: lastValue('seen_at', { type: 'timestamp' }),
    since_update_s: timeSince('$event_time'),
    opens_7d: count({ from: 'activity', window: '7d' }),
    since_activity_s: timeSinceLast({ from: 'activity', window: '30d' }),
    hot: derived((f) => Number(f.score) > 50 && Number(f.opens_7d) > 0, { type: 'boolean' }),
    broken: derived(() => {
      throw new Error('no');
    }),
  },
});

/** The straightforward reading of the rules (status, age, maxAge, deletes, merges, derived), per entity and feature. */
async function reference(rowsOf: (keys: string[]) => Promise<Array<Record<string, OnlineCell> | undefined>>, v: FeatureView, entities: Array<Record<string, unknown>>, now: number, features?: string[]) {
  const wanted = features ? new Set(features) : undefined;
  const keys = entities.map((e) => canonicalKey(Object.fromEntries(v.keys.map((k) => [k, e[k]]))));
  let rows = await rowsOf(keys);
  for (let hop = 0; hop < 8; hop++) {
    const redirect = rows.map((r) => (r?.[MERGED_INTO_CELL]?.value ? String(r[MERGED_INTO_CELL].value) : undefined));
    if (!redirect.some(Boolean)) break;
    const next = await rowsOf(redirect.map((r) => r ?? '["-"]'));
    rows = rows.map((r, i) => (redirect[i] ? next[i] : r));
  }
  return entities.map((entity, i) => {
    const row = rows[i];
    const deleted = row?.[STATE_CELL]?.value === 'deleted';
    const out: Record<string, OnlineFeatureValue> = {};
    const values: Record<string, unknown> = {};
    const metas: OnlineFeatureValue[] = [];
    for (const f of v.features) {
      if (f.kind === 'derived') continue;
      const cell = row?.[f.name];
      let fv: OnlineFeatureValue = { value: null, status: 'NOT_FOUND', event_time: null, age_ms: null };
      if (cell && !((f.kind === 'last_value' || f.kind === 'time_since') && deleted)) {
        let value = cell.value;
        if (f.kind === 'time_since' || (f.kind === 'aggregate' && f.timeSince)) value = typeof value === 'number' ? (now - value) / 1000 : null;
        const age = now - cell.event_time;
        fv = { value: conformValue(f.contract, value).value, status: age > v.maxAgeMs! ? 'STALE' : 'OK', event_time: new Date(cell.event_time).toISOString(), age_ms: age };
        metas.push(fv);
      }
      values[f.name] = fv.value;
      if (!wanted || wanted.has(f.name)) out[f.name] = fv;
    }
    const d = computeDerived(v, values);
    const oldest = metas.length ? Math.min(...metas.map((m) => Date.parse(m.event_time!))) : undefined;
    for (const f of v.features) {
      if (f.kind !== 'derived' || (wanted && !wanted.has(f.name))) continue;
      out[f.name] =
        oldest === undefined
          ? { value: d[f.name] ?? null, status: 'NOT_FOUND', event_time: null, age_ms: null }
          : { value: d[f.name] ?? null, status: metas.some((m) => m.status === 'STALE') ? 'STALE' : 'OK', event_time: new Date(oldest).toISOString(), age_ms: now - oldest };
    }
    return { entity, resolved_key: '', features: out };
  });
}

describe('online reads', () => {
  it('agree with the straightforward reading of the rules on random rows (deletes, merges, stale, missing, subsets)', async () => {
    const r = rng(17);
    const now = Date.parse('2026-03-01T12:00:00.000Z');
    const store = createMemoryOnlineStore();
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const valueFor: Record<string, () => unknown> = {
      score: () => pick([10, 77, 150, '42', 'x', null, 3.5]),
      plan: () => pick(['pro', 'say "hi"\n', 7, { a: 1 }, null]),
      ratio: () => pick([0.25, -2, null, '1e3']),
      active: () => pick([true, false, 'true', 'no', null]),
      seen_at: () => pick(['2026-02-01T00:00:00Z', now - 5000, 'later', null]),
      since_update_s: () => pick([now - 90_000, now - 1234.5, 'x']),
      opens_7d: () => pick([0, 3, null]),
      since_activity_s: () => pick([now - 60_000, null]),
    };
    const writes: OnlineWrite[] = [];
    const entities: Array<Record<string, unknown>> = [];
    for (let e = 0; e < 120; e++) {
      const entity = { account_id: r() < 0.3 ? e : `a${e}`, zone: pick(['eu', 'us']) };
      entities.push(r() < 0.1 ? { ...entity, extra: 'ignored' } : entity);
      if (r() < 0.1) continue; // never written
      const cells: Record<string, OnlineCell> = {};
      for (const [name, gen] of Object.entries(valueFor)) if (r() < 0.85) cells[name] = { value: gen(), event_time: now - Math.floor(r() * 7_200_000) - (r() < 0.2 ? 0.5 : 0), ingest_seq: e };
      if (r() < 0.15) cells[STATE_CELL] = { value: 'deleted', event_time: now, ingest_seq: e };
      if (r() < 0.1 && e > 0) cells[MERGED_INTO_CELL] = { value: canonicalKey({ account_id: `a${e - 1}`, zone: 'eu' }), event_time: now, ingest_seq: e };
      writes.push({ tenant: 't01', view: view.name, key: canonicalKey(entity), cells });
    }
    await store.write(writes);
    const rowsOf = (keys: string[]) => store.read('t01', view.name, keys);
    for (const features of [undefined, ['score', 'hot'], ['plan', 'since_update_s'], ['broken'], ['opens_7d']]) {
      const got = await getOnlineFeatures(store, view, entities, { tenant: 't01', now: new Date(now), ...(features ? { features } : {}) });
      const want = await reference(rowsOf, view, entities, now, features);
      expect(got.map((g) => ({ ...g, resolved_key: '' }))).toEqual(want);
      expect(got.map((g) => Object.keys(g.features))).toEqual(want.map((w) => Object.keys(w.features)));
    }
  });

  it('names the missing key field as before', async () => {
    const store = createMemoryOnlineStore();
    await expect(getOnlineFeatures(store, view, [{ zone: 'eu', account_id: 'a' }, { account_id: 'b' }], { tenant: 't01' })).rejects.toThrow('Entity 1 lacks key field "zone" of view "reads"');
    await expect(getOnlineFeatures(store, view, [{ zone: 'eu', account_id: true }], { tenant: 't01' })).rejects.toThrow('Entity 0 lacks key field "account_id"');
  });
});

describe('onlineResponseJson', () => {
  it('writes exactly what JSON.stringify writes for the answer', () => {
    const fv = (value: unknown, status: OnlineFeatureValue['status'] = 'OK', age: number | null = 12.5): OnlineFeatureValue => ({ value, status, event_time: age === null ? null : '2026-03-01T10:00:00.000Z', age_ms: age });
    const rows: OnlineFeatureRow[] = [
      { entity: { zone: 'eu', account_id: 7, note: 'quote " and \\ and \n and é 😀 \u2028' }, resolved_key: '', features: { score: fv(77), plan: fv('say "hi"\n\t'), ratio: fv(-0.125, 'STALE', 3_600_001), active: fv(false), hot: fv(true), none: fv(null, 'NOT_FOUND', null) } },
      { entity: {}, resolved_key: '', features: { big: fv(1e21), neg: fv(-3), obj: fv({ a: [1, 'x', null] }), nan: fv(Number.NaN), inf: fv(Number.POSITIVE_INFINITY, 'OK', 0) } },
      { entity: { account_id: 'x' }, resolved_key: '', features: {} },
      // Same event time, then a different age, then a different status: each value gets its own tail.
      { entity: { account_id: 'y' }, resolved_key: '', features: { a: fv(1, 'OK', 100.5), b: fv(2, 'OK', 100), c: fv(3, 'STALE', 100), d: fv(4, 'STALE', 100), e: fv(5, 'NOT_FOUND', null), f: fv(6, 'OK', 100) } },
    ];
    for (const [tenant, rs] of [['t01', rows], ['t-"2"', []]] as const) {
      const expected = JSON.stringify({ view: view.name, view_version: view.version, tenant, rows: rs.map((r) => ({ entity: r.entity, features: r.features })) });
      expect(onlineResponseJson(view, tenant, rs)).toBe(expected);
    }
  });
});
