import type { Envelope } from '../../src/envelope.js';
import type { FeatureView } from '../../src/features/feature-view.js';

/**
 * A deliberately naive point-in-time reference: plain loops over raw envelopes, no staging, no SQL.
 * Semantics (docs/features.md): knowledge filter `ingest_time <= t` (as-known) or none (latest);
 * merges known at t redirect the key to the survivor (up to 8 hops); the newest own event with
 * event_time <= t within lookback gives last values (null when it deletes); partial updates fold in
 * event order; windowed aggregates count every known, non-deleted event of the other entity in
 * (t - window, t] whose folded record joins the resolved key.
 */
export function naiveFeatures(events: Envelope[], view: FeatureView, row: { tenant: string; key: Record<string, string>; t: number }, knowledge: 'as-known' | 'latest'): Record<string, unknown> {
  const t = row.t;
  const known = (e: Envelope) => knowledge === 'latest' || Date.parse(e.ingest_time!) <= t;
  const keyOf = (k: Record<string, unknown>) => JSON.stringify(Object.keys(k).sort().map((n) => String(k[n])));
  const before = (a: Envelope, b: Envelope) => {
    const ta = Date.parse(a.event_time);
    const tb = Date.parse(b.event_time);
    if (ta !== tb) return ta - tb;
    if (a.source.system === b.source.system && a.source.connector === b.source.connector && /^\d+$/.test(a.source.position) && /^\d+$/.test(b.source.position)) {
      const d = Number(a.source.position) - Number(b.source.position);
      if (d !== 0) return d;
    }
    return a.ingest_seq! - b.ingest_seq!;
  };
  const history = (entity: string, key: string) =>
    events.filter((e) => e.tenant_id === row.tenant && e.entity === entity && keyOf(e.entity_key) === key && known(e)).sort(before);
  const fold = (list: Envelope[]) => {
    const states: Array<{ e: Envelope; record: Record<string, unknown>; deleted: boolean }> = [];
    let record: Record<string, unknown> = {};
    let deleted = false;
    for (const e of list) {
      if (e.op === 'delete' || e.op === 'merge' || e.op === 'truncate') {
        deleted = true;
      } else if (e.changed_fields && e.changed_fields.length) {
        if (deleted) record = {};
        record = { ...record };
        for (const f of e.changed_fields) record[f] = e.payload[f] ?? null;
        deleted = false;
      } else {
        record = { ...e.payload };
        deleted = false;
      }
      states.push({ e, record, deleted });
    }
    return states;
  };

  let key = keyOf(row.key);
  for (let hop = 0; hop < 8; hop++) {
    const merges = history(view.source, key).filter((e) => e.op === 'merge' && e.merged_into && Date.parse(e.event_time) <= t);
    const last = merges.at(-1);
    if (!last) break;
    key = keyOf(last.merged_into!);
  }

  const out: Record<string, unknown> = {};
  const own = fold(history(view.source, key)).filter((s) => Date.parse(s.e.event_time) <= t);
  const newest = own.at(-1);
  const current = newest && Date.parse(newest.e.event_time) > t - view.lookbackMs ? newest : undefined;
  for (const f of view.features) {
    if (f.kind === 'last_value') {
      const v = current && !current.deleted ? current.record[f.field] : null;
      out[f.name] = v === undefined ? null : v;
    } else if (f.kind === 'time_since') {
      if (!current || current.deleted) out[f.name] = null;
      else {
        const ts = f.field === '$event_time' ? Date.parse(current.e.event_time) : Date.parse(String(current.record[f.field]));
        out[f.name] = Number.isNaN(ts) ? null : (t - ts) / 1000;
      }
    } else if (f.kind === 'aggregate') {
      const byKey = new Map<string, Envelope[]>();
      for (const e of events) {
        if (e.tenant_id !== row.tenant || e.entity !== f.from || !known(e)) continue;
        const k = keyOf(e.entity_key);
        byKey.set(k, [...(byKey.get(k) ?? []), e]);
      }
      const matched: Array<{ t: number; record: Record<string, unknown> }> = [];
      for (const list of byKey.values()) {
        for (const s of fold(list.sort(before))) {
          const et = Date.parse(s.e.event_time);
          if (s.deleted || et > t || et <= t - f.windowMs) continue;
          const jk = JSON.stringify(Object.keys(f.on).sort().map((vk) => { const v = s.record[f.on[vk]!]; return v === null || v === undefined ? null : String(v); }));
          if (jk !== key) continue;
          if (!Object.entries(f.where).every(([w, vals]) => s.record[w] !== null && s.record[w] !== undefined && vals.map(String).includes(String(s.record[w])))) continue;
          matched.push({ t: et, record: s.record });
        }
      }
      const nums = f.field ? matched.map((m) => m.record[f.field!]).filter((v) => v !== null && v !== undefined && v !== '').map(Number).filter((n) => !Number.isNaN(n)) : [];
      switch (f.fn) {
        case 'count':
          out[f.name] = matched.length;
          break;
        case 'sum':
          out[f.name] = nums.reduce((a, b) => a + b, 0);
          break;
        case 'avg':
          out[f.name] = nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
          break;
        case 'min':
          out[f.name] = nums.length ? Math.min(...nums) : null;
          break;
        case 'max':
          out[f.name] = nums.length ? Math.max(...nums) : null;
          break;
        case 'distinct':
          out[f.name] = new Set(matched.map((m) => m.record[f.field!]).filter((v) => v !== null && v !== undefined).map(String)).size;
          break;
        case 'last_time':
          out[f.name] = matched.length ? (t - Math.max(...matched.map((m) => m.t))) / 1000 : null;
          break;
      }
    }
  }
  return out;
}
