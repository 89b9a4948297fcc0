import type { Envelope } from '../envelope.js';
import { canonicalKey } from '../staging/canonical.js';
import { openDuckDBSession, sqlString } from '../staging/duckdb-session.js';
import type { Feature, FeatureView } from './feature-view.js';
import { stagingRelations } from './offline-retrieval.js';

type Aggregate = Extract<Feature, { kind: 'aggregate' }>;

/** A windowed event as the online path keeps it. */
export interface WindowEvent {
  t: number;
  record: Record<string, unknown>;
}

/**
 * The online path's memory of recent events feeding a view's windowed aggregates: per (tenant,
 * source entity, join key), the events of the longest window, loaded from staging and extended by
 * accepted envelopes (deduplicated by event id).
 */
export interface WindowIndex {
  /** Adds an accepted envelope; returns the view keys whose aggregates it touches. */
  add(e: Envelope): string[];
  /** The events of `from` joined to `key` (all kept events; callers filter by window). */
  events(tenant: string, from: string, key: string): WindowEvent[];
}

const joinKey = (view: FeatureView, f: Aggregate, record: Record<string, unknown>): string | undefined => {
  const values: string[] = [];
  for (const k of [...view.keys].sort()) {
    const v = record[f.on[k]!];
    if (v === null || v === undefined) return undefined;
    values.push(String(v));
  }
  return JSON.stringify(values);
};

/** Loads a {@link WindowIndex} for a view from staging (latest knowledge, events inside the longest window). */
export async function createWindowIndex(view: FeatureView, lakeDir: string, clock: () => Date): Promise<WindowIndex> {
  const aggregates = view.features.filter((f): f is Aggregate => f.kind === 'aggregate');
  const maxWindow = new Map<string, number>();
  for (const f of aggregates) maxWindow.set(f.from, Math.max(maxWindow.get(f.from) ?? 0, f.windowMs));
  const lists = new Map<string, WindowEvent[]>();
  const seen = new Set<string>();
  const lastRecord = new Map<string, Record<string, unknown>>();
  const put = (tenant: string, from: string, t: number, record: Record<string, unknown>): string[] => {
    const keys = new Set<string>();
    for (const f of aggregates) {
      if (f.from !== from) continue;
      const jk = joinKey(view, f, record);
      if (jk) keys.add(jk);
    }
    for (const jk of keys) {
      const id = `${tenant}\u0000${from}\u0000${jk}`;
      let list = lists.get(id);
      if (!list) lists.set(id, (list = []));
      list.push({ t, record });
      const horizon = clock().getTime() - (maxWindow.get(from) ?? 0);
      if (list.length > 64 && list[0]!.t <= horizon) lists.set(id, list.filter((x) => x.t > horizon));
    }
    return [...keys];
  };
  const db = await openDuckDBSession();
  try {
    const staging = stagingRelations(db, lakeDir);
    const now = clock();
    for (const [from, w] of maxWindow) {
      const rows = await db.all(
        `SELECT tenant_id, event_id, key, epoch_ms(valid_from) AS t, record FROM ${await staging(from)} WHERE known_to IS NULL AND NOT is_deleted AND valid_from > ${sqlString(new Date(now.getTime() - w).toISOString())}::TIMESTAMPTZ ORDER BY tenant_id, key, version`,
      );
      for (const r of rows) {
        seen.add(`${String(r.tenant_id)}\u0000${String(r.event_id)}`);
        const record = JSON.parse(String(r.record)) as Record<string, unknown>;
        lastRecord.set(`${String(r.tenant_id)}\u0000${from}\u0000${String(r.key)}`, record);
        put(String(r.tenant_id), from, Number(r.t), record);
      }
    }
  } finally {
    db.close();
  }
  return {
    add(e) {
      if (!maxWindow.has(e.entity)) return [];
      const id = `${e.tenant_id}\u0000${e.event_id}`;
      if (seen.has(id)) return [];
      seen.add(id);
      if (e.op === 'delete' || e.op === 'merge' || e.op === 'truncate') return [];
      const rk = `${e.tenant_id}\u0000${e.entity}\u0000${canonicalKey(e.entity_key)}`;
      const record = e.changed_fields?.length ? { ...(lastRecord.get(rk) ?? {}), ...Object.fromEntries(e.changed_fields.map((f) => [f, e.payload[f] ?? null])) } : { ...e.payload };
      lastRecord.set(rk, record);
      return put(e.tenant_id, e.entity, Date.parse(e.event_time), record);
    },
    events(tenant, from, key) {
      return lists.get(`${tenant}\u0000${from}\u0000${key}`) ?? [];
    },
  };
}

const num = (v: unknown): number | undefined => {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};

/**
 * Computes one windowed aggregate over in-memory events at `now`, with the same semantics as the
 * offline SQL: events in `(now - window, now]` whose fields match `where` (compared as strings);
 * count/sum/distinct are 0 when nothing matches, avg/min/max/last_time null. `last_time` returns
 * the newest matching event's epoch ms (reads turn it into seconds since).
 */
export function aggregateInMemory(f: Aggregate, events: readonly WindowEvent[], now: number): number | null {
  const matched = events.filter(
    (e) => e.t <= now && e.t > now - f.windowMs && Object.entries(f.where).every(([w, vals]) => e.record[w] !== null && e.record[w] !== undefined && vals.some((v) => String(v) === String(e.record[w]))),
  );
  const nums = f.field ? matched.map((e) => num(e.record[f.field!])).filter((n): n is number => n !== undefined) : [];
  switch (f.fn) {
    case 'count':
      return matched.length;
    case 'sum':
      return nums.reduce((a, b) => a + b, 0);
    case 'avg':
      return nums.length ? nums.reduce((a, b) => a + b, 0) / nums.length : null;
    case 'min':
      return nums.length ? Math.min(...nums) : null;
    case 'max':
      return nums.length ? Math.max(...nums) : null;
    case 'distinct':
      return new Set(matched.map((e) => e.record[f.field!]).filter((v) => v !== null && v !== undefined).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v as string)))).size;
    case 'last_time':
      return matched.length ? Math.max(...matched.map((e) => e.t)) : null;
  }
}
