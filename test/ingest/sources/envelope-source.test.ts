import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/envelope.js';
import type { SourceDelivery } from '../../../src/ingest/source.js';
import { createEnvelopeSource } from '../../../src/ingest/sources/envelope-source.js';
import { createSource, isSourceName, SOURCE_NAMES } from '../../../src/ingest/sources/source-registry.js';
import { describeSourceConformance } from '../../conformance/source.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ctx = { tenant_id: 't01', now: NOW };
const delivery = (body: unknown): SourceDelivery => ({ body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'), headers: { 'content-type': 'application/json' } });

const env = (i: number, over: Partial<Envelope> & Record<string, unknown> = {}): Envelope =>
  ({
    event_id: `evt-${i}`,
    tenant_id: 't01',
    entity: 'contact',
    entity_key: { contact_id: `con_${i}` },
    op: 'upsert',
    event_time: '2026-03-01T12:00:00Z',
    source: { system: 'hubspot', connector: '54321', position: `${i}` },
    payload: { contact_id: `con_${i}`, email: `c${i}@example.com` },
    ...over,
  });

describeSourceConformance({
  name: 'verity envelopes',
  create: () => createEnvelopeSource(),
  context: ctx,
  samples: [
    { title: 'one envelope', delivery: delivery(env(1)), expected: [{ ...env(1), event_time: '2026-03-01T12:00:00.000Z' }] },
    { title: 'a JSON array batch', delivery: delivery([env(1), env(2, { op: 'merge', merged_into: { contact_id: 'con_1' } }), env(3, { op: 'delete' })]), envelopes: 3 },
    { title: 'an NDJSON batch', delivery: delivery([env(1), env(2)].map((e) => JSON.stringify(e)).join('\n')), envelopes: 2 },
  ],
  mixed: {
    delivery: delivery([env(1), env(2, { op: 'merge' }), env(3, { extra: 1 }), env(4, { entity_key: {} }), env(5, { tenant_id: 't02' }), env(6, { event_time: '2026-03-01 12:00' }), env(7)]),
    goodItems: 2,
    badItems: 5,
  },
  bodyWithValue: (huge) => JSON.stringify([env(1, { payload: { note: huge } })]),
});

describe('Envelope source', () => {
  it('names what is wrong with an invalid envelope', () => {
    const r = createEnvelopeSource().decode(delivery([env(1, { op: 'merge' }), env(2, { surprise: true }), env(3, { source: { system: 'x' } as Envelope['source'] })]), ctx);
    expect(r.rejected.map((x) => x.code)).toEqual(['INVALID_ENVELOPE', 'INVALID_ENVELOPE', 'INVALID_ENVELOPE']);
    expect(r.rejected[0]!.message).toMatch(/merged_into/);
    expect(r.rejected[1]!.message).toMatch(/surprise/);
    expect(r.rejected[2]!.message).toMatch(/connector/);
  });

  it('accepts a truncate without a key, drops lake-set fields and normalises event_time to UTC milliseconds', () => {
    const r = createEnvelopeSource().decode(delivery([env(1, { op: 'truncate', entity_key: {}, event_time: '2026-03-01T13:00:00+01:00', ingest_seq: 5, ingest_time: 'x', schema_version: '1.0.0' })]), ctx);
    expect(r.envelopes[0]).toMatchObject({ op: 'truncate', entity_key: {}, event_time: '2026-03-01T12:00:00.000Z' });
    expect(r.envelopes[0]).not.toHaveProperty('ingest_seq');
    expect(r.envelopes[0]).not.toHaveProperty('schema_version');
  });

  it('rejects other tenants unless told to accept any', () => {
    expect(createEnvelopeSource().decode(delivery(env(1, { tenant_id: 't02' })), ctx).rejected[0]!.code).toBe('TENANT_MISMATCH');
    expect(createEnvelopeSource({ tenants: 'any' }).decode(delivery(env(1, { tenant_id: 't02' })), ctx).envelopes[0]!.tenant_id).toBe('t02');
  });

  it('limits the number of items per batch', () => {
    expect(() => createEnvelopeSource({ maxItems: 2 }).decode(delivery([env(1), env(2), env(3)]), ctx)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });
});

describe('Source registry', () => {
  it('creates every named source, with the name it asked for', () => {
    for (const name of SOURCE_NAMES) {
      const s = name === 'ndjson' || name === 'csv' || name === 'parquet' ? createSource(name, { entity: 'activity' }) : createSource(name);
      expect(s.name).toBe(name);
      expect(isSourceName(name)).toBe(true);
    }
  });

  it('explains unknown names and missing entities as usage errors', () => {
    expect(isSourceName('kafka')).toBe(false);
    expect(() => createSource('kafka')).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('hubspot, salesforce') }));
    expect(() => createSource('csv', {})).toThrow(expect.objectContaining({ code: 'USAGE', message: expect.stringContaining('--entity') }));
  });
});
