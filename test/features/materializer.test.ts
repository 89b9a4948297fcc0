import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  count,
  defineFeatureView,
  derived,
  lastValue,
  sum,
  timeSince,
  timeSinceLast,
} from '../../src/features/feature-view.js';
import { createMaterializer } from '../../src/features/materializer.js';
import { getTrainingFrame } from '../../src/features/offline-retrieval.js';
import { createServingLog, getOnlineFeatures, type ServingLog } from '../../src/features/online-features.js';
import type { OnlineStore } from '../../src/features/online-store.js';
import { createRedisOnlineStore } from '../../src/features/online-stores/redis-online-store.js';
import { runParity } from '../../src/features/parity.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';
import { buildStaging } from '../../src/staging/build-staging.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';
import { generateHistory } from './crm-history.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const view = defineFeatureView({
  name: 'engagement',
  entity: 'contact',
  keys: ['contact_id'],
  features: {
    lead_score: lastValue('lead_score', { type: 'integer' }),
    lifecycle_stage: lastValue('lifecycle_stage', { type: 'string' }),
    email: lastValue('email', { type: 'string' }),
    since_update_s: timeSince('$event_time'),
    emails_opened_7d: count({ from: 'activity', where: { type: 'email_opened' }, window: '7d' }),
    meetings_30d: count({ from: 'activity', where: { type: 'meeting' }, window: '30d' }),
    duration_7d: sum('duration_seconds', { from: 'activity', window: '7d' }),
    since_activity_s: timeSinceLast({ from: 'activity', window: '30d' }),
    score_per_open: derived((f) =>
      f.lead_score === null ? null : Number(f.lead_score) / (1 + Number(f.emails_opened_7d)),
    ),
  },
});

const tmp = useTempDirs('verity-mat-');

async function compareOnlineWithOffline(
  dir: string,
  store: OnlineStore,
  now: Date,
  contacts: number,
  log?: ServingLog,
) {
  const entities = Array.from({ length: contacts }, (_, i) => ({ contact_id: `con_${i}` }));
  const online = await getOnlineFeatures(store, view, entities, {
    tenant: 't01',
    now,
    ...(log ? { log } : {}),
  });
  const frame = await getTrainingFrame(
    entities.map((e) => ({ ...e, timestamp: now.toISOString() })),
    [view],
    { lakeDir: dir, tenant: 't01' },
  );
  const offline = await frame.rows();
  frame.close();
  let compared = 0;
  for (let i = 0; i < entities.length; i++) {
    for (const f of view.features) {
      const a = online[i]!.features[f.name]!.value;
      const b = offline[i]![f.name];
      const norm = (v: unknown) => (typeof v === 'number' ? Math.round(v * 1000) / 1000 : (v ?? null));
      expect({ entity: i, feature: f.name, value: norm(a) }).toEqual({
        entity: i,
        feature: f.name,
        value: norm(b),
      });
      if (b !== null) compared++;
    }
  }
  expect(compared).toBeGreaterThan(contacts * 3);
}

async function batchThenContinuous(store: OnlineStore, log?: ServingLog) {
  const events = generateHistory({ seed: 9, contacts: 25, events: 900 });
  const dir = tmp();
  const cut = Math.floor(events.length * 0.7);
  const source = createMemoryRawEventSource(events.slice(0, cut));
  const now = new Date(Math.max(...events.map((e) => Date.parse(e.ingest_time!))) + 60_000);
  const materializer = createMaterializer({
    lakeDir: dir,
    source,
    store,
    views: [view],
    clock: () => now,
    chunkSize: 7,
  });
  const first = await materializer.materialize();
  expect(first.views[0]!.keys).toBeGreaterThan(20);
  // The rest arrives through the ingest path's hook, in small batches.
  for (let i = cut; i < events.length; i += 13) {
    const batch = events.slice(i, i + 13);
    source.append(batch);
    await materializer.onAccepted(batch);
  }
  await buildStaging({ source, dir });
  await compareOnlineWithOffline(dir, store, now, 25, log);
  return { dir, now };
}

describe('materialization', () => {
  it('makes online values equal offline retrieval at now, batch then continuous, including late and out-of-order events', async () => {
    await batchThenContinuous(createMemoryOnlineStore());
  });

  it('parity finds no mismatch on lookups served at materialization time, and finds a tampered one', async () => {
    const logDir = tmp();
    const logFile = join(logDir, 'serving.ndjson');
    const log = createServingLog(logFile);
    const { dir } = await batchThenContinuous(createMemoryOnlineStore(), log);
    await log.flush();
    const clean = await runParity({ lakeDir: dir, views: [view], logFile });
    expect(clean.lookups).toBe(25);
    expect(clean.features.length).toBe(view.features.length);
    for (const f of clean.features)
      expect({ feature: f.feature, mismatches: f.mismatches, compared: f.compared }).toEqual({
        feature: f.feature,
        mismatches: 0,
        compared: 25,
      });
    const lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    lines[3].features.meetings_30d = 999;
    writeFileSync(logFile, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const tampered = await runParity({ lakeDir: dir, views: [view], logFile });
    expect(tampered.features.find((f) => f.feature === 'meetings_30d')).toMatchObject({
      mismatches: 1,
      mismatch_rate: 1 / 25,
    });
  });

  it('is idempotent and resumable: a second run writes nothing new', async () => {
    const events = generateHistory({ seed: 4, contacts: 10, events: 200 });
    const dir = tmp();
    const source = createMemoryRawEventSource(events);
    const now = new Date(Math.max(...events.map((e) => Date.parse(e.ingest_time!))) + 1000);
    const store = createMemoryOnlineStore();
    const m = createMaterializer({ lakeDir: dir, source, store, views: [view], clock: () => now });
    const a = await m.materialize();
    expect(a.views[0]!.cells.applied).toBeGreaterThan(0);
    const b = await m.materialize();
    expect(b.views[0]!.keys).toBe(0);
    const c = await m.materialize({ full: true });
    expect(c.views[0]!.cells.applied).toBe(0);
    expect(c.views[0]!.cells.skipped).toBeGreaterThan(0);
    await compareOnlineWithOffline(dir, store, now, 10);
  });

  it('reports STALE past maxAge and NOT_FOUND for unknown entities', async () => {
    const v = defineFeatureView({
      name: 'fresh',
      entity: 'contact',
      keys: ['contact_id'],
      maxAge: '1h',
      features: { lead_score: lastValue('lead_score', { type: 'integer' }) },
    });
    const store = createMemoryOnlineStore();
    const m = createMaterializer({ lakeDir: tmp(), source: createMemoryRawEventSource(), store, views: [v] });
    await m.onAccepted([
      {
        event_id: 'e1',
        tenant_id: 't01',
        entity: 'contact',
        entity_key: { contact_id: 'c1' },
        op: 'upsert',
        event_time: '2026-03-01T10:00:00.000Z',
        ingest_seq: 1,
        source: { system: 's', connector: 'c', position: '1' },
        payload: { lead_score: 7 },
      },
    ]);
    const read = (at: string) =>
      getOnlineFeatures(store, v, [{ contact_id: 'c1' }, { contact_id: 'nobody' }], {
        tenant: 't01',
        now: new Date(at),
      });
    const fresh = await read('2026-03-01T10:30:00.000Z');
    expect(fresh[0]!.features.lead_score).toEqual({
      value: 7,
      status: 'OK',
      event_time: '2026-03-01T10:00:00.000Z',
      age_ms: 1_800_000,
    });
    expect(fresh[1]!.features.lead_score).toEqual({
      value: null,
      status: 'NOT_FOUND',
      event_time: null,
      age_ms: null,
    });
    expect((await read('2026-03-01T11:00:00.001Z'))[0]!.features.lead_score!.status).toBe('STALE');
  });
});

await describeWithServer('redis', 'materialization on Redis', () => {
  it('makes online values equal offline retrieval at now on the Redis store too', async () => {
    const store = createRedisOnlineStore({
      url: SERVERS.redis.url,
      keyPrefix: `verity-test:${process.pid}:${Date.now()}:`,
    });
    try {
      await batchThenContinuous(store);
    } finally {
      await store.clearView('t01', view.name);
      await store.close();
    }
  });
});
