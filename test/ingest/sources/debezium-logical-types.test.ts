import { describe, expect, it } from 'vitest';
import { decodeLogicalTypes } from '../../../src/ingest/sources/debezium-logical-types.js';
import { createDebeziumSource } from '../../../src/ingest/sources/debezium-source.js';

// A {schema, payload} event as Debezium's JSON converter writes it with schemas.enable=true, for a
// Postgres `opportunities` table with DATE, TIMESTAMP(6), TIMESTAMPTZ, TIME, NUMERIC(12,2) and NUMERIC columns.
const rowSchema = (field: 'before' | 'after') => ({
  type: 'struct',
  optional: true,
  field,
  name: 'crm.public.opportunities.Value',
  fields: [
    { type: 'string', optional: false, field: 'opportunity_id' },
    { type: 'int32', optional: true, name: 'io.debezium.time.Date', version: 1, field: 'close_date' },
    { type: 'int64', optional: true, name: 'io.debezium.time.MicroTimestamp', version: 1, field: 'updated_at' },
    { type: 'int64', optional: true, name: 'io.debezium.time.Timestamp', version: 1, field: 'created_at' },
    { type: 'string', optional: true, name: 'io.debezium.time.ZonedTimestamp', version: 1, field: 'synced_at' },
    { type: 'int64', optional: true, name: 'io.debezium.time.MicroTime', version: 1, field: 'call_time' },
    { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', version: 1, parameters: { scale: '2', 'connect.decimal.precision': '12' }, field: 'amount' },
    { type: 'struct', optional: true, name: 'io.debezium.data.VariableScaleDecimal', field: 'probability', fields: [{ type: 'int32', field: 'scale' }, { type: 'bytes', field: 'value' }] },
    { type: 'bytes', optional: true, name: 'org.apache.kafka.connect.data.Decimal', parameters: { scale: '0' }, field: 'big' },
  ],
});
const schema = { type: 'struct', name: 'crm.public.opportunities.Envelope', fields: [rowSchema('before'), rowSchema('after'), { type: 'struct', field: 'source', fields: [] }, { type: 'string', field: 'op' }] };
const after = {
  opportunity_id: 'opp_1',
  close_date: 20514, // days since 1970-01-01
  updated_at: 1772366401123456, // µs
  created_at: 1772366401123, // ms
  synced_at: '2026-03-01T12:00:01.123456Z',
  call_time: 34_200_500_000, // 09:30:00.5 in µs
  amount: Buffer.from([0x01, 0xe2, 0x40]).toString('base64'), // 123456 unscaled → 1234.56
  probability: { scale: 1, value: Buffer.from([0xff, 0x85]).toString('base64') }, // -123 → -12.3
  big: Buffer.from('0de0b6b3a7640000ffffff', 'hex').toString('base64'), // more than 15 digits: kept exact as a string
};

describe('Debezium logical types (schemas.enable=true)', () => {
  it('decodes dates, timestamps, times and decimals into contract values', () => {
    const out = decodeLogicalTypes(schema, { before: null, after, op: 'c' }) as { after: Record<string, unknown> };
    expect(out.after).toEqual({
      opportunity_id: 'opp_1',
      close_date: '2026-03-02',
      updated_at: '2026-03-01T12:00:01.123456Z',
      created_at: '2026-03-01T12:00:01.123Z',
      synced_at: '2026-03-01T12:00:01.123456Z',
      call_time: '09:30:00.5',
      amount: 1234.56,
      probability: -12.3,
      big: BigInt('0x0de0b6b3a7640000ffffff').toString(),
    });
    expect(after.close_date).toBe(20514); // the input is not changed
  });

  it('keeps values that are not in the wire form, and events without a schema, as they are', () => {
    const odd = { ...after, close_date: '2026-03-02', amount: 12.5 };
    expect((decodeLogicalTypes(schema, { after: odd }) as { after: Record<string, unknown> }).after).toMatchObject({ close_date: '2026-03-02', amount: 12.5 });
    expect(decodeLogicalTypes(undefined, { after })).toEqual({ after });
  });

  it('flows through the source: the envelope payload carries decoded values', () => {
    const source = createDebeziumSource({ tables: { 'public.opportunities': 'opportunity' } });
    const event = { schema, payload: { before: null, after, op: 'c', ts_ms: 1772366401000, source: { name: 'crm', schema: 'public', table: 'opportunities', lsn: 1, txId: 2, ts_ms: 1772366401000 } } };
    const r = source.decode({ body: Buffer.from(JSON.stringify(event)), headers: {}, method: 'POST', url: '/' }, { tenant_id: 't01', now: new Date() });
    expect(r.rejected).toEqual([]);
    expect(r.envelopes[0]!.payload).toMatchObject({ close_date: '2026-03-02', amount: 1234.56, updated_at: '2026-03-01T12:00:01.123456Z' });
  });
});
