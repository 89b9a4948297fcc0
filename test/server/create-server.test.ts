import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type VerityServer } from '../../src/server/create-server.js';
import { VerityError } from '../../src/errors.js';
import type { RoutePlugin } from '../../src/server/server-context.js';
import { createFakeEnvelopeSource, createFakeLake, createFakeSignedSource, envelope, fakeSign } from './fakes.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const servers: VerityServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function setup(options: { lake?: ReturnType<typeof createFakeLake>; bodyLimitBytes?: number; plugins?: RoutePlugin[] } = {}) {
  const lake = options.lake ?? createFakeLake();
  const server = createServer({
    lake,
    sources: [createFakeEnvelopeSource(), createFakeSignedSource()],
    tenantDefault: 't01',
    secrets: { hubspot: 's3cret' },
    now: () => NOW,
    ...(options.bodyLimitBytes ? { bodyLimitBytes: options.bodyLimitBytes } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  });
  servers.push(server);
  return { server, lake, app: server.app };
}

const post = (app: VerityServer['app'], url: string, payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
  app.inject({ method: 'POST', url, payload, headers });

describe('createServer ingest routes', () => {
  it('answers 202 with counts once a batch of envelopes is in the lake', async () => {
    const { app, lake } = setup();
    const res = await post(app, '/v1/events', JSON.stringify([envelope(1), envelope(2), envelope(3, { payload: { email: 'nope' } })]));
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, quarantined: 1, byReason: { format: 1 } });
    expect(lake.raw.map((e) => e.event_id)).toEqual(['evt-1', 'evt-2']);
  });

  it('counts a re-sent batch as duplicates and adds nothing to the lake', async () => {
    const { app, lake } = setup();
    const body = JSON.stringify([envelope(1), envelope(2)]);
    await post(app, '/v1/events', body);
    const res = await post(app, '/v1/events?results=true', body);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 0, duplicates: 2, results: [{ event_id: 'evt-1', status: 'duplicate' }, { event_id: 'evt-2', status: 'duplicate' }] });
    expect(lake.raw).toHaveLength(2);
  });

  it('accepts NDJSON batches on /v1/events and quarantines undecodable lines', async () => {
    const { app, lake } = setup();
    const body = `${JSON.stringify(envelope(1))}\n{"truncated":\n${JSON.stringify(envelope(2))}\n`;
    const res = await post(app, '/v1/events', body, { 'content-type': 'application/x-ndjson' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ accepted: 2, quarantined: 1, byReason: { MALFORMED_JSON: 1 } });
    expect(lake.quarantine[0]).toMatchObject({ reason: 'MALFORMED_JSON', raw: '{"truncated":' });
  });

  it('takes the tenant from ?tenant= or X-Verity-Tenant and rejects a malformed one', async () => {
    const { app, lake } = setup();
    expect((await post(app, '/v1/events?tenant=t02', JSON.stringify([envelope(1)]))).statusCode).toBe(202);
    expect((await post(app, '/v1/events', JSON.stringify([envelope(2)]), { 'content-type': 'application/json', 'x-verity-tenant': 't03' })).statusCode).toBe(202);
    expect(lake.raw.map((e) => e.tenant_id)).toEqual(['t02', 't03']);
    const bad = await post(app, '/v1/events?tenant=a%20b', JSON.stringify([envelope(3)]));
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_ARGUMENT');
    const clash = await post(app, '/v1/events?tenant=t02', JSON.stringify([envelope(3)]), { 'content-type': 'application/json', 'x-verity-tenant': 't03' });
    expect(clash.json().error.code).toBe('INVALID_ARGUMENT');
  });

  it('verifies signatures for a source with a secret: 401 when missing, wrong or stale, 202 when valid', async () => {
    const { app, lake } = setup();
    const body = JSON.stringify([envelope(1)]);
    const ts = NOW.getTime();
    const missing = await post(app, '/v1/webhooks/hubspot', body);
    expect(missing.statusCode).toBe(401);
    expect(missing.json().error.code).toBe('SIGNATURE_INVALID');
    const wrong = await post(app, '/v1/webhooks/hubspot', body, { 'content-type': 'application/json', 'x-test-signature': fakeSign('other', body, ts), 'x-test-timestamp': String(ts) });
    expect(wrong.statusCode).toBe(401);
    const staleTs = ts - 10 * 60_000;
    const stale = await post(app, '/v1/webhooks/hubspot', body, { 'content-type': 'application/json', 'x-test-signature': fakeSign('s3cret', body, staleTs), 'x-test-timestamp': String(staleTs) });
    expect(stale.statusCode).toBe(401);
    expect(lake.raw).toHaveLength(0);
    const ok = await post(app, '/v1/webhooks/hubspot', body, { 'content-type': 'application/json', 'x-test-signature': fakeSign('s3cret', body, ts), 'x-test-timestamp': String(ts) });
    expect(ok.statusCode).toBe(202);
    expect(lake.raw).toHaveLength(1);
  });

  it('answers 404 NOT_FOUND for a webhook whose source is not configured and for unknown routes', async () => {
    const { app } = setup();
    const res = await post(app, '/v1/webhooks/salesforce', '{}');
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({ code: 'NOT_FOUND' });
    expect(res.json().error.message).toMatch(/No "salesforce" source/);
    expect((await app.inject({ method: 'GET', url: '/nope' })).json().error.code).toBe('NOT_FOUND');
  });

  it('maps a lake failure to its VerityError status and an unexpected one to an opaque 500', async () => {
    const io = setup({ lake: createFakeLake({ failWith: new VerityError('IO_ERROR', 'disk full') }) });
    const res = await post(io.app, '/v1/events', JSON.stringify([envelope(1)]));
    expect(res.statusCode).toBe(500);
    expect(res.json().error).toEqual({ code: 'IO_ERROR', message: 'disk full' });
    const bug = setup({ lake: createFakeLake({ failWith: new TypeError('x is undefined at secret/path') }) });
    const res2 = await post(bug.app, '/v1/events', JSON.stringify([envelope(1)]));
    expect(res2.statusCode).toBe(500);
    expect(res2.json().error.code).toBe('INTERNAL');
    expect(res2.json().error.message).not.toMatch(/secret\/path/);
  });

  it('registers extra route plugins with the shared context', async () => {
    const plugin: RoutePlugin = async (app, { context }) => {
      app.get('/v1/hello', async () => ({ tenant: context.tenantDefault }));
    };
    const { app } = setup({ plugins: [plugin] });
    expect((await app.inject({ method: 'GET', url: '/v1/hello' })).json()).toEqual({ tenant: 't01' });
  });
});

describe('createServer health, metrics and shutdown', () => {
  it('reports health, readiness and Prometheus metrics by source and reason', async () => {
    const { app } = setup();
    expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', mode: 'lake' });
    await post(app, '/v1/events', JSON.stringify([envelope(1), envelope(2, { payload: { email: 'x' } })]));
    await post(app, '/v1/events', 'nope', { 'content-type': 'text/plain' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/verity_ingest_events_total\{source="envelopes",status="accepted",reason=""\} 1/);
    expect(text).toMatch(/verity_ingest_events_total\{source="envelopes",status="quarantined",reason="format"\} 1/);
    expect(text).toMatch(/verity_ingest_batch_duration_seconds_count\{source="envelopes"\} 1/);
    expect(text).toMatch(/verity_ingest_errors_total\{source="envelopes",code="UNSUPPORTED_MEDIA_TYPE"\} 1/);
  });

  it('drains an in-flight batch on close, then closes the lake once', async () => {
    const lake = createFakeLake({ delayMs: 200 });
    const { server } = setup({ lake });
    const url = await server.listen({ port: 0 });
    const pending = fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([envelope(1)]) });
    // Wait until the batch is inside the lake (not merely sent), however loaded the machine is.
    while (lake.startedCount === 0) await new Promise((r) => setTimeout(r, 5));
    expect(lake.raw).toHaveLength(0);
    const closing = server.close();
    const res = await pending;
    expect(res.status).toBe(202);
    await closing;
    expect(lake.raw).toHaveLength(1);
    expect(lake.closedCount).toBe(1);
    await server.close();
    expect(lake.closedCount).toBe(1);
  });

  it('reports not ready with a reason as soon as draining starts', async () => {
    const { server } = setup();
    expect(server.context.notReadyReason()).toBeUndefined();
    const closing = server.close();
    expect(server.context.isDraining()).toBe(true);
    expect(server.context.notReadyReason()).toMatch(/draining/);
    await closing;
  });
});
