import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { deriveEventId } from '../../../src/ingest/event-id.js';
import type { SourceDelivery } from '../../../src/ingest/source.js';
import { decodeFieldBitmap } from '../../../src/ingest/sources/salesforce-bitmap.js';
import { createSalesforceCdcSource, normaliseReplayId } from '../../../src/ingest/sources/salesforce-cdc-source.js';
import { describeSourceConformance } from '../../conformance/source.js';
import { describeWithFixtures, fixturePath, readFixtureJson } from '../../helpers/fixtures.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const ctx = { tenant_id: 't01', now: NOW };
const fx = (name: string) => readFileSync(fixturePath('salesforce-cdc', name), 'utf8');
const delivery = (body: unknown): SourceDelivery => ({ body: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8'), headers: {} });

const header = (over: Record<string, unknown>) => ({
  entityName: 'Opportunity',
  recordIds: ['006000000000001AAA'],
  changeType: 'CREATE',
  changeOrigin: 'verity',
  transactionKey: 'tx-1',
  sequenceNumber: 1,
  commitTimestamp: 1772366400000,
  commitNumber: 10,
  commitUser: '005000000000001AAA',
  nulledFields: [],
  diffFields: [],
  changedFields: [],
  ...over,
});
const opportunity = (h: Record<string, unknown>, fields: Record<string, unknown>) => ({
  ChangeEventHeader: header(h),
  AccountId: null,
  Name: null,
  StageName: null,
  Amount: null,
  CurrencyIsoCode: null,
  CloseDate: null,
  Probability: null,
  OwnerId: null,
  CreatedDate: null,
  LastModifiedDate: null,
  ...fields,
});
const oppCreate = opportunity({}, { AccountId: '001000000000001AAA', Name: 'Big deal', StageName: 'prospecting', Amount: 5000, CurrencyIsoCode: 'EUR', CloseDate: '2026-06-30', Probability: 10, CreatedDate: 1772366400000, LastModifiedDate: 1772366400000 });
// Fields (header at 0): AccountId 1, Name 2, StageName 3, Amount 4, CurrencyIsoCode 5, CloseDate 6, Probability 7, OwnerId 8, CreatedDate 9, LastModifiedDate 10
const oppUpdate = opportunity(
  { changeType: 'UPDATE', transactionKey: 'tx-2', recordIds: ['006000000000001AAA', '006000000000002AAA'], changedFields: ['0x000498'], nulledFields: ['0x000080'] },
  { StageName: 'qualification', Amount: 7500, LastModifiedDate: 1772370000000 },
);

describeSourceConformance({
  name: 'salesforce',
  create: () => createSalesforceCdcSource(),
  context: ctx,
  samples: [
    {
      title: 'an Opportunity CREATE',
      delivery: delivery(oppCreate),
      expected: [
        {
          event_id: deriveEventId('salesforce', ['Opportunity', 'tx-1', 1, '006000000000001AAA']),
          entity: 'opportunity',
          entity_key: { opportunity_id: '006000000000001AAA' },
          op: 'upsert',
          event_time: '2026-03-01T12:00:00.000Z',
          payload: {
            opportunity_id: '006000000000001AAA',
            account_id: '001000000000001AAA',
            name: 'Big deal',
            stage: 'prospecting',
            amount: 5000,
            currency: 'EUR',
            close_date: '2026-06-30',
            probability: 10,
            created_at: '2026-03-01T12:00:00.000Z',
            updated_at: '2026-03-01T12:00:00.000Z',
          },
        },
      ],
    },
    { title: 'a batch of an UPDATE for two records and a DELETE', delivery: delivery([oppUpdate, opportunity({ changeType: 'DELETE', transactionKey: 'tx-3' }, {})]), envelopes: 3 },
    { title: 'the docs CREATE event', delivery: delivery(fx('pubsub-account-create.event.json')), envelopes: 1 },
  ],
  mixed: {
    delivery: delivery([oppCreate, { nope: true }, opportunity({ changeType: 'EXPLODE' }, {}), opportunity({ entityName: 'Widget' }, {}), opportunity({ commitTimestamp: 'later' }, {}), oppUpdate]),
    goodItems: 3,
    badItems: 4,
  },
  bodyWithValue: (huge) => JSON.stringify(opportunity({}, { Name: huge })),
});

describe('Salesforce CDC source: change types', () => {
  const s = createSalesforceCdcSource();

  it('decodes an UPDATE bitmap into a partial payload with changed and nulled fields, one envelope per record id', () => {
    const r = s.decode(delivery(oppUpdate), ctx);
    expect(r.envelopes).toHaveLength(2);
    for (const [i, e] of r.envelopes.entries()) {
      expect(e.op).toBe('upsert');
      expect(e.entity_key).toEqual({ opportunity_id: oppUpdate.ChangeEventHeader.recordIds[i] });
      expect(e.payload).toEqual({ opportunity_id: oppUpdate.ChangeEventHeader.recordIds[i], stage: 'qualification', amount: 7500, probability: null, updated_at: '2026-03-01T13:00:00.000Z' });
      expect(e.changed_fields).toEqual(['stage', 'amount', 'probability', 'updated_at']);
    }
    expect(r.envelopes[0]!.event_id).not.toBe(r.envelopes[1]!.event_id);
  });

  it('accepts the Streaming API (CometD) shape with field names and a numeric replayId', () => {
    const named = { ...oppUpdate, ChangeEventHeader: { ...oppUpdate.ChangeEventHeader, changedFields: ['StageName', 'LastModifiedDate'], nulledFields: [] } };
    const r = s.decode(delivery({ channel: '/data/OpportunityChangeEvent', data: { schema: 'abc', payload: named, event: { replayId: 4711 } } }), ctx);
    expect(r.envelopes[0]).toMatchObject({ payload: { stage: 'qualification', updated_at: '2026-03-01T13:00:00.000Z' }, source: { connector: '/data/OpportunityChangeEvent', position: '4711' } });
    expect(r.envelopes[0]!.changed_fields).toEqual(['stage', 'updated_at']);
  });

  it('reads a Pub/Sub replayId given as base64 bytes', () => {
    const bytes = Buffer.alloc(8);
    bytes.writeBigUInt64BE(123456789012345n);
    expect(normaliseReplayId(bytes.toString('base64'))).toBe('123456789012345');
    expect(normaliseReplayId(99)).toBe('99');
    const r = s.decode(delivery({ replayId: bytes.toString('base64'), payload: oppCreate }), ctx);
    expect(r.envelopes[0]!.source.position).toBe('123456789012345');
  });

  it('ignores a replayId put beside the fields when counting bitmap positions', () => {
    const r = s.decode(delivery({ replayId: 'AAAAAAAAAAE=', ...oppUpdate }), ctx);
    expect(r.envelopes[0]!.changed_fields).toEqual(['stage', 'amount', 'probability', 'updated_at']);
    expect(r.envelopes[0]!.source.position).toBe('1');
    expect(r.envelopes[0]!.payload).not.toHaveProperty('replayId');
  });

  it('maps the compound BillingAddress.Country to country, also when only a nested bit changed', () => {
    const account = JSON.parse(fx('pubsub-account-update-enriched.event.json'));
    account.ChangeEventHeader.changedFields = ['0x400000', '4-0x10'];
    const r = s.decode(delivery(account), ctx);
    expect(r.envelopes[0]!.payload).toEqual({ account_id: '001ZM000001QkdOYAS', country: 'United States', updated_at: '2024-04-26T23:06:35.000Z' });
  });

  it('surfaces GAP_* events as resync_needed signals and never as data', () => {
    for (const changeType of ['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE']) {
      const r = s.decode(delivery(opportunity({ changeType }, {})), ctx);
      expect(r.envelopes).toHaveLength(0);
      expect(r.rejected).toHaveLength(0);
      expect(r.signals).toEqual([{ kind: 'resync_needed', entity: 'opportunity', record_ids: ['006000000000001AAA'], detail: expect.objectContaining({ changeType }) }]);
    }
  });

  it('treats UNDELETE as a full upsert', () => {
    const r = s.decode(delivery({ ...oppCreate, ChangeEventHeader: header({ changeType: 'UNDELETE' }) }), ctx);
    expect(r.envelopes[0]).toMatchObject({ op: 'upsert', payload: { name: 'Big deal' } });
    expect(r.envelopes[0]!.changed_fields).toBeUndefined();
  });

  it('keeps a type-changed value as text so the contract can catch it', () => {
    const acct = { ChangeEventHeader: header({ entityName: 'Account' }), Name: 'Acme', NumberOfEmployees: '51-200' };
    expect(s.decode(delivery(acct), ctx).envelopes[0]!.payload.employee_count).toBe('51-200');
  });

  it('can keep unmapped fields and use a given field order', () => {
    const order = ['ChangeEventHeader', 'Name', 'Fax'];
    const ev = { ChangeEventHeader: header({ entityName: 'Account', changeType: 'UPDATE', changedFields: ['0x4'] }), Fax: '123', Name: null };
    const r = createSalesforceCdcSource({ unmappedFields: 'keep', fieldOrder: { Account: order } }).decode(delivery(ev), ctx);
    expect(r.envelopes[0]!.payload).toEqual({ account_id: '006000000000001AAA', Fax: '123' });
  });

  it('rejects an event whose bitmap points past the schema', () => {
    const r = s.decode(delivery(opportunity({ changeType: 'UPDATE', changedFields: ['0x10000000'] }, {})), ctx);
    expect(r.rejected[0]!.code).toBe('UNDECODABLE_FIELDS');
  });
});

describeWithFixtures('salesforce-cdc', 'Salesforce CDC: fixtures', () => {
  const vectors = readFixtureJson<{ topLevelFields: string[]; nested: Record<string, string[]>; cases: Array<{ field: string; bitmaps: string[]; expected: string[]; expectedCollapsed?: string[] }> }>('salesforce-cdc', 'bitmap-vectors.json');
  for (const [i, c] of vectors.cases.entries()) {
    it(`decodes bitmap vector #${i + 1} (${c.field} ${JSON.stringify(c.bitmaps)})`, () => {
      expect(decodeFieldBitmap(c.bitmaps, vectors.topLevelFields, (p) => vectors.nested[p])).toEqual(c.expected);
    });
  }

  const s = createSalesforceCdcSource();
  it('decodes the docs CREATE event', () => {
    const e = s.decode(delivery(fx('pubsub-account-create.event.json')), ctx).envelopes[0]!;
    expect(e).toMatchObject({
      event_id: deriveEventId('salesforce', ['Account', '0000653e-941c-2eab-33e9-5459293f4b89', 1, '0015f00002JUWMVAA5']),
      entity: 'account',
      entity_key: { account_id: '0015f00002JUWMVAA5' },
      op: 'upsert',
      event_time: '2024-04-26T16:35:40.000Z',
      payload: { account_id: '0015f00002JUWMVAA5', name: 'Acme', owner_id: '0055f000005mc66AAA', created_at: '2024-04-26T16:35:40.000Z', updated_at: '2024-04-26T16:35:40.000Z' },
    });
    expect(e.changed_fields).toBeUndefined();
  });

  it('decodes the docs UPDATE with diffFields: the diff is not taken as the value and a resync signal names the field', () => {
    const r = s.decode(delivery(fx('pubsub-account-update-with-diff.event.json')), ctx);
    expect(r.envelopes[0]!.payload).toEqual({ account_id: '0015f00002JUWMVAA5', updated_at: '2024-04-26T16:36:32.000Z' });
    expect(r.envelopes[0]!.changed_fields).toEqual(['updated_at']);
    expect(JSON.stringify(r.envelopes)).not.toContain('@@');
    expect(r.signals).toEqual([{ kind: 'resync_needed', entity: 'account', record_ids: ['0015f00002JUWMVAA5'], detail: expect.objectContaining({ reason: 'diff_fields', fields: ['Description'] }) }]);
    const kept = createSalesforceCdcSource({ unmappedFields: 'keep' }).decode(delivery(fx('pubsub-account-update-with-diff.event.json')), ctx);
    expect(kept.envelopes[0]!.payload.Description).toBeUndefined();
  });

  it('decodes the enriched UPDATE (Fax, LastModifiedDate) with the event key order', () => {
    const r = createSalesforceCdcSource({ unmappedFields: 'keep' }).decode(delivery(fx('pubsub-account-update-enriched.event.json')), ctx);
    expect(r.envelopes[0]!.changed_fields).toEqual(['Fax', 'updated_at']);
    expect(r.envelopes[0]!.payload).toEqual({ account_id: '001ZM000001QkdOYAS', Fax: '4155551212', updated_at: '2024-04-26T23:06:35.000Z' });
  });

  it('decodes the enriched DELETE', () => {
    const r = s.decode(delivery(fx('pubsub-account-delete-enriched.event.json')), ctx);
    expect(r.envelopes[0]).toMatchObject({ op: 'delete', entity_key: { account_id: '001ZM000001QkdOYAS' }, payload: { account_id: '001ZM000001QkdOYAS' } });
  });

  it('turns the GAP_OVERFLOW event into a resync signal for the whole entity', () => {
    const r = s.decode(delivery(fx('pubsub-account-gap-overflow.header-only.json')), ctx);
    expect(r.envelopes).toHaveLength(0);
    expect(r.signals).toEqual([{ kind: 'resync_needed', entity: 'account', record_ids: [], detail: expect.objectContaining({ changeType: 'GAP_OVERFLOW', transactionKey: '000a5148-405c-21fe-86ce-03205d7404ad' }) }]);
  });

  it('decodes every fixture file in one NDJSON delivery', () => {
    const files = ['pubsub-account-create.event.json', 'pubsub-account-update-with-diff.event.json', 'pubsub-account-update-enriched.event.json', 'pubsub-account-delete-enriched.event.json', 'pubsub-account-gap-overflow.header-only.json'];
    const body = files.map((f) => JSON.stringify(JSON.parse(fx(f)))).join('\n');
    const r = s.decode(delivery(body), ctx);
    expect(r.rejected).toEqual([]);
    expect(r.envelopes).toHaveLength(4);
    expect(r.signals).toHaveLength(2);
  });
});
