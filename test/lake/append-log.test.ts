import { appendFileSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openAppendLog } from '../../src/lake/append-log.js';
import { frameBatch, frameLine, unframeLine } from '../../src/lake/log-framing.js';
import { openLake } from '../../src/lake/lake.js';
import { cleanup, lead, tempDir } from './helpers.js';

afterEach(cleanup);

const segmentsOf = (dir: string) => readdirSync(join(dir, 'log')).filter((n) => n.endsWith('.log')).sort().map((n) => join(dir, 'log', n));

describe('log framing', () => {
  it('frames a batch in place with the same checksums as one line at a time', () => {
    const lines = ['{"a":1}', '{"b":"ü"}', '{"c":[1,2]}'];
    expect(frameBatch([lines.slice(0, 2), [], lines.slice(2)]).toString('utf8')).toBe(lines.map(frameLine).join(''));
  });

  it('round-trips a record and rejects a flipped byte or a missing checksum', () => {
    const line = frameLine('{"a":"é"}');
    expect(line.endsWith('\n')).toBe(true);
    expect(unframeLine(line.slice(0, -1))).toBe('{"a":"é"}');
    expect(unframeLine(line.slice(0, -1).replace('é', 'e'))).toBeUndefined();
    expect(unframeLine('{"a":1}')).toBeUndefined();
  });
});

describe('append log', () => {
  it('groups appends made while a write is pending into one write and fsync', async () => {
    const dir = tempDir();
    const writes: number[] = [];
    const log = await openAppendLog({ dir, maxSegmentBytes: 1 << 20, readOnly: false, onRecord: () => 0, beforeWrite: async (max) => void writes.push(max) });
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.append([`{"s":${i + 1}}`], i + 1, i + 1)));
    expect(writes).toEqual([50]);
    await Promise.all([log.append(['{"s":51}'], 51, 51), log.append(['{"s":52}'], 52, 52)]);
    expect(writes).toEqual([50, 52]);
    expect(log.segments()[0]).toMatchObject({ minSeq: 1, maxSeq: 52 });
    await log.close();
  });

  it('rolls over to a new segment past the size limit', async () => {
    const dir = tempDir();
    const log = await openAppendLog({ dir, maxSegmentBytes: 100, readOnly: false, onRecord: () => 0 });
    for (let i = 1; i <= 5; i++) await log.append([JSON.stringify({ s: i, pad: 'x'.repeat(80) })], i, i);
    await log.append([], 0, 0); // a barrier: the rollover after the last write is done
    expect(log.segments().length).toBe(6);
    expect(log.segments().slice(0, 5).map((s) => s.maxSeq)).toEqual([1, 2, 3, 4, 5]);
    await log.close();
  });
});

describe('lake recovery', () => {
  it('truncates a torn last record on open and keeps every complete one', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2), lead(3)]);
    await lake.close();
    const [segment] = segmentsOf(dir);
    const size = statSync(segment!).size;
    const torn = frameLine(JSON.stringify({ k: 'r', s: 4, t: '2026-03-01T00:00:00.000Z', v: null, e: lead(4) }));
    appendFileSync(segment!, torn.slice(0, torn.length / 2));
    lake = await openLake({ dir });
    expect(statSync(segment!).size).toBe(size);
    expect(lake.lastSeq()).toBe(3);
    const report = await lake.ingest([lead(3), lead(4)]);
    expect(report.results.map((r) => r.status)).toEqual(['duplicate', 'accepted']);
    expect(report.results[1]!.ingest_seq).toBeGreaterThan(3);
    const ids: string[] = [];
    for await (const e of lake.scanRaw()) ids.push(e.event_id);
    expect(ids).toEqual(['evt-1', 'evt-2', 'evt-3', 'evt-4']);
    await lake.close();
  });

  it('truncates a complete last line whose checksum is wrong (a torn write that ended on a newline)', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir });
    await lake.ingest([lead(1)]);
    await lake.close();
    const [segment] = segmentsOf(dir);
    appendFileSync(segment!, '00000000 {"k":"r","s":2}\n');
    lake = await openLake({ dir });
    expect(lake.lastSeq()).toBe(1);
    await lake.close();
  });

  it('refuses to open when a corrupt record is followed by valid ones instead of dropping acknowledged events', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir });
    await lake.ingest([lead(1)]);
    await lake.ingest([lead(2)]);
    await lake.close();
    const [segment] = segmentsOf(dir);
    const text = readFileSync(segment!, 'utf8');
    writeFileSync(segment!, text.replace('lead_1', 'lead_X'));
    await expect(openLake({ dir })).rejects.toMatchObject({ code: 'INTEGRITY_FAILED' });
  });

  it('never reuses an ingest_seq reserved before a crash', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2)]);
    // Simulate a crash: no close(), so the reservation is not trimmed; release the in-process lock by hand.
    const { rmSync } = await import('node:fs');
    const reservation = JSON.parse(readFileSync(join(dir, 'seq.json'), 'utf8')).reservedThrough as number;
    expect(reservation).toBeGreaterThan(2);
    await lake.close();
    writeFileSync(join(dir, 'seq.json'), JSON.stringify({ reservedThrough: reservation }));
    rmSync(join(dir, 'LOCK'), { force: true });
    const reopened = await openLake({ dir });
    const report = await reopened.ingest([lead(3)]);
    expect(report.results[0]!.ingest_seq).toBe(reservation + 1);
    await reopened.close();
  });

  it('continues densely after a clean close', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir });
    await lake.ingest([lead(1), lead(2)]);
    await lake.close();
    lake = await openLake({ dir });
    expect((await lake.ingest([lead(3)])).results[0]!.ingest_seq).toBe(3);
    await lake.close();
  });
});
