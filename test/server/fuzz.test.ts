import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHubSpotV3 } from '../../src/ingest/sources/hubspot-signature.js';
import { signStandardWebhook } from '../../src/ingest/sources/standard-webhooks.js';
import { openLake } from '../../src/lake/lake.js';
import type { Lake } from '../../src/lake/types.js';
import { createServer, type VerityServer } from '../../src/server/create-server.js';
import { createServerSources } from '../../src/server/server-sources.js';

// Fuzzed and hostile bodies against the real lake and the real source adapters: each must get a
// clear 4xx with a stable code and leave the lake exactly as it was.
const NOW = new Date('2026-03-01T12:00:00.000Z');
const BASE = 'http://127.0.0.1:8787';
const HUBSPOT_SECRET = 'hubspot-test-secret';
const DEBEZIUM_SECRET = `whsec_${Buffer.from('debezium-test-secret-32-bytes!!!').toString('base64')}`;
const LIMIT = 1024 * 1024;

let dir: string;
let lake: Lake;
let server: VerityServer;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-fuzz-'));
  lake = await openLake({ dir: join(dir, '.verity'), clock: () => NOW });
  server = createServer({
    lake,
    sources: createServerSources(),
    tenantDefault: 't01',
    bodyLimitBytes: LIMIT,
    secrets: { hubspot: HUBSPOT_SECRET, debezium: DEBEZIUM_SECRET },
    publicBaseUrl: BASE,
    now: () => NOW,
  });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function hubspotHeaders(body: string | Buffer, at = NOW.getTime(), secret = HUBSPOT_SECRET, path = '/v1/webhooks/hubspot') {
  const ts = String(at);
  return {
    'content-type': 'application/json',
    'x-hubspot-request-timestamp': ts,
    'x-hubspot-signature-v3': signHubSpotV3(secret, 'POST', `${BASE}${path}`, body, ts),
  };
}

const goodHubspot = JSON.stringify([
  { eventId: 1, subscriptionId: 2, portalId: 3, occurredAt: NOW.getTime() - 1000, subscriptionType: 'contact.propertyChange', objectId: 42, propertyName: 'email', propertyValue: 'a@example.com' },
]);

async function expectRefused(request: { url: string; payload: string | Buffer; headers: Record<string, string> }, status: number, code: string) {
  const before = await lake.stats();
  const res = await server.app.inject({ method: 'POST', ...request });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(status);
  const body = res.json();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeLessThan(2000);
  const after = await lake.stats();
  expect(after.lastSeq).toBe(before.lastSeq);
  expect(after.totals).toEqual(before.totals);
}

describe('fuzzed bodies get a clear 4xx and leave the lake untouched', () => {
  it('accepts the well-formed signed delivery the fuzz cases are variations of', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/webhooks/hubspot', payload: goodHubspot, headers: hubspotHeaders(goodHubspot) });
    expect(res.statusCode).toBe(202);
    expect(res.json().accepted).toBe(1);
  });

  it('refuses truncated JSON with 400 MALFORMED_INPUT', async () => {
    for (let cut = 1; cut < goodHubspot.length; cut += 17) {
      const body = goodHubspot.slice(0, cut);
      await expectRefused({ url: '/v1/webhooks/hubspot', payload: body, headers: hubspotHeaders(body) }, 400, 'MALFORMED_INPUT');
    }
  });

  it('refuses bodies of the wrong JSON types with 422 UNPROCESSABLE', async () => {
    for (const body of ['42', '"text"', 'true', 'null', '[1,2,3]', '[{"eventId":"x"}]', '{"objectId":{"nested":true}}', '[[[]]]']) {
      await expectRefused({ url: '/v1/webhooks/hubspot', payload: body, headers: hubspotHeaders(body) }, 422, 'UNPROCESSABLE');
    }
  });

  it('refuses a body with a 10 MB string with 413 PAYLOAD_TOO_LARGE', async () => {
    const body = JSON.stringify([{ eventId: 1, propertyValue: 'x'.repeat(10 * 1024 * 1024) }]);
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: body, headers: hubspotHeaders(body) }, 413, 'PAYLOAD_TOO_LARGE');
    await expectRefused({ url: '/v1/webhooks/salesforce', payload: body, headers: { 'content-type': 'application/json' } }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses a 10 MB string with 422 when the body limit lets it through, naming the item limit', async () => {
    const roomy = createServer({ lake, sources: createServerSources(), tenantDefault: 't01', bodyLimitBytes: 16 * 1024 * 1024, closeResources: false, now: () => NOW });
    try {
      const before = await lake.stats();
      const body = JSON.stringify({ before: null, after: { lead_id: 'lead_1', notes: 'x'.repeat(10 * 1024 * 1024) }, source: { name: 'crm', lsn: 1, schema: 'public', table: 'leads' }, op: 'c', ts_ms: NOW.getTime() });
      const res = await roomy.app.inject({ method: 'POST', url: '/v1/webhooks/debezium', payload: body, headers: { 'content-type': 'application/json' } });
      expect(res.statusCode).toBe(422);
      expect(res.json().error).toMatchObject({ code: 'UNPROCESSABLE', details: [{ code: 'VALUE_TOO_LARGE' }] });
      expect((await lake.stats()).totals).toEqual(before.totals);
    } finally {
      await roomy.close();
    }
  });

  it('refuses invalid UTF-8 with 400 MALFORMED_INPUT', async () => {
    const body = Buffer.concat([Buffer.from('[{"eventId":1,"propertyValue":"'), Buffer.from([0xc3, 0x28, 0xff, 0xfe]), Buffer.from('"}]')]);
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: body, headers: hubspotHeaders(body) }, 400, 'MALFORMED_INPUT');
    await expectRefused({ url: '/v1/webhooks/salesforce', payload: body, headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_INPUT');
  });

  it('refuses wrong content types with 415 UNSUPPORTED_MEDIA_TYPE', async () => {
    for (const type of ['text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', '']) {
      const headers: Record<string, string> = { ...hubspotHeaders(goodHubspot) };
      if (type) headers['content-type'] = type;
      else delete headers['content-type'];
      await expectRefused({ url: '/v1/webhooks/hubspot', payload: goodHubspot, headers }, 415, 'UNSUPPORTED_MEDIA_TYPE');
    }
  });

  it('refuses bad, missing and stale signatures with 401 SIGNATURE_INVALID', async () => {
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: goodHubspot, headers: hubspotHeaders(goodHubspot, NOW.getTime(), 'wrong-secret') }, 401, 'SIGNATURE_INVALID');
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: goodHubspot, headers: hubspotHeaders(goodHubspot, NOW.getTime() - 10 * 60_000) }, 401, 'SIGNATURE_INVALID');
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: goodHubspot, headers: { 'content-type': 'application/json' } }, 401, 'SIGNATURE_INVALID');
    const tampered = goodHubspot.replace('a@example.com', 'b@example.com');
    await expectRefused({ url: '/v1/webhooks/hubspot', payload: tampered, headers: hubspotHeaders(goodHubspot) }, 401, 'SIGNATURE_INVALID');
    // Debezium's Standard Webhooks signature.
    const dbz = JSON.stringify({ before: null, after: { lead_id: 'lead_1' }, source: { name: 'crm', lsn: 1, schema: 'public', table: 'leads' }, op: 'c', ts_ms: NOW.getTime() });
    const ts = Math.floor(NOW.getTime() / 1000);
    const good = { 'content-type': 'application/json', 'webhook-id': 'msg_1', 'webhook-timestamp': String(ts) };
    await expectRefused({ url: '/v1/webhooks/debezium', payload: dbz, headers: { ...good, 'webhook-signature': signStandardWebhook(`whsec_${Buffer.from('another-secret-of-32-bytes-long!').toString('base64')}`, 'msg_1', ts, dbz) } }, 401, 'SIGNATURE_INVALID');
    await expectRefused({ url: '/v1/webhooks/debezium', payload: dbz, headers: { ...good, 'webhook-timestamp': String(ts - 3600), 'webhook-signature': signStandardWebhook(DEBEZIUM_SECRET, 'msg_1', ts - 3600, dbz) } }, 401, 'SIGNATURE_INVALID');
  });

  it('refuses bodies over the limit with 413 PAYLOAD_TOO_LARGE, by declared length and by streamed bytes', async () => {
    const big = Buffer.alloc(LIMIT + 1, 0x20);
    await expectRefused({ url: '/v1/webhooks/salesforce', payload: big, headers: { 'content-type': 'application/json' } }, 413, 'PAYLOAD_TOO_LARGE');
  });

  it('refuses an empty body with 400 and a malformed tenant with 400 INVALID_ARGUMENT', async () => {
    await expectRefused({ url: '/v1/webhooks/salesforce', payload: '', headers: { 'content-type': 'application/json' } }, 400, 'MALFORMED_INPUT');
    await expectRefused({ url: '/v1/webhooks/salesforce?tenant=../../etc', payload: '{}', headers: { 'content-type': 'application/json' } }, 400, 'INVALID_ARGUMENT');
  });

  it('survives random bytes on every endpoint without a 5xx or a write', async () => {
    // Deterministic pseudo-random bodies (xorshift), so a failure is reproducible.
    let x = 0x9e3779b9;
    const rand = () => ((x ^= x << 13), (x ^= x >>> 17), (x ^= x << 5), (x >>> 0) / 4294967296);
    const before = await lake.stats();
    for (let i = 0; i < 60; i++) {
      const len = Math.floor(rand() * 400);
      const bytes = Buffer.alloc(len);
      for (let j = 0; j < len; j++) bytes[j] = Math.floor(rand() * 256);
      for (const url of ['/v1/webhooks/salesforce', '/v1/webhooks/debezium', '/v1/webhooks/hubspot']) {
        const headers = url.endsWith('hubspot') ? hubspotHeaders(bytes) : { 'content-type': 'application/json' };
        const res = await server.app.inject({ method: 'POST', url, payload: bytes, headers });
        expect(res.statusCode, `${url} #${i}: ${res.body}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode).toBeLessThan(500);
        expect(res.json().error.code).toMatch(/^[A-Z_]+$/);
      }
    }
    expect((await lake.stats()).lastSeq).toBe(before.lastSeq);
  });
});

describe('/v1/events with the real envelope source and lake', () => {
  const env = (i: number) => ({
    event_id: `native-${i}`,
    tenant_id: 't01',
    entity: 'lead',
    entity_key: { lead_id: `lead_${i}` },
    op: 'upsert',
    event_time: '2026-03-01T11:00:00.000Z',
    source: { system: 'verity', connector: 'test', position: String(i) },
    payload: { lead_id: `lead_${i}`, email: `l${i}@example.com` },
  });

  it('accepts a JSON array and an NDJSON batch of envelopes, 202 after they are durable', async () => {
    const before = (await lake.stats()).totals.raw;
    const a = await server.app.inject({ method: 'POST', url: '/v1/events', payload: JSON.stringify([env(1), env(2)]), headers: { 'content-type': 'application/json' } });
    expect(a.statusCode).toBe(202);
    expect(a.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const b = await server.app.inject({ method: 'POST', url: '/v1/events', payload: `${JSON.stringify(env(2))}\n${JSON.stringify(env(3))}\n`, headers: { 'content-type': 'application/x-ndjson' } });
    expect(b.json()).toMatchObject({ accepted: 1, duplicates: 1 });
    expect((await lake.stats()).totals.raw).toBe(before + 3);
  });

  it('refuses a batch with no valid envelope with 422 and writes nothing', async () => {
    await expectRefused({ url: '/v1/events', payload: JSON.stringify([{ event_id: 1 }, { nope: true }]), headers: { 'content-type': 'application/json' } }, 422, 'UNPROCESSABLE');
  });
});
