import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isVerityError } from '../../../src/errors.js';
import { deriveEventId } from '../../../src/ingest/event-id.js';
import type { SourceDelivery } from '../../../src/ingest/source.js';
import { hubSpotV3Uri, signHubSpotLegacy, signHubSpotV3, verifyHubSpotSignature } from '../../../src/ingest/sources/hubspot-signature.js';
import { createHubSpotWebhookSource } from '../../../src/ingest/sources/hubspot-webhook-source.js';
import { describeSourceConformance } from '../../conformance/source.js';
import { describeWithFixtures, fixturePath, readFixtureJson } from '../../helpers/fixtures.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const SECRET = 'verity-demo-secret';
const URL_T01 = 'http://127.0.0.1:8787/v1/webhooks/hubspot?tenant=t01';
const ctx = { tenant_id: 't01', now: NOW, secret: SECRET };

const base = { subscriptionId: 101, portalId: 62515, appId: 54321, attemptNumber: 0 };
const t0 = NOW.getTime() - 60_000;
const batch = [
  { ...base, eventId: 1, occurredAt: t0, subscriptionType: 'contact.creation', objectId: 123, changeFlag: 'NEW', changeSource: 'CRM' },
  { ...base, eventId: 1, occurredAt: t0 + 1, subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'email', propertyValue: 'ada@example.com' },
  { ...base, eventId: 2, occurredAt: t0 + 2, subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'hubspotscore', propertyValue: '55' },
  { ...base, eventId: 3, occurredAt: t0 + 3, subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'verity_consent', propertyValue: 'analytics;model_training' },
  { ...base, eventId: 4, occurredAt: t0 + 4, subscriptionType: 'contact.propertyChange', objectId: 123, propertyName: 'linkedin_url', propertyValue: 'https://linkedin.example/ada' },
  { ...base, eventId: 5, occurredAt: t0 + 5, subscriptionType: 'contact.deletion', objectId: 124 },
  { ...base, eventId: 6, occurredAt: t0 + 6, subscriptionType: 'contact.privacyDeletion', objectId: 125 },
  { ...base, eventId: 7, occurredAt: t0 + 7, subscriptionType: 'contact.merge', objectId: 126, primaryObjectId: 126, mergedObjectIds: [127], newObjectId: 126, numberOfPropertiesMoved: 3 },
  { ...base, eventId: 8, occurredAt: t0 + 8, subscriptionType: 'deal.propertyChange', objectId: 9, propertyName: 'amount', propertyValue: '1200.50' },
];

function delivery(body: unknown, url = URL_T01): SourceDelivery {
  return { body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'), headers: { 'content-type': 'application/json' }, method: 'POST', url };
}

function signV3(d: SourceDelivery, secret: string, now: Date): SourceDelivery {
  const ts = String(now.getTime());
  return { ...d, headers: { ...d.headers, 'x-hubspot-signature-v3': signHubSpotV3(secret, d.method ?? 'POST', d.url!, d.body, ts), 'x-hubspot-request-timestamp': ts } };
}

const docsBatch = readFileSync(fixturePath('hubspot-webhooks', 'webhook-batch.docs-example.json'), 'utf8');

describeSourceConformance({
  name: 'hubspot',
  create: () => createHubSpotWebhookSource(),
  context: ctx,
  samples: [
    { title: 'a batch of contact, deal, delete, privacy deletion and merge events', delivery: delivery(batch), envelopes: 9, rejected: 0 },
    {
      title: 'the HubSpot docs example batch',
      delivery: delivery(docsBatch),
      expected: [
        {
          event_id: deriveEventId('hubspot', [25, 3816279340, 1462216307945, 1246965, 'lifecyclestage']),
          entity: 'contact',
          entity_key: { contact_id: 'con_1246965' },
          op: 'upsert',
          event_time: '2016-05-02T19:11:47.945Z',
          payload: { contact_id: 'con_1246965', lifecycle_stage: 'subscriber' },
          changed_fields: ['lifecycle_stage'],
          source: { system: 'hubspot', connector: '1160452', position: '1462216307945:3816279340' },
        },
        { event_id: deriveEventId('hubspot', [22, 3816279480, 1462216307945, 1246978, null]), entity_key: { contact_id: 'con_1246978' }, op: 'upsert', changed_fields: [] },
      ],
    },
  ],
  mixed: {
    delivery: delivery([batch[1], { ...batch[2], occurredAt: 'yesterday' }, 'not an event', { ...batch[2], subscriptionType: 'ticket.creation' }, { ...batch[2], eventId: undefined }, batch[3]]),
    goodItems: 2,
    badItems: 4,
  },
  bodyWithValue: (huge) => JSON.stringify([{ ...batch[1], propertyValue: huge }]),
  sign: signV3,
});

describe('HubSpot webhook source: mapping', () => {
  const r = createHubSpotWebhookSource().decode(delivery(batch), ctx);
  const byOp = (i: number) => r.envelopes[i]!;

  it('maps HubSpot property names to Verity fields and converts their types', () => {
    expect(byOp(1).payload).toEqual({ contact_id: 'con_123', email: 'ada@example.com' });
    expect(byOp(2).payload).toEqual({ contact_id: 'con_123', lead_score: 55 });
    expect(byOp(2).changed_fields).toEqual(['lead_score']);
    expect(byOp(3).payload.consent).toEqual(['analytics', 'model_training']);
    expect(byOp(3).consent).toEqual(['analytics', 'model_training']);
  });

  it('keeps unmapped properties under their HubSpot name so a strict contract can flag them', () => {
    expect(byOp(4).payload).toEqual({ contact_id: 'con_123', linkedin_url: 'https://linkedin.example/ada' });
  });

  it('gives different ids to events that share an eventId (eventId alone is not unique)', () => {
    expect(byOp(0).event_id).not.toBe(byOp(1).event_id);
    expect(byOp(1).event_id).toBe(deriveEventId('hubspot', [101, 1, t0 + 1, 123, 'email']));
  });

  it('turns deletion into delete and privacyDeletion into delete with a marker', () => {
    expect(byOp(5)).toMatchObject({ op: 'delete', entity_key: { contact_id: 'con_124' }, payload: { contact_id: 'con_124' } });
    expect(byOp(5).payload._privacy_deletion).toBeUndefined();
    expect(byOp(6)).toMatchObject({ op: 'delete', payload: { _privacy_deletion: true } });
  });

  it('turns merge into a merge of each merged record into the survivor', () => {
    expect(byOp(7)).toMatchObject({ op: 'merge', entity_key: { contact_id: 'con_127' }, merged_into: { contact_id: 'con_126' } });
    expect(byOp(7).event_id).toBe(deriveEventId('hubspot', [101, 7, t0 + 7, 126, null]));
  });

  it('gives each record of a multi-record merge its own id', () => {
    const multi = { ...batch[7], mergedObjectIds: [127, 128] };
    const out = createHubSpotWebhookSource().decode(delivery([multi]), ctx).envelopes;
    expect(out.map((e) => e.entity_key.contact_id)).toEqual(['con_127', 'con_128']);
    expect(out.map((e) => e.event_id)).toEqual([deriveEventId('hubspot', [101, 7, t0 + 7, 126, null]), deriveEventId('hubspot', [101, 7, t0 + 7, 126, 'merged:128'])]);
  });

  it('rejects a merge that names no merged record instead of producing nothing', () => {
    const out = createHubSpotWebhookSource().decode(delivery([{ ...batch[7], mergedObjectIds: [126] }]), ctx);
    expect(out.envelopes).toEqual([]);
    expect(out.rejected[0]!.code).toBe('INVALID_FIELD');
  });

  it('reads a cleared consent property as no purposes', () => {
    const out = createHubSpotWebhookSource().decode(delivery([{ ...batch[3], propertyValue: '' }]), ctx).envelopes[0]!;
    expect(out.payload.consent).toEqual([]);
    expect(out.consent).toEqual([]);
  });

  it('maps deals to opportunities with typed amounts', () => {
    expect(byOp(8)).toMatchObject({ entity: 'opportunity', entity_key: { opportunity_id: 'hs_deal_9' }, payload: { amount: 1200.5 } });
  });

  it('keeps a non-numeric score as text so the contract can reject it', () => {
    const out = createHubSpotWebhookSource().decode(delivery([{ ...batch[2], propertyValue: 'very high' }]), ctx);
    expect(out.envelopes[0]!.payload.lead_score).toBe('very high');
  });

  it('rejects associationChange unless the association type is mapped, then upserts the field', () => {
    const assoc = { ...base, eventId: 9, occurredAt: t0, subscriptionType: 'contact.associationChange', fromObjectId: 123, toObjectId: 77, associationType: 'CONTACT_TO_COMPANY', associationRemoved: false };
    const plain = createHubSpotWebhookSource().decode(delivery([assoc]), ctx);
    expect(plain.rejected[0]!.code).toBe('UNMAPPED_ASSOCIATION');
    const mapped = createHubSpotWebhookSource({ associationFields: { CONTACT_TO_COMPANY: { field: 'company_key', targetObject: 'company' } } });
    expect(mapped.decode(delivery([assoc]), ctx).envelopes[0]).toMatchObject({ op: 'upsert', entity_key: { contact_id: 'con_123' }, payload: { company_key: 'hs_company_77' }, changed_fields: ['company_key'] });
    expect(mapped.decode(delivery([{ ...assoc, associationRemoved: true }]), ctx).envelopes[0]!.payload.company_key).toBeNull();
  });

  it('rejects events of a portal that belongs to another tenant when portals are mapped', () => {
    const s = createHubSpotWebhookSource({ portalTenants: { '62515': 't01', '999': 't02' } });
    const out = s.decode(delivery([batch[1], { ...batch[2], portalId: 999 }, { ...batch[3], portalId: 5 }]), ctx);
    expect(out.envelopes).toHaveLength(1);
    expect(out.rejected.map((r) => [r.index, r.code])).toEqual([
      [1, 'TENANT_MISMATCH'],
      [2, 'TENANT_MISMATCH'],
    ]);
    expect(out.rejected[0]!.message).toMatch(/t02/);
  });

  it('lets the object mapping be overridden', () => {
    const s = createHubSpotWebhookSource({ objects: { company: { entity: 'company', keyField: 'company_id', keyPrefix: '' } } });
    const out = s.decode(delivery([{ ...batch[0], subscriptionType: 'company.creation' }]), ctx);
    expect(out.envelopes[0]).toMatchObject({ entity: 'company', entity_key: { company_id: '123' } });
  });
});

describeWithFixtures('hubspot-webhooks', 'HubSpot signatures: published test vectors', () => {
  const vectors = readFixtureJson<{ cases: Array<{ version: 'v1' | 'v2' | 'v3'; clientSecret: string; method: string; uri: string | null; body: string; timestamp: string | null; expected: string; source: string }> }>(
    'hubspot-webhooks',
    'signature-vectors.json',
  ).cases;
  it('has vectors to run', () => expect(vectors.length).toBeGreaterThanOrEqual(6));
  for (const v of vectors) {
    it(`computes and verifies the ${v.version} vector from ${v.source.slice(0, 60)}`, () => {
      const computed =
        v.version === 'v3' ? signHubSpotV3(v.clientSecret, v.method, v.uri!, v.body, v.timestamp!) : signHubSpotLegacy(v.version, v.clientSecret, v.method, v.uri, v.body);
      expect(computed).toBe(v.expected);
      const headers: Record<string, string> =
        v.version === 'v3'
          ? { 'x-hubspot-signature-v3': v.expected, 'x-hubspot-request-timestamp': v.timestamp! }
          : { 'x-hubspot-signature': v.expected, 'x-hubspot-signature-version': v.version };
      const d: SourceDelivery = { body: Buffer.from(v.body, 'utf8'), headers, method: v.method, ...(v.uri ? { url: v.uri } : {}) };
      // The vectors' timestamp (15000000) is far in the past: the clock check is tested separately.
      const now = v.timestamp ? new Date(Number(v.timestamp) + 1000) : NOW;
      expect(() => verifyHubSpotSignature(d, { secret: v.clientSecret, now })).not.toThrow();
      expect(() => verifyHubSpotSignature({ ...d, body: Buffer.from(v.body + ' ', 'utf8') }, { secret: v.clientSecret, now })).toThrow(/does not match/);
    });
  }
});

describe('HubSpot signatures: our own round trips', () => {
  const verify = (d: SourceDelivery, now = NOW) => createHubSpotWebhookSource({ secret: SECRET }).verify!(d, { tenant_id: 't01', now });

  it("decodes exactly HubSpot's table of URL-encoded characters in the v3 URI", () => {
    expect(hubSpotV3Uri('https://x.test/a%3Ab%2Fc%3fd%40e%21f%24g%27h%28i%29j%2Ak%2Cl%3Bm')).toBe("https://x.test/a:b/c?d@e!f$g'h(i)j*k,l;m");
    expect(hubSpotV3Uri('https://x.test/p?q=a%20b&r=%26%3D%25')).toBe('https://x.test/p?q=a%20b&r=%26%3D%25');
  });

  it('verifies a v3 signature made over the decoded URI when the request URL is percent-encoded', () => {
    const encoded = 'https://hooks.example.com/v1/webhooks/hubspot%3Fv%3A1?tenant=t%2801%29&name=a%20b%40c';
    const decodedAsHubSpotSigns = 'https://hooks.example.com/v1/webhooks/hubspot?v:1?tenant=t(01)&name=a%20b@c';
    const d = delivery(batch, encoded);
    const ts = String(NOW.getTime());
    const sig = signHubSpotV3(SECRET, 'POST', decodedAsHubSpotSigns, d.body, ts);
    expect(() => verify({ ...d, headers: { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': ts } })).not.toThrow();
    const other = signHubSpotV3(SECRET, 'POST', 'https://hooks.example.com/v1/webhooks/hubspot?tenant=t02', d.body, ts);
    expect(() => verify({ ...d, headers: { 'x-hubspot-signature-v3': other, 'x-hubspot-request-timestamp': ts } })).toThrow(/does not match/);
  });

  it('verifies a v3 signature over a non-ASCII body byte for byte', () => {
    const body = JSON.stringify([{ ...batch[1], propertyName: 'firstname', propertyValue: 'Zoë Ünïcødé 東京 🚀' }]);
    const d = signV3(delivery(body), SECRET, NOW);
    expect(() => verify(d)).not.toThrow();
    const out = createHubSpotWebhookSource().decode(d, ctx);
    expect(out.envelopes[0]!.payload.first_name).toBe('Zoë Ünïcødé 東京 🚀');
    // the same text in a different Unicode normalisation is different bytes: must fail
    const nfd = Buffer.from(body.normalize('NFD'), 'utf8');
    expect(nfd.equals(d.body)).toBe(false);
    expect(() => verify({ ...d, body: nfd })).toThrow(/does not match/);
  });

  it('accepts a timestamp just inside 5 minutes and rejects one just outside', () => {
    const d = signV3(delivery(batch), SECRET, NOW);
    expect(() => verify(d, new Date(NOW.getTime() + 299_000))).not.toThrow();
    expect(() => verify(d, new Date(NOW.getTime() + 301_000))).toThrow(/old/);
  });

  it('does not fall back to v1 when a v3 header is present but wrong', () => {
    const d = delivery(batch);
    const v1 = signHubSpotLegacy('v1', SECRET, 'POST', null, d.body);
    const headers = { 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1', 'x-hubspot-signature-v3': 'AAAA', 'x-hubspot-request-timestamp': String(NOW.getTime()) };
    expect(() => verify({ ...d, headers })).toThrow(/v3/);
    const { 'x-hubspot-signature-v3': _a, 'x-hubspot-request-timestamp': _b, ...legacyOnly } = headers;
    expect(() => verify({ ...d, headers: legacyOnly })).not.toThrow();
    expect(() => createHubSpotWebhookSource({ secret: SECRET, allowLegacySignatures: false }).verify!({ ...d, headers: legacyOnly }, ctx)).toThrow(/only v3/);
  });

  it('rejects malformed timestamps and missing URLs with SIGNATURE_INVALID', () => {
    const d = signV3(delivery(batch), SECRET, NOW);
    for (const bad of [
      { ...d, headers: { ...d.headers, 'x-hubspot-request-timestamp': 'soon' } },
      { ...d, headers: { ...d.headers, 'x-hubspot-request-timestamp': undefined } },
      { body: d.body, headers: d.headers, method: 'POST' },
    ]) {
      try {
        verify(bad);
        expect.unreachable();
      } catch (error) {
        expect(isVerityError(error) && error.code).toBe('SIGNATURE_INVALID');
      }
    }
  });

  it('fails closed when no secret is configured, unless allowUnsigned', () => {
    const d = delivery(batch);
    expect(() => createHubSpotWebhookSource().verify!(d, { tenant_id: 't01', now: NOW })).toThrow(/no client secret/);
    expect(() => createHubSpotWebhookSource({ allowUnsigned: true }).verify!(d, { tenant_id: 't01', now: NOW })).not.toThrow();
  });
});
