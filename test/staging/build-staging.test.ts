import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/envelope.js';
import { buildStaging, stagingGlob } from '../../src/staging/build-staging.js';
import { openDuckDBSession } from '../../src/staging/duckdb-session.js';
import { foldRecordHistory } from '../../src/staging/fold-history.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';
import { generateHistory } from '../features/crm-history.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tmp = useTempDirs('verity-staging-');

function hashes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.parquet')) out[relative(dir, p)] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(join(dir, 'staging'));
  return out;
}

const e = (seq: number, t: string, ingest: string, payload: Record<string, unknown>, extra: Partial<Envelope> = {}): Envelope => ({
  event_id: `e${seq}`,
  tenant_id: 't01',
  entity: 'contact',
  entity_key: { contact_id: 'con_1' },
  op: 'upsert',
  event_time: t,
  ingest_time: ingest,
  ingest_seq: seq,
  source: { system: 'hubspot', connector: 'x', position: 'p' },
  payload,
  ...extra,
});

describe('foldRecordHistory', () => {
  it('folds partial updates onto the previous version in event-time order', () => {
    const rows = foldRecordHistory([
      e(1, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:01.000Z', { email: 'a@x.io', lead_score: 1, lifecycle_stage: 'lead' }),
      e(2, '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:01.000Z', { lead_score: 5 }, { changed_fields: ['lead_score'] }),
    ]);
    expect(rows.map((r) => JSON.parse(r.record))).toEqual([
      { email: 'a@x.io', lead_score: 1, lifecycle_stage: 'lead' },
      { email: 'a@x.io', lead_score: 5, lifecycle_stage: 'lead' },
    ]);
    expect(rows[0]!.valid_to).toBe(Date.parse('2026-03-01T11:00:00.000Z'));
    expect(rows[1]!.valid_to).toBeNull();
  });

  it('re-closes later versions when a late partial update lands before them, without rewriting the past', () => {
    const rows = foldRecordHistory([
      e(1, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', { lead_score: 1, lifecycle_stage: 'lead' }),
      e(2, '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:00.000Z', { lead_score: 5 }, { changed_fields: ['lead_score'] }),
      // Happened at 10:30, learnt at 12:00.
      e(3, '2026-03-01T10:30:00.000Z', '2026-03-01T12:00:00.000Z', { lifecycle_stage: 'customer' }, { changed_fields: ['lifecycle_stage'] }),
    ]);
    const v3 = rows.filter((r) => r.event_id === 'e2');
    expect(v3).toHaveLength(2);
    expect(JSON.parse(v3[0]!.record)).toEqual({ lead_score: 5, lifecycle_stage: 'lead' });
    expect(v3[0]!.known_to).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
    expect(JSON.parse(v3[1]!.record)).toEqual({ lead_score: 5, lifecycle_stage: 'customer' });
    expect(v3[1]!.known_from).toBe(Date.parse('2026-03-01T12:00:00.000Z'));
    expect(rows.find((r) => r.event_id === 'e3')!.version).toBe(2);
    expect(rows.find((r) => r.event_id === 'e1')!.valid_to).toBe(Date.parse('2026-03-01T10:30:00.000Z'));
  });

  it('breaks duplicate event timestamps by source position, then ingest_seq', () => {
    const rows = foldRecordHistory([
      e(1, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', { lead_score: 1 }, { source: { system: 'd', connector: 'c', position: '20' } }),
      e(2, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', { lead_score: 2 }, { source: { system: 'd', connector: 'c', position: '3' } }),
    ]);
    expect(rows.map((r) => [r.event_id, r.version])).toEqual([
      ['e2', 1],
      ['e1', 2],
    ]);
  });

  it('keeps deletes and merges as versions', () => {
    const rows = foldRecordHistory([
      e(1, '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z', { lead_score: 1 }),
      e(2, '2026-03-01T11:00:00.000Z', '2026-03-01T11:00:00.000Z', {}, { op: 'merge', merged_into: { contact_id: 'con_9' } }),
    ]);
    expect(rows[1]).toMatchObject({ op: 'merge', is_deleted: true, merged_into_key: '["con_9"]' });
  });
});

describe('buildStaging', () => {
  it('gives identical bytes whether built at once or incrementally in many runs', async () => {
    const events = generateHistory({ seed: 7, contacts: 40, events: 600 });
    const a = tmp();
    await buildStaging({ source: createMemoryRawEventSource(events), dir: a });
    const b = tmp();
    const source = createMemoryRawEventSource([]);
    for (let i = 0; i < events.length; i += 97) {
      source.append(events.slice(i, i + 97));
      await buildStaging({ source, dir: b });
    }
    const c = tmp();
    await buildStaging({ source: createMemoryRawEventSource(events), dir: c });
    expect(Object.keys(hashes(a)).length).toBeGreaterThan(4);
    expect(hashes(b)).toEqual(hashes(a));
    expect(hashes(c)).toEqual(hashes(a));
  });

  it('processes only new positions and is idempotent', async () => {
    const events = generateHistory({ seed: 3, contacts: 10, events: 100 });
    const d = tmp();
    const source = createMemoryRawEventSource(events);
    const first = await buildStaging({ source, dir: d });
    expect(first.events).toBe(events.length);
    const again = await buildStaging({ source, dir: d });
    expect(again.events).toBe(0);
    const db = await openDuckDBSession();
    const rows = await db.all(`SELECT count(DISTINCT event_id) AS n FROM read_parquet('${stagingGlob(d, '*')}', hive_partitioning=false)`);
    db.close();
    expect(Number(rows[0]!.n)).toBe(events.length);
  });
});
