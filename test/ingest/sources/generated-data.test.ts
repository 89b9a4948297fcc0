import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../../src/envelope.js';
import { generate } from '../../../src/generator/generate.js';
import type { DecodeResult, SourceDelivery } from '../../../src/ingest/source.js';
import { createSource } from '../../../src/ingest/sources/source-registry.js';

// The generator writes every delivery twice: in the source's native format and as a Verity envelope
// with the event id the BRIEF's rules give. Each adapter must arrive at the same ids and content.
const dir = mkdtempSync(join(tmpdir(), 'verity-sources-gen-'));
const tenant = join(dir, 'tenants', 't01');
const ctx = { tenant_id: 't01', now: new Date('2026-03-01T00:00:00.000Z') };
let expected: Map<string, Envelope>;

const lines = (file: string) =>
  readFileSync(join(tenant, file), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '');
const sorted = (v: unknown): unknown =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted((v as Record<string, unknown>)[k])])) : v;
const content = (e: Envelope) => sorted({ key: e.entity_key, op: e.op, time: e.event_time, payload: e.payload, changed: [...(e.changed_fields ?? [])].sort(), merged: e.merged_into ?? null });

function expectSameAsGenerator(results: DecodeResult[], system: string): void {
  const ours = results.flatMap((r) => r.envelopes);
  expect(results.flatMap((r) => r.rejected)).toEqual([]);
  const theirs = [...expected.values()].filter((e) => e.source.system === system);
  // duplicate deliveries repeat an id on purpose: compare distinct ids
  expect(new Set(ours.map((e) => e.event_id)).size).toBe(theirs.length);
  for (const e of ours) {
    const g = expected.get(e.event_id);
    expect(g, `generator has no event ${e.event_id} (${JSON.stringify(e.entity_key)})`).toBeDefined();
    expect(content(e)).toEqual(content(g!));
  }
}

beforeAll(async () => {
  await generate({ out: dir, seed: 11, tenants: 1, accounts: 20, contacts: 120, days: 12, formats: ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson', 'csv'] });
  expected = new Map(lines('envelopes/events.ndjson').map((l) => JSON.parse(l) as Envelope).map((e) => [e.event_id, e]));
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Sources agree with the generator on every event id and payload', () => {
  it('HubSpot: verifies every signed delivery and decodes it to the generator envelopes', () => {
    const source = createSource('hubspot', { secret: 'verity-demo-secret' });
    const results = lines('hubspot/deliveries.ndjson').map((l) => {
      const d = JSON.parse(l) as { method: string; url: string; headers: Record<string, string>; body: string };
      const delivery: SourceDelivery = { body: Buffer.from(d.body, 'utf8'), headers: Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toLowerCase(), v])), method: d.method, url: d.url };
      source.verify!(delivery, { ...ctx, now: new Date(Number(delivery.headers['x-hubspot-request-timestamp'])) });
      return source.decode(delivery, ctx);
    });
    expectSameAsGenerator(results, 'hubspot');
  });

  it('Salesforce CDC: decodes every event (bitmaps in the event key order) to the generator envelopes', () => {
    const source = createSource('salesforce');
    expectSameAsGenerator(
      lines('salesforce/events.ndjson').map((l) => source.decode({ body: Buffer.from(l), headers: {} }, ctx)),
      'salesforce',
    );
  });

  it('Debezium: decodes every change event to the generator envelopes', () => {
    const source = createSource('debezium');
    expectSameAsGenerator(
      lines('debezium/events.ndjson').map((l) => source.decode({ body: Buffer.from(l), headers: {} }, ctx)),
      'debezium',
    );
  });

  it('NDJSON file: streams the activity file to the generator envelopes; CSV gives the same payloads', async () => {
    const nd: DecodeResult[] = [];
    for await (const r of createSource('ndjson', { entity: 'activity' }).decodeStream!(join(tenant, 'files', 'activity.ndjson'), ctx)) nd.push(r);
    expectSameAsGenerator(nd, 'file');
    const csv: Envelope[] = [];
    for await (const r of createSource('csv', { entity: 'activity' }).decodeStream!(join(tenant, 'files', 'activity.csv'), ctx)) csv.push(...r.envelopes);
    const ndEnvelopes = nd.flatMap((r) => r.envelopes);
    const withoutNulls = (p: Record<string, unknown>) => sorted(Object.fromEntries(Object.entries(p).filter(([, v]) => v !== null)));
    expect(csv.map((e) => withoutNulls(e.payload))).toEqual(ndEnvelopes.map((e) => withoutNulls(e.payload)));
  });

  it('Envelopes: accepts every generator envelope as valid', () => {
    const r = createSource('verity').decode({ body: readFileSync(join(tenant, 'envelopes/events.ndjson')), headers: {} }, ctx);
    expect(r.rejected).toEqual([]);
    expect(r.envelopes.length).toBe(lines('envelopes/events.ndjson').length);
    expect(new Set(r.envelopes.map((e) => e.event_id)).size).toBe(expected.size);
  });
});
