import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deriveEventId } from '../../src/ingest/event-id.js';
import { ACCOUNT_CHANGE_EVENT_FIELDS, ADDRESS_FIELDS, OPPORTUNITY_CHANGE_EVENT_FIELDS } from '../../src/generator/formats/salesforce-format.js';
import { encodeSalesforceBitmap } from '../../src/generator/formats/salesforce-bitmap.js';
import { describeWithFixtures, fixturePath, readFixtureJson } from '../helpers/fixtures.js';
import { cleanup, generateTemp, readNdjson, SMALL } from './generated-data.js';

let dir = '';
const SECRET = 'test-secret-42';
const tenantFile = (...p: string[]) => join(dir, 'tenants', 't01', ...p);
let envelopeIds = new Set<string>();

beforeAll(async () => {
  ({ dir } = await generateTemp({ ...SMALL, tenants: 1, hubspotSecret: SECRET }));
  envelopeIds = new Set(readNdjson(tenantFile('envelopes', 'events.ndjson')).map((e) => e.event_id as string));
});
afterAll(cleanup);

/** Independent decoder of the documented bitmap algorithm (fixtures/salesforce-cdc/bitmap-vectors.json). */
function decodeBitmap(bitmaps: string[], fields: readonly string[], nested: Record<string, readonly string[]>): string[] {
  const out: string[] = [];
  for (const b of bitmaps) {
    const m = /^(?:(\d+)-)?0x([0-9A-Fa-f]+)$/.exec(b);
    if (!m) throw new Error(`bad bitmap ${b}`);
    const n = BigInt(`0x${m[2]}`);
    const names = m[1] === undefined ? fields : (nested[fields[Number(m[1])]!] ?? []);
    const prefix = m[1] === undefined ? '' : `${fields[Number(m[1])]}.`;
    for (let i = 0; i < names.length; i++) if ((n >> BigInt(i)) & 1n) out.push(prefix + names[i]);
  }
  return out;
}

describe('generated HubSpot deliveries', () => {
  it('carry v3 signatures that verify for the secret, over method + url + body + timestamp', () => {
    const deliveries = readNdjson(tenantFile('hubspot', 'deliveries.ndjson'));
    expect(deliveries.length).toBeGreaterThan(10);
    for (const d of deliveries) {
      expect(d.method).toBe('POST');
      expect(d.url).toBe('http://127.0.0.1:8787/v1/webhooks/hubspot?tenant=t01');
      const ts = d.headers['x-hubspot-request-timestamp'];
      expect(ts).toMatch(/^\d{13}$/);
      const expected = createHmac('sha256', SECRET).update(`POST${d.url}${d.body}${ts}`).digest();
      expect(timingSafeEqual(Buffer.from(d.headers['x-hubspot-signature-v3'], 'base64'), expected)).toBe(true);
      const wrong = createHmac('sha256', 'other').update(`POST${d.url}${d.body}${ts}`).digest('base64');
      expect(d.headers['x-hubspot-signature-v3']).not.toBe(wrong);
    }
  });

  it('send batches shaped like HubSpot events, whose derived ids are the envelope ids', () => {
    const deliveries = readNdjson(tenantFile('hubspot', 'deliveries.ndjson'));
    const types = new Set<string>();
    for (const d of deliveries) {
      const events = JSON.parse(d.body) as any[];
      expect(events.length).toBeGreaterThan(0);
      expect(events.length).toBeLessThanOrEqual(100);
      for (const e of events) {
        types.add(e.subscriptionType);
        for (const k of ['objectId', 'eventId', 'subscriptionId', 'portalId', 'appId', 'occurredAt', 'subscriptionType', 'attemptNumber', 'changeSource']) expect(e, k).toHaveProperty(k);
        if (e.subscriptionType === 'contact.propertyChange') expect(typeof e.propertyValue).toBe('string');
        if (e.subscriptionType === 'contact.merge') {
          expect(e.primaryObjectId).toBe(e.objectId);
          expect(e.mergedObjectIds).toHaveLength(1);
        }
        const id = deriveEventId('hubspot', [e.subscriptionId, e.eventId, e.occurredAt, e.objectId, e.propertyName ?? null]);
        expect(envelopeIds.has(id)).toBe(true);
      }
    }
    expect([...types].sort()).toEqual(['contact.creation', 'contact.deletion', 'contact.merge', 'contact.propertyChange']);
  });
});

describe('generated HubSpot envelopes', () => {
  it('map property values back to the data model: integer scores, consent arrays, ISO created_at', () => {
    const envelopes = readNdjson(tenantFile('envelopes', 'events.ndjson')).filter((e) => e.source.system === 'hubspot');
    const byField = (f: string) => envelopes.filter((e) => e.changed_fields?.[0] === f);
    expect(byField('lead_score').length).toBeGreaterThan(0);
    for (const e of byField('lead_score')) expect(Number.isInteger(e.payload.lead_score)).toBe(true);
    for (const e of byField('consent')) {
      expect(Array.isArray(e.payload.consent)).toBe(true);
      expect(e.consent).toEqual(e.payload.consent);
    }
    for (const e of byField('created_at')) expect(e.payload.created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    for (const e of envelopes) expect(e.entity_key.contact_id).toMatch(/^con_\d+$/);
    const merges = envelopes.filter((e) => e.op === 'merge');
    expect(merges.length).toBeGreaterThan(0);
    for (const m of merges) expect(m.merged_into.contact_id).not.toBe(m.entity_key.contact_id);
  });
});

describe('generated Salesforce CDC events', () => {
  const events = () => readNdjson(tenantFile('salesforce', 'events.ndjson'));

  it('list every schema field in Avro order after the header, with replayId last', () => {
    for (const ev of events()) {
      const keys = Object.keys(ev);
      const fields = ev.ChangeEventHeader.entityName === 'Account' ? ACCOUNT_CHANGE_EVENT_FIELDS : OPPORTUNITY_CHANGE_EVENT_FIELDS;
      expect(keys).toEqual([...fields, 'replayId']);
      expect(Object.keys(ev.ChangeEventHeader)).toEqual(['entityName', 'recordIds', 'changeType', 'changeOrigin', 'transactionKey', 'sequenceNumber', 'commitTimestamp', 'commitNumber', 'commitUser', 'nulledFields', 'diffFields', 'changedFields']);
      if (ev.ChangeEventHeader.changeType === 'GAP_OVERFLOW') expect(ev.ChangeEventHeader.recordIds).toEqual(['000000000000000AAA']);
      else expect(ev.ChangeEventHeader.recordIds[0]).toMatch(/^(001|006)[0-9A-Za-z]{15}$/);
    }
  });

  it('encode changedFields and nulledFields so the documented decoder yields the fields set and nulled', () => {
    const seen = new Set<string>();
    for (const ev of events()) {
      const h = ev.ChangeEventHeader;
      seen.add(h.changeType);
      const fields = h.entityName === 'Account' ? ACCOUNT_CHANGE_EVENT_FIELDS : OPPORTUNITY_CHANGE_EVENT_FIELDS;
      const changed = decodeBitmap(h.changedFields, fields, { BillingAddress: ADDRESS_FIELDS });
      const nulled = decodeBitmap(h.nulledFields, fields, {});
      if (h.changeType !== 'UPDATE') {
        expect(h.changedFields).toEqual([]);
        continue;
      }
      const nonNull: string[] = [];
      for (const f of fields.slice(1)) {
        const v = ev[f];
        if (f === 'BillingAddress' && v) for (const a of ADDRESS_FIELDS) if (v[a] !== null) nonNull.push(`BillingAddress.${a}`);
        if (f !== 'BillingAddress' && v !== null) nonNull.push(f);
      }
      expect(changed.filter((f) => !nulled.includes(f)).sort()).toEqual(nonNull.sort());
      for (const f of nulled) expect(ev[f]).toBeNull();
      expect(changed).toContain('LastModifiedDate');
    }
    expect(seen.has('CREATE') && seen.has('UPDATE') && seen.has('DELETE')).toBe(true);
    expect([...seen].some((t) => t.startsWith('GAP_'))).toBe(true);
  });

  it('derive the envelope ids from entityName, transactionKey, sequenceNumber and record id', () => {
    for (const ev of events()) {
      const h = ev.ChangeEventHeader;
      const id = deriveEventId('salesforce', [h.entityName, h.transactionKey, h.sequenceNumber, h.recordIds[0]]);
      expect(envelopeIds.has(id)).toBe(!h.changeType.startsWith('GAP_'));
    }
  });
});

describeWithFixtures('salesforce-cdc', 'Salesforce bitmap encoding against the fixture vectors', () => {
  it('encodes the fixture cases to their bitmaps', () => {
    const v = readFixtureJson('salesforce-cdc', 'bitmap-vectors.json');
    for (const c of v.cases as Array<{ bitmaps: string[]; expected: string[] }>) {
      const top = c.expected.filter((f) => !f.includes('.')).map((f) => v.topLevelFields.indexOf(f) as number);
      const nested = new Map<number, number[]>();
      for (const f of c.expected.filter((x) => x.includes('.'))) {
        const [parent, child] = f.split('.') as [string, string];
        const p = v.topLevelFields.indexOf(parent) as number;
        nested.set(p, [...(nested.get(p) ?? []), v.nested[parent].indexOf(child) as number]);
      }
      expect(encodeSalesforceBitmap(top, nested).map((b) => b.toUpperCase().replace('0X', '0x'))).toEqual(c.bitmaps.map((b) => b.toUpperCase().replace('0X', '0x')));
    }
    expect(ACCOUNT_CHANGE_EVENT_FIELDS).toEqual(v.topLevelFields);
  });
});

describeWithFixtures('debezium', 'generated Debezium events', () => {
  it('have the structure of the fixture Postgres events (schemas.enable=false)', () => {
    const fixture = JSON.parse(readFileSync(fixturePath('debezium', 'apache-flink', 'debezium-postgres-data-schema-exclude.txt'), 'utf8').split('\n')[0]!);
    const values = readNdjson(tenantFile('debezium', 'events.ndjson'));
    const ops = new Set<string>();
    for (const v of values) {
      ops.add(v.op);
      expect(Object.keys(v)).toEqual(Object.keys(fixture));
      for (const k of Object.keys(fixture.source)) expect(v.source, k).toHaveProperty(k);
      expect(v.source).toMatchObject({ connector: 'postgresql', name: 'crm', schema: 'public', table: 'leads' });
      expect(typeof v.source.lsn).toBe('number');
      expect(typeof v.ts_ms).toBe('number');
      expect(v.ts_ms).toBeGreaterThanOrEqual(v.source.ts_ms);
      if (v.op === 'c' || v.op === 'r') expect(v.before).toBeNull();
      if (v.op === 'u') expect(v.before.lead_id).toBe(v.after.lead_id);
      if (v.op === 'd') expect(v.after).toBeNull();
      const row = v.after ?? v.before;
      const id = deriveEventId('debezium', [v.source.name, v.source.lsn, v.source.txId ?? null, JSON.stringify([row.lead_id])]);
      expect(envelopeIds.has(id)).toBe(true);
    }
    expect([...ops].sort()).toEqual(['c', 'd', 'r', 'u']);
    // First deliveries only: a re-emitted snapshot read may come later.
    const firsts = [...new Map(values.filter((v) => v.op === 'r').map((v) => [v.after.lead_id, v])).values()];
    expect(firsts.map((v) => v.source.snapshot).filter((s) => s === 'last')).toHaveLength(1);
    expect(firsts.at(-1).source.snapshot).toBe('last');
  });
});

describe('generated activity files', () => {
  it('derive event ids from the file name and 1-based data row, and write the same rows as CSV', () => {
    const rows = readNdjson(tenantFile('files', 'activity.ndjson'));
    const csv = readFileSync(tenantFile('files', 'activity.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('activity_id,type,contact_id,account_id,occurred_at,duration_seconds,quantity,subject');
    expect(csv.length - 1).toBe(rows.length);
    rows.forEach((r, i) => {
      expect(envelopeIds.has(deriveEventId('file', ['activity.ndjson', i + 1]))).toBe(true);
      expect(csv[i + 1]!.startsWith(`${r.activity_id},`)).toBe(true);
      expect(r).not.toHaveProperty('event_id');
    });
  });
});
