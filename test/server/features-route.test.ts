import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { count, defineFeatureView, derived, lastValue } from '../../src/features/feature-view.js';
import { withMaterialization } from '../../src/features/materialize-on-ingest.js';
import { createMaterializer } from '../../src/features/materializer.js';
import { createServingLog } from '../../src/features/online-features.js';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';
import { openLake } from '../../src/lake/lake.js';
import { createServer, type VerityServer } from '../../src/server/create-server.js';
import { createFeatureRoutes } from '../../src/server/routes/features.js';
import { createFakeEnvelopeSource, envelope } from './fakes.js';

const NOW = new Date('2026-03-01T12:30:00.000Z');
const view = defineFeatureView({
  name: 'engagement',
  entity: 'contact',
  keys: ['contact_id'],
  maxAge: '1h',
  features: {
    lead_score: lastValue('lead_score', { type: 'integer' }),
    opens_7d: count({ from: 'activity', where: { type: 'email_opened' }, window: '7d' }),
    hot: derived((f) => Number(f.lead_score) > 50 && Number(f.opens_7d) > 0, { type: 'boolean' }),
  },
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'verity-features-route-'));
  const lake = await openLake({ dir, clock: () => NOW });
  const store = createMemoryOnlineStore();
  const materializer = createMaterializer({ lakeDir: dir, source: lake, store, views: [view], clock: () => NOW });
  const logFile = join(dir, 'serving.ndjson');
  const log = createServingLog(logFile);
  const server: VerityServer = createServer({
    lake: withMaterialization(lake, materializer),
    sources: [createFakeEnvelopeSource()],
    tenantDefault: 't01',
    now: () => NOW,
    plugins: [createFeatureRoutes({ store, views: [view], log })],
  });
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }), () => server.close());
  const post = (url: string, body: unknown, type = 'application/json') =>
    server.app.inject({ method: 'POST', url, payload: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': type } });
  return { post, logFile, log };
}

describe('POST /v1/features/online', () => {
  it('serves a change accepted by /v1/events at once, with status and age, and logs the lookup', async () => {
    const { post, logFile, log } = await setup();
    const ingest = await post('/v1/events', [
      envelope(1, { payload: { contact_id: 'con_1', email: 'a@example.com', lead_score: 77 }, event_time: '2026-03-01T12:00:00.000Z' }),
      envelope(2, { entity: 'activity', entity_key: { activity_id: 'act_1' }, payload: { activity_id: 'act_1', contact_id: 'con_1', type: 'email_opened' }, event_time: '2026-03-01T12:10:00.000Z' }),
    ]);
    expect(ingest.statusCode).toBe(202);
    const res = await post('/v1/features/online', { view: 'engagement', entities: [{ contact_id: 'con_1' }, { contact_id: 'nobody' }] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.view_version).toBe(view.version);
    expect(body.rows[0].features.lead_score).toEqual({ value: 77, status: 'OK', event_time: '2026-03-01T12:00:00.000Z', age_ms: 1_800_000 });
    expect(body.rows[0].features.opens_7d.value).toBe(1);
    expect(body.rows[0].features.hot.value).toBe(true);
    expect(body.rows[1].features.lead_score.status).toBe('NOT_FOUND');
    expect(existsSync(logFile)).toBe(false); // buffered off the request path
    await log.flush();
    const logged = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ view: 'engagement', entity: { contact_id: 'con_1' }, features: { lead_score: 77 } });
  });

  it('rejects bad requests with clear errors and statuses', async () => {
    const { post } = await setup();
    expect((await post('/v1/features/online', { view: 'nope', entities: [{ contact_id: 'x' }] })).statusCode).toBe(404);
    expect((await post('/v1/features/online', { view: 'engagement' })).statusCode).toBe(422);
    expect((await post('/v1/features/online', { view: 'engagement', entities: [{ email: 'x' }] })).statusCode).toBe(400);
    expect((await post('/v1/features/online', { view: 'engagement', entities: Array.from({ length: 1001 }, () => ({ contact_id: 'x' })) })).statusCode).toBe(422);
    expect((await post('/v1/features/online', '{"view":', 'application/json')).statusCode).toBe(400);
    expect((await post('/v1/features/online', 'x', 'text/plain')).statusCode).toBe(415);
    const bad = await post('/v1/features/online', { view: 'engagement', entities: [{ contact_id: 'x' }], features: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/no feature "nope"/);
  });
});
