import type { Envelope } from '../../src/envelope.js';

/** The lead envelope number n (same shape as the test helper). */
export function crashLead(n: number, status = 'new'): Envelope {
  return {
    event_id: `evt-${n}`,
    tenant_id: 't01',
    entity: 'lead',
    entity_key: { lead_id: `lead_${n}` },
    op: 'upsert',
    event_time: '2026-03-01T10:00:00.000Z',
    source: { system: 'debezium', connector: 'crm', position: String(n) },
    payload: { lead_id: `lead_${n}`, email: `lead${n}@example.com`, status, note: 'x'.repeat(200) },
  };
}

