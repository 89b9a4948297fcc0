import type { Envelope } from '../../src/envelope.js';

/** A tiny deterministic PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const T0 = Date.parse('2026-03-01T00:00:00.000Z');
const HOUR = 3_600_000;
const STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'];
const TYPES = ['email_sent', 'email_opened', 'email_clicked', 'call', 'meeting', 'page_view', 'product_usage'];

/**
 * Generated-like CRM history for tests: contacts (full and partial HubSpot-style updates, deletes,
 * merges) and activities, with late events (ingested long after their event time), out-of-order
 * deliveries, and duplicate event timestamps. Envelopes come in ingest order with ingest_seq and
 * ingest_time set.
 */
export function generateHistory(options: { seed: number; contacts: number; events: number; tenant?: string }): Envelope[] {
  const r = rng(options.seed);
  const tenant = options.tenant ?? 't01';
  const pick = <T>(xs: T[]) => xs[Math.floor(r() * xs.length)]!;
  const out: Array<Envelope & { _ingest: number }> = [];
  let n = 0;
  const contact = (i: number) => `con_${i}`;
  const lastTime = new Map<string, number>();
  for (let i = 0; i < options.contacts; i++) {
    const t = T0 + Math.floor(r() * 48) * HOUR;
    lastTime.set(contact(i), t);
    out.push(env(tenant, 'contact', { contact_id: contact(i) }, 'upsert', t, t + 1000, ++n, {
      contact_id: contact(i),
      email: `c${i}@example.com`,
      lifecycle_stage: pick(STAGES),
      lead_score: Math.floor(r() * 101),
      account_id: `001${String(i % 5).padStart(15, '0')}`,
    }));
  }
  for (let k = 0; k < options.events; k++) {
    const c = contact(Math.floor(r() * options.contacts));
    const base = T0 + 48 * HOUR + Math.floor(r() * 30 * 24) * HOUR;
    // Duplicate timestamps: snap a third of events to a coarse grid so ties happen.
    const t = r() < 0.33 ? base - (base % (24 * HOUR)) : base + Math.floor(r() * 1000) * 1000;
    const late = r() < 0.1;
    const ingest = late ? t + Math.floor(r() * 10 * 24) * HOUR + 5000 : t + Math.floor(r() * 60_000);
    const x = r();
    if (x < 0.45) {
      out.push(env(tenant, 'activity', { activity_id: `act_${k}` }, 'upsert', t, ingest, ++n, {
        activity_id: `act_${k}`,
        type: pick(TYPES),
        contact_id: c,
        occurred_at: new Date(t).toISOString(),
        duration_seconds: Math.floor(r() * 3600),
      }));
    } else if (x < 0.8) {
      const field = r() < 0.5 ? 'lead_score' : 'lifecycle_stage';
      const e = env(tenant, 'contact', { contact_id: c }, 'upsert', t, ingest, ++n, { [field]: field === 'lead_score' ? Math.floor(r() * 101) : pick(STAGES) });
      e.changed_fields = [field];
      out.push(e);
    } else if (x < 0.93) {
      out.push(env(tenant, 'contact', { contact_id: c }, 'upsert', t, ingest, ++n, {
        contact_id: c,
        email: `${c}@example.org`,
        lifecycle_stage: pick(STAGES),
        lead_score: Math.floor(r() * 101),
      }));
    } else if (x < 0.97) {
      out.push(env(tenant, 'contact', { contact_id: c }, 'delete', t, ingest, ++n, {}));
    } else {
      const survivor = contact(Math.floor(r() * options.contacts));
      if (survivor === c) continue;
      const e = env(tenant, 'contact', { contact_id: c }, 'merge', t, ingest, ++n, {});
      e.merged_into = { contact_id: survivor };
      out.push(e);
    }
  }
  // Deliver in ingest-time order (out of order relative to event time), then number positions.
  out.sort((a, b) => a._ingest - b._ingest || (a.event_id < b.event_id ? -1 : 1));
  return out.map((e, i) => {
    const { _ingest, ...rest } = e;
    return { ...rest, ingest_seq: i + 1, ingest_time: new Date(_ingest).toISOString() };
  });
}

function env(tenant: string, entity: string, key: Record<string, string>, op: Envelope['op'], t: number, ingest: number, n: number, payload: Record<string, unknown>): Envelope & { _ingest: number } {
  return {
    event_id: `evt_${n}`,
    tenant_id: tenant,
    entity,
    entity_key: key,
    op,
    event_time: new Date(t).toISOString(),
    source: { system: entity === 'activity' ? 'file' : 'hubspot', connector: 'gen', position: String(n) },
    payload,
    _ingest: ingest,
  };
}
