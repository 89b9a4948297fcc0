import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../src/ingest/event-id.js';
import type { SourceDelivery } from '../../../src/ingest/source.js';
import { createDebeziumSource } from '../../../src/ingest/sources/debezium-source.js';
import { signStandardWebhook, verifyStandardWebhook } from '../../../src/ingest/sources/standard-webhooks.js';
import { describeSourceConformance } from '../../conformance/source.js';
import { describeWithFixtures, fixturePath } from '../../helpers/fixtures.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const ctx = { tenant_id: 't01', now: NOW };
const delivery = (body: unknown): SourceDelivery => ({ body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'), headers: { 'content-type': 'application/json' }, method: 'POST' });

const pgSource = (lsn: number, txId: number, snapshot: string | boolean = 'false') => ({
  version: '2.7.0.Final',
  connector: 'postgresql',
  name: 'crm',
  ts_ms: 1772366400000,
  snapshot,
  db: 'crm',
  sequence: '[null,"1"]',
  schema: 'public',
  table: 'leads',
  txId,
  lsn,
  xmin: null,
});
const lead = { lead_id: 'lead_1', email: 'ada@example.com', company: 'Acme', status: 'new', score: 40, source: 'web', owner_id: 'u1', country: 'GB', created_at: '2026-03-01T12:00:00.000Z', updated_at: '2026-03-01T12:00:00.000Z' };
const create = { before: null, after: lead, source: pgSource(1000, 7), op: 'c', ts_ms: 1772366400123, transaction: null };
const update = { before: null, after: { ...lead, status: 'contacted' }, source: pgSource(1100, 8), op: 'u', ts_ms: 1772366401000 };
const del = { before: { lead_id: 'lead_1' }, after: null, source: pgSource(1200, 9), op: 'd', ts_ms: 1772366402000 };

function sign(d: SourceDelivery, secret: string, now: Date): SourceDelivery {
  const ts = String(Math.floor(now.getTime() / 1000));
  return { ...d, headers: { ...d.headers, 'webhook-id': 'msg_0001', 'webhook-timestamp': ts, 'webhook-signature': signStandardWebhook(secret, 'msg_0001', ts, d.body) } };
}

describeSourceConformance({
  name: 'debezium',
  create: () => createDebeziumSource(),
  context: { ...ctx, secret: SECRET },
  samples: [
    {
      title: 'a Postgres lead create without schemas',
      delivery: delivery(create),
      expected: [
        {
          event_id: deriveEventId('debezium', ['crm', 1000, 7, JSON.stringify(['lead_1'])]),
          entity: 'lead',
          entity_key: { lead_id: 'lead_1' },
          op: 'upsert',
          event_time: '2026-03-01T12:00:00.000Z',
          source: { system: 'debezium', connector: 'crm', position: '1000' },
          payload: lead,
        },
      ],
    },
    { title: 'NDJSON of create, update, delete and a tombstone', delivery: delivery([create, update, del].map((e) => JSON.stringify(e)).join('\n') + '\nnull\n'), envelopes: 3, rejected: 0 },
  ],
  mixed: { delivery: delivery([create, { op: 'c' }, { ...create, source: { ...create.source, table: 'secrets' } }, { ...update, after: { email: 'x' } }, 17, del]), goodItems: 2, badItems: 4 },
  bodyWithValue: (huge) => JSON.stringify({ ...create, after: { ...lead, company: huge } }),
  sign,
  otherSecret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
  staleAfterMs: 6 * 60_000,
});

describe('Debezium source', () => {
  const s = createDebeziumSource();

  it('maps ops: c/u → upsert, r → snapshot, d → delete with the key from before, t → truncate', () => {
    const r = s.decode(delivery([create, update, { ...create, op: 'r', source: pgSource(900, 6, 'true') }, del, { source: pgSource(1300, 10), op: 't', ts_ms: 1 }]), ctx);
    expect(r.envelopes.map((e) => e.op)).toEqual(['upsert', 'upsert', 'snapshot', 'delete', 'truncate']);
    expect(r.envelopes[3]).toMatchObject({ entity_key: { lead_id: 'lead_1' }, payload: { lead_id: 'lead_1' } });
    expect(r.envelopes[4]).toMatchObject({ entity: 'lead', entity_key: {}, payload: {} });
  });

  it('counts tombstones, transaction markers and heartbeats instead of dropping them silently', () => {
    const r = s.decode(delivery([null, { schema: {}, payload: null }, { status: 'BEGIN', id: '571:1', ts_ms: 1, event_count: null }, { ts_ms: 5 }, create]), ctx);
    expect(r.envelopes).toHaveLength(1);
    expect(r.skipped).toEqual({ tombstone: 2, transaction_marker: 1, heartbeat: 1 });
  });

  it('accepts snapshot as boolean or string and ts_ms as number or string', () => {
    const a = s.decode(delivery({ ...create, source: { ...pgSource(1000, 7, true), ts_ms: '1772366400000' } }), ctx).envelopes[0]!;
    const b = s.decode(delivery(create), ctx).envelopes[0]!;
    expect(a).toEqual(b);
  });

  it('uses key fields and table mappings from options, composite keys in key order', () => {
    const c = createDebeziumSource({ tables: { 'sales.line_items': 'line_item' }, keyFields: { line_item: ['order_id', 'line_no'] } });
    const ev = { ...create, after: { order_id: 'o1', line_no: 2, qty: 3 }, source: { ...pgSource(5, 1), schema: 'sales', table: 'line_items' } };
    const e = c.decode(delivery(ev), ctx).envelopes[0]!;
    expect(e.entity_key).toEqual({ order_id: 'o1', line_no: 2 });
    expect(e.event_id).toBe(deriveEventId('debezium', ['crm', 5, 1, JSON.stringify(['o1', 2])]));
  });

  it('rejects a delete whose before image is missing (no REPLICA IDENTITY) with MISSING_KEY', () => {
    const r = s.decode(delivery({ ...del, before: null }), ctx);
    expect(r.rejected[0]!.code).toBe('MISSING_KEY');
  });
});

describe('Standard Webhooks (Debezium Server HTTP sink)', () => {
  it('matches the Standard Webhooks reference example', () => {
    expect(signStandardWebhook(SECRET, 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('accepts any matching entry of a space-separated signature list (key rotation)', () => {
    const d = sign(delivery(create), SECRET, NOW);
    const headers = { ...d.headers, 'webhook-signature': `v1,AAAA ${d.headers['webhook-signature']} v2,zzz` };
    expect(() => verifyStandardWebhook({ ...d, headers }, { secret: SECRET, now: NOW })).not.toThrow();
  });

  it('passes unsigned deliveries when no secret is set, and checks them when one is', () => {
    expect(() => createDebeziumSource().verify!(delivery(create), ctx)).not.toThrow();
    expect(() => createDebeziumSource({ secret: SECRET }).verify!(delivery(create), ctx)).toThrow(/webhook-id/);
  });

  it('rejects a secret that is not base64', () => {
    expect(() => createDebeziumSource({ secret: 'whsec_not base64!' }).verify!(sign(delivery(create), SECRET, NOW), ctx)).toThrow(/base64/);
  });
});

describeWithFixtures('debezium', 'Debezium fixtures', () => {
  const opts = { tables: { 'inventory.products': 'product', 'public.customers': 'customer', 'inventory.customers': 'customer', 's1.a': 'thing' }, keyFields: { product: ['id'], customer: ['id'], thing: ['pk'] } };
  const s = createDebeziumSource(opts);
  const file = (...p: string[]) => readFileSync(fixturePath('debezium', ...p), 'utf8');

  it('decodes the Flink Postgres stream without schemas: 9 snapshot reads, then updates, creates and a delete', () => {
    const r = s.decode(delivery(file('apache-flink', 'debezium-postgres-data-schema-exclude.txt')), ctx);
    expect(r.rejected).toEqual([]);
    expect(r.envelopes.map((e) => e.op).join(',')).toBe('snapshot,snapshot,snapshot,snapshot,snapshot,snapshot,snapshot,snapshot,snapshot,upsert,upsert,upsert,upsert,upsert,upsert,delete');
    expect(new Set(r.envelopes.map((e) => e.event_id)).size).toBe(16);
    expect(r.envelopes[0]).toMatchObject({ entity: 'product', entity_key: { id: 101 }, event_time: '2020-07-29T05:38:19.434Z', event_id: deriveEventId('debezium', ['fullfillment', 34078720, 601, '[101]']) });
    expect(r.envelopes[15]).toMatchObject({ op: 'delete', entity_key: { id: 111 }, payload: { id: 111 } });
    expect(Object.keys(r.envelopes[15]!.payload)).toEqual(['id']);
  });

  it('decodes the replica-identity stream and rejects only the delete that has no before image', () => {
    const r = s.decode(delivery(file('apache-flink', 'debezium-postgres-data-replica-identity.txt')), ctx);
    expect(r.envelopes).toHaveLength(15);
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([[15, 'MISSING_KEY']]);
  });

  it('decodes the MySQL event with schemas.enable=true using the MySQL id rule', () => {
    const e = s.decode(delivery(file('apache-flink', 'debezium-mysql-data-schema-include.line1.json')), ctx).envelopes[0]!;
    // source.ts_ms is 0 in this snapshot-era event: the top-level ts_ms is used
    expect(e).toMatchObject({ op: 'upsert', entity_key: { id: 101 }, event_time: '2020-05-13T07:40:06.100Z', source: { connector: 'dbserver1', position: 'mysql-bin.000003:154:0' } });
    expect(e.event_id).toBe(deriveEventId('debezium', ['dbserver1', 'mysql-bin.000003', 154, 0, '[101]']));
  });

  it('handles every docs example with a documented outcome', () => {
    const outcome: Record<string, string> = {};
    for (const name of readdirSync(fixturePath('debezium', 'debezium-docs')).sort()) {
      const r = s.decode(delivery(file('debezium-docs', name)), ctx);
      outcome[name] = r.envelopes.map((e) => e.op).join(',') || r.rejected.map((x) => x.code).join(',') || Object.keys(r.skipped ?? {}).join(',');
    }
    expect(outcome).toEqual({
      'mysql-create.schema-and-payload.json': 'upsert',
      'mysql-delete.json': 'delete',
      'mysql-schema-change.key.json': 'schema_change',
      'mysql-schema-change.value.json': 'schema_change',
      'mysql-transaction-begin.json': 'transaction_marker',
      'mysql-transaction-end.json': 'transaction_marker',
      'mysql-truncate.json': 'truncate',
      'mysql-update.json': 'upsert',
      'pg-create-with-transaction-block.payload.json': 'MISSING_SOURCE',
      'pg-create.schema-and-payload.json': 'upsert',
      'pg-delete.json': 'delete',
      'pg-message-non-transactional.json': 'LOGICAL_DECODING_MESSAGE',
      'pg-message-transactional.json': 'LOGICAL_DECODING_MESSAGE',
      'pg-read.cloudevents.json': 'snapshot',
      'pg-transaction-begin.json': 'transaction_marker',
      'pg-transaction-end.json': 'transaction_marker',
      'pg-truncate.json': 'truncate',
      'pg-update.json': 'upsert',
    });
  });

  it('normalises the string timestamps of the transaction-block example once it has a source', () => {
    const ev = JSON.parse(file('debezium-docs', 'pg-create-with-transaction-block.payload.json'));
    const c = createDebeziumSource({ tables: { 'public.a': 'thing' }, keyFields: { thing: ['pk'] } });
    const e = c.decode(delivery({ ...ev, source: { connector: 'postgresql', name: 'srv', schema: 'public', table: 'a', lsn: '53195832', txId: '571' } }), ctx).envelopes[0]!;
    expect(e).toMatchObject({ op: 'upsert', event_time: '2020-01-30T13:28:04.335Z', entity_key: { pk: '2' } });
    expect(e.event_id).toBe(deriveEventId('debezium', ['srv', 53195832, 571, '["2"]']));
  });

  it('gives a CloudEvent the same event id as the plain event of the same change', () => {
    const ce = JSON.parse(file('debezium-docs', 'pg-read.cloudevents.json'));
    const e = s.decode(delivery(ce), ctx).envelopes[0]!;
    expect(e).toMatchObject({ entity: 'thing', entity_key: { pk: 1 }, op: 'snapshot', payload: { pk: 1, name: 'Bob' }, event_time: '2020-01-13T13:55:39.738Z' });
    const plain = { before: null, after: { pk: 1, name: 'Bob' }, op: 'r', ts_ms: 1578923739738, source: { connector: 'postgresql', name: 'test_server', ts_ms: 1578923739738, snapshot: 'true', db: 'postgres', schema: 's1', table: 'a', lsn: 29274832, txId: 565 } };
    expect(s.decode(delivery(plain), ctx).envelopes[0]!.event_id).toBe(e.event_id);
    // without the iodebezium* position attributes the CloudEvent id (plus the key) is the dedup key
    const { iodebeziumlsn: _l, iodebeziumtxid: _t, ...bare } = ce;
    const f = s.decode(delivery(bare), ctx).envelopes[0]!;
    expect(f.event_id).toBe(deriveEventId('debezium', ['cloudevents', ce.id, '[1]']));
  });

  it('decodes the docs create with its schema wrapper and the mysql update', () => {
    expect(s.decode(delivery(file('debezium-docs', 'pg-create.schema-and-payload.json')), ctx).envelopes[0]).toMatchObject({
      entity: 'customer',
      entity_key: { id: 1 },
      payload: { first_name: 'Anne', email: 'annek@noanswer.org' },
      event_time: '2019-05-28T08:58:24.863Z',
    });
    expect(s.decode(delivery(file('debezium-docs', 'mysql-update.json')), ctx).envelopes[0]).toMatchObject({
      entity_key: { id: 1004 },
      payload: { first_name: 'Anne Marie' },
      // the before image travels with an update so the gate can judge the committed state transition
      before: { id: 1004, first_name: 'Anne' },
    });
    expect(s.decode(delivery(file('debezium-docs', 'pg-create.schema-and-payload.json')), ctx).envelopes[0]).not.toHaveProperty('before');
  });
});
