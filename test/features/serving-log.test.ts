import { existsSync, readFileSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createServingLog, type ServingLogEntry } from '../../src/features/online-features.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tmp = useTempDirs('verity-serving-log-');
const entry = (i: number, rows = 1): ServingLogEntry => ({
  at: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
  tenant: 't01',
  view: 'v',
  view_version: 'abc',
  rows: Array.from({ length: rows }, (_, r) => ({ entity: { contact_id: `c${i}_${r}` }, resolved_key: JSON.stringify([`c${i}_${r}`]), features: { score: { value: i, status: 'OK' as const, event_time: null, age_ms: null } } })),
});
const lines = (file: string) => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { entity: { contact_id: string }; features: { score: number } });

describe('serving log', () => {
  it('writes every recorded row, in order, off the request path, and by itself within the flush delay', async () => {
    const file = join(tmp(), 'sub', 'serving.ndjson');
    const log = createServingLog(file);
    for (let i = 0; i < 50; i++) log.record(entry(i, 2));
    expect(existsSync(file)).toBe(false);
    await new Promise((r) => setTimeout(r, 200));
    const got = lines(file);
    expect(got).toHaveLength(100);
    expect(got.map((l) => l.entity.contact_id)).toEqual(Array.from({ length: 50 }, (_, i) => [`c${i}_0`, `c${i}_1`]).flat());
    expect(got[7]).toMatchObject({ tenant: 't01', view: 'v', view_version: 'abc', features: { score: 3 } });
  });

  it('keeps rows recorded while a flush is running, and follows a rotated file', async () => {
    const dir = tmp();
    const file = join(dir, 'serving.ndjson');
    const log = createServingLog(file);
    log.record(entry(1));
    const first = log.flush();
    log.record(entry(2));
    await first;
    await log.flush();
    expect(lines(file).map((l) => l.features.score)).toEqual([1, 2]);
    renameSync(file, join(dir, 'serving.1.ndjson'));
    log.record(entry(3));
    await log.flush();
    expect(lines(file).map((l) => l.features.score)).toEqual([3]);
  });

  it('keeps order across full buffers and lines larger than a buffer', async () => {
    const file = join(tmp(), 'serving.ndjson');
    const log = createServingLog(file);
    const big = (i: number): ServingLogEntry => ({ ...entry(i), rows: [{ ...entry(i).rows[0]!, entity: { contact_id: `c${i}_0`, note: 'x'.repeat(i % 500 === 7 ? 400_000 : 2_000) } }] });
    for (let i = 0; i < 2_000; i++) log.record(big(i)); // ~4 MB: several full buffers, four lines over a third of one
    await log.flush();
    const got = lines(file);
    expect(got.map((l) => l.features.score)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
    expect(got.filter((l) => (l.entity as { note?: string }).note?.length === 400_000)).toHaveLength(4);
  });

  it('never throws when the file cannot be written', async () => {
    const dir = tmp(); // a directory where the file should be: every append fails (EISDIR), even as root
    const log = createServingLog(dir);
    log.record(entry(1));
    await expect(log.flush()).resolves.toBeUndefined();
    log.record(entry(2));
    await expect(log.flush()).resolves.toBeUndefined();
  });
});
