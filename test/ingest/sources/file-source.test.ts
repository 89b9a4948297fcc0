import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../src/ingest/event-id.js';
import type { DecodeResult, Source, SourceDelivery } from '../../../src/ingest/source.js';
import { createCsvFileSource, createFileSource, createNdjsonFileSource, typeCsvValue } from '../../../src/ingest/sources/file-source.js';
import { describeSourceConformance } from '../../conformance/source.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ctx = { tenant_id: 't01', now: NOW };
const dir = mkdtempSync(join(tmpdir(), 'verity-file-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const activity = (i: number, extra: Record<string, unknown> = {}) => ({
  activity_id: `act_${String(i).padStart(6, '0')}`,
  type: 'email_sent',
  contact_id: `con_${i % 7}`,
  account_id: '001000000000000AAA',
  occurred_at: new Date(NOW.getTime() - i * 1000).toISOString(),
  quantity: i % 3,
  subject: `Hello ${i}`,
  ...extra,
});
const ndjson = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
const csvHeader = 'activity_id,type,contact_id,account_id,occurred_at,duration_seconds,quantity,subject';
const csvLine = (i: number) => `act_${String(i).padStart(6, '0')},call,con_${i % 7},001000000000000AAA,${new Date(NOW.getTime() - i * 1000).toISOString()},${i * 10},,"Call, ""quick"" ${i}"`;
const delivery = (body: string | Buffer, fileName = 'activity.ndjson'): SourceDelivery => ({ body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'), headers: { 'x-verity-file-name': fileName } });

async function collect(it: AsyncIterable<DecodeResult>): Promise<DecodeResult & { batches: number }> {
  const out: DecodeResult & { batches: number } = { envelopes: [], rejected: [], signals: [], batches: 0 };
  for await (const r of it) {
    out.batches++;
    out.envelopes.push(...r.envelopes);
    out.rejected.push(...r.rejected);
    for (const [k, v] of Object.entries(r.skipped ?? {})) (out.skipped ??= {})[k] = (out.skipped[k] ?? 0) + v;
  }
  return out;
}

describeSourceConformance({
  name: 'ndjson file',
  create: () => createNdjsonFileSource({ entity: 'activity' }),
  context: ctx,
  samples: [
    {
      title: 'three NDJSON activity rows',
      delivery: delivery(ndjson([activity(1), activity(2), activity(3)])),
      envelopes: 3,
      expected: [
        {
          event_id: deriveEventId('file', ['activity.ndjson', 1]),
          entity: 'activity',
          entity_key: { activity_id: 'act_000001' },
          op: 'upsert',
          event_time: '2026-03-01T11:59:59.000Z',
          source: { system: 'file', connector: 'activity.ndjson', position: '1' },
          payload: activity(1),
        },
        { event_id: deriveEventId('file', ['activity.ndjson', 2]) },
        { event_id: deriveEventId('file', ['activity.ndjson', 3]) },
      ],
    },
  ],
  mixed: { delivery: delivery(ndjson([activity(1), 'oops', { type: 'call', occurred_at: NOW.toISOString() }, activity(4, { occurred_at: undefined }), activity(5)]).replace('"oops"', '{"broken')), goodItems: 2, badItems: 3 },
  bodyWithValue: (huge) => ndjson([activity(1, { subject: huge })]),
});

describeSourceConformance({
  name: 'csv file',
  create: () => createCsvFileSource({ entity: 'activity' }),
  context: ctx,
  samples: [{ title: 'three CSV activity rows', delivery: delivery([csvHeader, csvLine(1), csvLine(2), csvLine(3)].join('\n'), 'activity.csv'), envelopes: 3 }],
  mixed: { delivery: delivery([csvHeader, csvLine(1), 'act_x,call', csvLine(3), 'act_y,call,con_1,001,not-a-date,,,', csvLine(5)].join('\r\n'), 'activity.csv'), goodItems: 3, badItems: 2 },
  garbageBodies: ['', '  \n ', Buffer.from([0xff, 0xfe, 0x00]), '"never closed,header\n1,2', 'a,a\n1,2'],
});

describe('File source: rows, ids and rejects', () => {
  it('numbers data rows from 1, excluding the CSV header and blank lines, and rejects bad rows with their line', () => {
    const body = [csvHeader, csvLine(1), '', `${csvLine(2)},extra`, '"unclosed,call,con_1,001,2026-03-01T00:00:00Z,,,x', csvLine(4)].join('\n');
    const r = createCsvFileSource({ entity: 'activity' }).decode(delivery(body, 'a.csv'), ctx);
    expect(r.envelopes.map((e) => e.source.position)).toEqual(['1']);
    // the unclosed quote swallows the rest, but it is rejected, not lost
    expect(r.rejected.map((x) => [x.index, x.code])).toEqual([
      [4, 'MALFORMED_CSV'],
      [5, 'MALFORMED_CSV'],
    ]);
    expect(r.skipped).toEqual({ blank_line: 1 });
  });

  it('keeps decoding after a bad quote that closes on the same line', () => {
    const body = [csvHeader, csvLine(1), 'act_2,call,"con"x,001,2026-03-01T00:00:00Z,,,', csvLine(3)].join('\n');
    const r = createCsvFileSource({ entity: 'activity' }).decode(delivery(body, 'a.csv'), ctx);
    expect(r.envelopes.map((e) => e.event_id)).toEqual([deriveEventId('file', ['a.csv', 1]), deriveEventId('file', ['a.csv', 3])]);
    expect(r.rejected).toMatchObject([{ index: 3, code: 'MALFORMED_CSV', raw: 'act_2,call,"con"x,001,2026-03-01T00:00:00Z,,,' }]);
  });

  it('types CSV cells by the documented rule and keeps the key as text', () => {
    expect([typeCsvValue('', undefined, true), typeCsvValue('TRUE', undefined, true), typeCsvValue('42', undefined, true), typeCsvValue('-1.5e3', undefined, true)]).toEqual([null, true, 42, -1500]);
    expect([typeCsvValue('007', undefined, true), typeCsvValue('+44 20', undefined, true), typeCsvValue('1,000', undefined, true), typeCsvValue('12345678901234567890', undefined, true)]).toEqual(['007', '+44 20', '1,000', '12345678901234567890']);
    expect([typeCsvValue('7', 'string', true), typeCsvValue('a;b', 'list', true), typeCsvValue('{"x":1}', 'json', true), typeCsvValue('42', undefined, false)]).toEqual(['7', ['a', 'b'], { x: 1 }, '42']);
    const r = createCsvFileSource({ entity: 'thing', keyField: 'id', eventTimeColumns: ['at'] }).decode(delivery('id,at,n,flag,note\n00042,2026-03-01T00:00:00Z,3,false,\n', 't.csv'), ctx);
    expect(r.envelopes[0]).toMatchObject({ entity_key: { id: '00042' }, payload: { id: '00042', n: 3, flag: false, note: null } });
  });

  it('parses quoted commas, doubled quotes and newlines inside CSV fields, with CRLF and a BOM', () => {
    const body = '\uFEFF' + [csvHeader, 'act_1,call,con_1,001,2026-03-01T00:00:00Z,5,1,"line one\r\nline ""two"", end"', csvLine(2)].join('\r\n') + '\r\n';
    const r = createCsvFileSource({ entity: 'activity' }).decode(delivery(body, 'a.csv'), ctx);
    expect(r.rejected).toEqual([]);
    expect(r.envelopes[0]!.payload.subject).toBe('line one\r\nline "two", end');
    expect(r.envelopes[1]!.payload).toMatchObject({ subject: 'Call, "quick" 2', duration_seconds: 20, quantity: null });
  });

  it('rejects overlong lines by line number and keeps their start', () => {
    const src = createNdjsonFileSource({ entity: 'activity', maxLineBytes: 200 });
    const r = src.decode(delivery(ndjson([activity(1), activity(2, { subject: 'x'.repeat(500) }), activity(3)])), ctx);
    expect(r.envelopes.map((e) => e.source.position)).toEqual(['1', '3']);
    expect(r.rejected[0]).toMatchObject({ index: 2, code: 'LINE_TOO_LONG' });
    expect(r.rejected[0]!.raw.length).toBe(200);
    const c = createCsvFileSource({ entity: 'activity', maxLineBytes: 120 }).decode(delivery([csvHeader, csvLine(1), 'act_2,call,con_1,001,2026-03-01T00:00:00Z,,,' + 'y'.repeat(300), csvLine(3)].join('\n'), 'a.csv'), ctx);
    expect(c.envelopes.map((e) => e.source.position)).toEqual(['1', '3']);
    expect(c.rejected[0]).toMatchObject({ index: 3, code: 'LINE_TOO_LONG' });
  });

  it('rejects an NDJSON line with invalid UTF-8 and keeps the others', () => {
    const body = Buffer.concat([Buffer.from(JSON.stringify(activity(1)) + '\n'), Buffer.from('{"activity_id":"act_2","occurred_at":"2026-03-01T00:00:00Z","subject":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}\n'), Buffer.from(JSON.stringify(activity(3)) + '\n')]);
    const r = createNdjsonFileSource({ entity: 'activity' }).decode(delivery(body), ctx);
    expect(r.envelopes).toHaveLength(2);
    expect(r.rejected).toMatchObject([{ index: 2, code: 'INVALID_UTF8' }]);
  });

  it('rejects CSV rows whose bytes are not UTF-8 when streaming', async () => {
    const body = Buffer.concat([Buffer.from(`${csvHeader}\n${csvLine(1)}\nact_2,call,con_1,001,2026-03-01T00:00:00Z,,,`), Buffer.from([0xff]), Buffer.from(`\n${csvLine(3)}\n`)]);
    const r = await collect(createCsvFileSource({ entity: 'activity' }).decodeStream!(Readable.from([body]), ctx, { fileName: 'a.csv' }));
    expect(r.envelopes.map((e) => e.source.position)).toEqual(['1', '3']);
    expect(r.rejected).toMatchObject([{ index: 3, code: 'INVALID_UTF8' }]);
  });

  it('names ids after the x-verity-file-name header, else the option, else a hash of the body', () => {
    const body = ndjson([activity(1)]);
    const a = createNdjsonFileSource({ entity: 'activity' }).decode(delivery(body, '/tmp/x/export.ndjson'), ctx).envelopes[0]!;
    expect(a.event_id).toBe(deriveEventId('file', ['export.ndjson', 1]));
    const b = createNdjsonFileSource({ entity: 'activity', fileName: 'named.ndjson' }).decode({ body: Buffer.from(body), headers: {} }, ctx).envelopes[0]!;
    expect(b.source.connector).toBe('named.ndjson');
    const c = createNdjsonFileSource({ entity: 'activity' }).decode({ body: Buffer.from(body), headers: {} }, ctx).envelopes[0]!;
    expect(c.source.connector).toMatch(/^body-[0-9a-f]{16}$/);
  });

  it('refuses to be created without an entity or with a bad format', () => {
    expect(() => createFileSource({ format: 'ndjson', entity: '' })).toThrow(/entity/);
    expect(() => createFileSource({ format: 'xml' as 'csv', entity: 'activity' })).toThrow(/format/);
  });
});

describe('File source: streaming', () => {
  const rows = 25_000;

  for (const format of ['ndjson', 'csv'] as const) {
    it(`streams a ${format} file from a path in batches and gives the same envelopes as a whole-body decode`, async () => {
      const path = join(dir, `activity.${format}`);
      const text = format === 'ndjson' ? ndjson(Array.from({ length: rows }, (_, i) => activity(i + 1))) : [csvHeader, ...Array.from({ length: rows }, (_, i) => csvLine(i + 1))].join('\n') + '\n';
      writeFileSync(path, text);
      const source: Source = createFileSource({ format, entity: 'activity' });
      const streamed = await collect(source.decodeStream!(path, ctx, { batchSize: 1000 }));
      expect(streamed.rejected).toEqual([]);
      expect(streamed.envelopes).toHaveLength(rows);
      expect(streamed.batches).toBeGreaterThan(10);
      expect(streamed.envelopes[rows - 1]!.event_id).toBe(deriveEventId('file', [`activity.${format}`, rows]));
      const whole = source.decode(delivery(text, `activity.${format}`), ctx);
      expect(streamed.envelopes).toEqual(whole.envelopes);
    });
  }

  it('gives the same result whatever the chunk boundaries (one byte at a time through multibyte characters)', async () => {
    const text = ndjson([activity(1, { subject: 'Zoë 東京 🚀' }), activity(2)]) + '\n\n' + ndjson([activity(3, { subject: 'ünï' })]);
    const bytes = Buffer.from(text);
    const source = createNdjsonFileSource({ entity: 'activity' });
    const oneByOne = await collect(source.decodeStream!(Readable.from(Array.from(bytes, (b) => Buffer.from([b]))), ctx, { fileName: 'activity.ndjson' }));
    const whole = source.decode(delivery(text), ctx);
    expect(oneByOne.envelopes).toEqual(whole.envelopes);
    expect(oneByOne.envelopes[0]!.payload.subject).toBe('Zoë 東京 🚀');
    expect(oneByOne.skipped).toEqual({ blank_line: 2 });
    const csvText = [csvHeader, 'act_1,call,con_1,001,2026-03-01T00:00:00Z,5,1,"multi\nline, ""quoted"" 東京"', csvLine(2)].join('\n');
    const csvSource = createCsvFileSource({ entity: 'activity' });
    const csvBytes = await collect(csvSource.decodeStream!(Readable.from(Array.from(Buffer.from(csvText), (b) => Buffer.from([b]))), ctx, { fileName: 'a.csv' }));
    expect(csvBytes.envelopes).toEqual(csvSource.decode(delivery(csvText, 'a.csv'), ctx).envelopes);
    expect(csvBytes.envelopes[0]!.payload.subject).toBe('multi\nline, "quoted" 東京');
  });

  it('streams a generated source of any length without holding it (lazy Readable)', async () => {
    const total = 60_000;
    function* lines() {
      for (let i = 1; i <= total; i++) yield JSON.stringify(activity(i)) + '\n';
    }
    let count = 0;
    for await (const batch of createNdjsonFileSource({ entity: 'activity' }).decodeStream!(Readable.from(lines()), ctx, { fileName: 'gen.ndjson', batchSize: 5000 })) {
      expect(batch.envelopes.length + batch.rejected.length).toBeLessThanOrEqual(5000 + 1000);
      count += batch.envelopes.length;
    }
    expect(count).toBe(total);
  });

  it('reports a missing file as NOT_FOUND and a nameless stream as INVALID_ARGUMENT', async () => {
    const source = createNdjsonFileSource({ entity: 'activity' });
    await expect(collect(source.decodeStream!(join(dir, 'nope.ndjson'), ctx))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(collect(source.decodeStream!(Readable.from(['{}']), ctx))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});

describe('File source: Parquet through DuckDB', () => {
  const path = join(dir, 'activity.parquet');

  it('streams a Parquet file in file order with JSON-typed values and file-row ids', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const instance = await DuckDBInstance.create(':memory:');
    const c = await instance.connect();
    await c.run(
      `COPY (SELECT 'act_' || lpad(i::VARCHAR, 6, '0') AS activity_id, 'call' AS type, TIMESTAMPTZ '2026-03-01 12:00:00.123+00' + INTERVAL (i) SECOND AS occurred_at,
              i::BIGINT AS quantity, 12.5::DECIMAL(10,2) AS amount, DATE '2026-03-01' AS day, ['analytics'] AS consent, CASE WHEN i = 2 THEN NULL ELSE 'x' END AS subject
            FROM range(5000) t(i) ORDER BY i) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1000)`,
    );
    c.closeSync();
    instance.closeSync();
    const r = await collect(createFileSource({ format: 'parquet', entity: 'activity' }).decodeStream!(path, ctx, { batchSize: 1000 }));
    expect(r.rejected).toEqual([]);
    expect(r.envelopes).toHaveLength(5000);
    expect(r.batches).toBeGreaterThanOrEqual(5);
    expect(r.envelopes[2]).toMatchObject({
      event_id: deriveEventId('file', ['activity.parquet', 3]),
      entity_key: { activity_id: 'act_000002' },
      event_time: '2026-03-01T12:00:02.123Z',
      payload: { quantity: 2, amount: 12.5, day: '2026-03-01', consent: ['analytics'], subject: null },
      consent: ['analytics'],
    });
    expect(r.envelopes.map((e) => e.source.position)).toEqual(Array.from({ length: 5000 }, (_, i) => String(i + 1)));
  });

  it('refuses Parquet bodies, streams and bad files with clear errors', async () => {
    const source = createFileSource({ format: 'parquet', entity: 'activity' });
    expect(() => source.decode(delivery('PAR1'), ctx)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_MEDIA_TYPE' }));
    await expect(collect(source.decodeStream!(Readable.from(['x']), ctx, { fileName: 'a.parquet' }))).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(collect(source.decodeStream!(join(dir, 'missing.parquet'), ctx))).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = join(dir, 'bad.parquet');
    writeFileSync(bad, 'this is not parquet');
    await expect(collect(source.decodeStream!(bad, ctx))).rejects.toMatchObject({ code: 'MALFORMED_INPUT' });
  });
});
