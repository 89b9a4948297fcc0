import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/envelope.js';
import { count, defineFeatureView, lastValue } from '../../src/features/feature-view.js';
import { getTrainingFrame } from '../../src/features/offline-retrieval.js';
import { buildStaging } from '../../src/staging/build-staging.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';

let seq = 0;
const ev = (entity: string, id: string, t: string, ingest: string, payload: Record<string, unknown>, extra: Partial<Envelope> = {}): Envelope => ({
  event_id: `e${++seq}`,
  tenant_id: 't01',
  entity,
  entity_key: { [`${entity}_id`]: id },
  op: 'upsert',
  event_time: t,
  ingest_time: ingest,
  ingest_seq: seq,
  source: { system: 'test', connector: 'x', position: String(seq) },
  payload,
  ...extra,
});

const events: Envelope[] = [
  ev('contact', 'con_a', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', { lead_score: 10 }),
  ev('contact', 'con_b', '2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z', { lead_score: 50 }),
  ev('contact', 'con_c', '2026-03-01T09:00:00.000Z', '2026-03-01T09:00:00.000Z', { lead_score: 70 }),
  ev('contact', 'con_c', '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:00.000Z', {}, { op: 'delete' }),
  ev('contact', 'con_a', '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:00.000Z', {}, { op: 'merge', merged_into: { contact_id: 'con_b' } }),
  ev('activity', 'act_1', '2026-03-01T09:30:00.000Z', '2026-03-01T09:30:00.000Z', { contact_id: 'con_b', type: 'email_opened' }),
  // A correction dated 10:30 for con_b, learnt at 14:00; and a late activity dated 10:00, learnt at 14:00.
  ev('contact', 'con_b', '2026-03-01T10:30:00.000Z', '2026-03-01T14:00:00.000Z', { lead_score: 99 }, { changed_fields: ['lead_score'] }),
  ev('activity', 'act_2', '2026-03-01T10:00:00.000Z', '2026-03-01T14:00:00.000Z', { contact_id: 'con_b', type: 'email_opened' }),
];

const view = defineFeatureView({
  name: 'pit',
  entity: 'contact',
  keys: ['contact_id'],
  features: { lead_score: lastValue('lead_score', { type: 'integer' }), opens_1d: count({ from: 'activity', where: { type: 'email_opened' }, window: '1d' }) },
});

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-pit-'));
  await buildStaging({ source: createMemoryRawEventSource(events), dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const at = async (rows: Array<Record<string, unknown>>, knowledge: 'as-known' | 'latest' = 'as-known') => {
  const f = await getTrainingFrame(rows, [view], { lakeDir: dir, tenant: 't01', knowledge });
  const out = await f.rows();
  f.close();
  return out;
};

describe('point-in-time retrieval', () => {
  it('does not show a correction ingested after t unless knowledge is latest', async () => {
    const rows = [{ contact_id: 'con_b', timestamp: '2026-03-01T12:00:00.000Z' }];
    expect((await at(rows))[0]).toMatchObject({ lead_score: 50, opens_1d: 1 });
    expect((await at(rows, 'latest'))[0]).toMatchObject({ lead_score: 99, opens_1d: 2 });
    expect((await at([{ contact_id: 'con_b', timestamp: '2026-03-01T14:00:00.000Z' }]))[0]).toMatchObject({ lead_score: 99, opens_1d: 2 });
  });

  it('resolves a merged key to its survivor from the merge on', async () => {
    const out = await at([
      { contact_id: 'con_a', timestamp: '2026-03-01T10:59:59.999Z' },
      { contact_id: 'con_a', timestamp: '2026-03-01T11:00:00.000Z' },
      { contact_id: 'con_a', timestamp: '2026-03-01T15:00:00.000Z' },
    ]);
    expect(out.map((r) => r.lead_score)).toEqual([10, 50, 99]);
  });

  it('returns nulls after a delete and before the first version, keeping input order and duplicates', async () => {
    const out = await at([
      { contact_id: 'con_c', timestamp: '2026-03-01T10:00:00.000Z' },
      { contact_id: 'con_c', timestamp: '2026-03-01T11:00:00.000Z' },
      { contact_id: 'con_c', timestamp: '2026-03-01T08:00:00.000Z' },
      { contact_id: 'con_c', timestamp: '2026-03-01T10:00:00.000Z' },
    ]);
    expect(out.map((r) => r.lead_score)).toEqual([70, null, null, 70]);
  });

  it('reads a CSV frame with labels and writes Parquet', async () => {
    const csv = join(dir, 'labels.csv');
    writeFileSync(csv, 'contact_id,timestamp,label\ncon_b,2026-03-01T12:00:00.000Z,1\ncon_x,2026-03-01T12:00:00.000Z,0\n');
    const f = await getTrainingFrame({ path: csv }, [view], { lakeDir: dir, tenant: 't01' });
    const out = await f.rows();
    const written = await f.writeParquet(join(dir, 'train.parquet'));
    f.close();
    expect(out).toEqual([
      { contact_id: 'con_b', timestamp: '2026-03-01T12:00:00.000Z', label: 1, lead_score: 50, opens_1d: 1 },
      { contact_id: 'con_x', timestamp: '2026-03-01T12:00:00.000Z', label: 0, lead_score: null, opens_1d: 0 },
    ]);
    expect(written.rows).toBe(2);
    expect(written.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a frame without a usable timestamp', async () => {
    await expect(at([{ contact_id: 'con_b', timestamp: 'yesterday' }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(at([{ contact_id: 'con_b' }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
