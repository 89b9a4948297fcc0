import { afterEach, describe, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import type { Envelope } from '../../src/envelope.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from './helpers.js';

afterEach(cleanup);

async function collect(iterable: AsyncIterable<Envelope>): Promise<Envelope[]> {
  const out: Envelope[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('openLake', () => {
  it('accepts, dedupes and quarantines, and reports by reason', async () => {
    const lake = await openLake({ dir: tempDir(), contracts: testResolver(), clock: fixedClock() });
    const report = await lake.ingest([lead(1), lead(2), lead(1), lead(3, { email: 'not-an-email' }), lead(4, { status: 'qualifed' })], {
      rejected: [{ index: 7, raw: '{"truncated', code: 'MALFORMED_JSON', message: 'Unexpected end of JSON' }],
      source: 'test',
    });
    expect(report).toMatchObject({ accepted: 2, duplicates: 1, quarantined: 3, firstSeq: 1, lastSeq: 5, validated: true });
    expect(report.byReason).toEqual({ 'contract:format': 1, 'contract:enum': 1, 'undecodable:MALFORMED_JSON': 1 });
    expect(report.results.map((r) => r.status)).toEqual(['accepted', 'accepted', 'duplicate', 'quarantined', 'quarantined', 'quarantined']);
    expect(lake.lastSeq()).toBe(5);
    await lake.close();
    await lake.close();
  });

  it('says when nothing was validated because no resolver is set', async () => {
    const lake = await openLake({ dir: tempDir() });
    const report = await lake.ingest([lead(1, { email: 'bad' })]);
    expect(report).toMatchObject({ accepted: 1, quarantined: 0, validated: false });
    await lake.close();
  });

  it('quarantines a malformed envelope with envelope reasons and keeps its original text', async () => {
    const lake = await openLake({ dir: tempDir() });
    const bad = { ...lead(1), event_time: 'yesterday', op: 'explode' } as unknown as Envelope;
    const report = await lake.ingest([bad], { originals: ['{"original":"bytes"}'] });
    expect(report.byReason).toEqual({ 'envelope:op': 1, 'envelope:event_time': 1 });
    const detail = await lake.quarantine.show(report.results[0]!.quarantine_id!);
    expect(detail.raw).toBe('{"original":"bytes"}');
    expect(detail.violations.map((v) => v.field).sort()).toEqual(['event_time', 'op']);
    await lake.close();
  });

  it('assigns lake fields and returns envelopes from scanRaw in ingest_seq order', async () => {
    const lake = await openLake({ dir: tempDir(), contracts: testResolver('1.2.0'), clock: fixedClock('2026-03-05T00:00:00.000Z') });
    await lake.ingest([lead(1), lead(2)]);
    await lake.ingest([lead(3, { changed_fields: ['status'], consent: ['analytics'], payload: { status: 'new' } })]);
    const all = await collect(lake.scanRaw());
    expect(all.map((e) => e.ingest_seq)).toEqual([1, 2, 3]);
    expect(all[0]).toMatchObject({ event_id: 'evt-1', schema_version: '1.2.0', ingest_time: '2026-03-05T00:00:01.000Z' });
    expect(all[2]).toMatchObject({ changed_fields: ['status'], consent: ['analytics'] });
    expect((await collect(lake.scanRaw({ fromSeq: 2, toSeq: 2 }))).map((e) => e.event_id)).toEqual(['evt-2']);
    await lake.close();
  });

  it('reads the same envelopes before and after compaction, without duplicates across the boundary', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir, clock: fixedClock() });
    await lake.ingest([lead(1), lead(2), lead(3, { consent: ['marketing'] })]);
    const before = await collect(lake.scanRaw());
    const report = await lake.compact();
    expect(report).toMatchObject({ segments: 1, rawRows: 3, compactedThrough: 3 });
    expect(report.files.every((f) => /^raw\/tenant=t01\/entity=lead\/date=2026-03-0\d\/part-\d+-\d+\.parquet$/.test(f.path))).toBe(true);
    await lake.ingest([lead(4)]);
    const after = await collect(lake.scanRaw());
    expect(after.slice(0, 3)).toEqual(before);
    expect(after.map((e) => e.ingest_seq)).toEqual([1, 2, 3, 4]);
    expect(await lake.query('SELECT count(*) AS n, count(DISTINCT event_id) AS d FROM raw_events')).toEqual([{ n: 4, d: 4 }]);
    await lake.close();
  });

  it('dedupes across a restart and across compaction', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2)]);
    await lake.compact();
    await lake.ingest([lead(3)]);
    await lake.close();
    lake = await openLake({ dir });
    const report = await lake.ingest([lead(1), lead(2), lead(3), lead(4)]);
    expect(report.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate', 'duplicate', 'accepted']);
    expect(report.results[3]!.ingest_seq).toBe(4);
    await lake.close();
  });

  it('refuses a second writer on the same directory', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir });
    await expect(openLake({ dir })).rejects.toMatchObject({ code: 'CONFLICT' });
    const reader = await openLake({ dir, readOnly: true });
    await expect(reader.ingest([lead(1)])).rejects.toMatchObject({ code: 'CONFLICT' });
    await reader.close();
    await lake.close();
  });
});
