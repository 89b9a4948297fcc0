import { describe, expect, it } from 'vitest';
import { STATE_TIME, createGate, isCanonicalTime, normaliseEnvelope, type GateIndex } from '../../src/ingest/gate.js';
import type { ContractResolver, ValidateOptions } from '../../src/contracts/types.js';
import { lead, testResolver } from '../lake/helpers.js';

const emptyIndex = (over: Partial<GateIndex> = {}): GateIndex => ({ hasSeen: () => false, previous: () => undefined, exists: () => false, ...over });

describe('normaliseEnvelope', () => {
  it('keeps known fields only, stringifies the source position and normalises event_time to UTC milliseconds', () => {
    const input = { ...lead(1), event_time: '2026-03-01T13:00:00+01:00', source: { system: 's', connector: 'c', position: 42 }, extra: 1, ingest_seq: 99 };
    const result = normaliseEnvelope(input);
    expect('envelope' in result).toBe(true);
    if (!('envelope' in result)) return;
    expect(result.envelope.event_time).toBe('2026-03-01T12:00:00.000Z');
    expect(result.envelope.source.position).toBe('42');
    expect(result.envelope).not.toHaveProperty('extra');
    expect(result.envelope).not.toHaveProperty('ingest_seq');
  });

  it.each([
    ['event_id', { event_id: '' }],
    ['tenant_id', { tenant_id: 'bad tenant/..' }],
    ['entity', { entity: 'Lead' }],
    ['op', { op: 'frobnicate' }],
    ['entity_key', { entity_key: {} }],
    ['event_time', { event_time: 'March 1, 2026' }],
    ['payload', { payload: [1] }],
    ['source', { source: { system: 'x' } }],
    ['merged_into', { op: 'merge' }],
  ])('rejects a bad %s', (field, patch) => {
    const result = normaliseEnvelope({ ...lead(1), ...patch });
    expect('violations' in result && result.violations.map((v) => v.field)).toContain(field);
  });
});

describe('isCanonicalTime', () => {
  const CANONICAL = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/;

  it('agrees with the canonical-time pattern on valid times and on every one-character change of them', () => {
    const times = ['2026-03-01T12:00:00.000Z', '0000-01-01T00:00:00.000Z', '9999-12-31T23:59:59.999Z', '2024-02-29T19:09:50.123Z', '2026-10-30T20:40:09.900Z'];
    const replacements = ['0', '1', '2', '3', '4', '5', '6', '9', '-', ':', '.', 'T', 'Z', 'z', 't', ' ', '/', '٣', 'x'];
    let checked = 0;
    for (const t of times) {
      expect(isCanonicalTime(t)).toBe(true);
      for (let i = 0; i < t.length; i++) {
        for (const r of replacements) {
          const changed = t.slice(0, i) + r + t.slice(i + 1);
          expect(isCanonicalTime(changed), changed).toBe(CANONICAL.test(changed));
          checked++;
        }
      }
    }
    for (const other of ['', '2026-03-01T12:00:00Z', '2026-03-01T12:00:00.000+00:00', '2026-03-01T12:00:00.000Z\n', ' 2026-03-01T12:00:00.000Z', '2026-03-01T12:00:00.0000Z']) {
      expect(isCanonicalTime(other), other).toBe(CANONICAL.test(other));
    }
    expect(checked).toBeGreaterThan(2000);
  });
});

describe('the gate', () => {
  it('passes everything well-formed when there is no resolver', () => {
    const gate = createGate();
    expect(gate.validating).toBe(false);
    expect(gate.decide(lead(1, { email: 'x' }), emptyIndex())).toMatchObject({ status: 'accepted', schemaVersion: null });
  });

  it('marks a seen (tenant, event_id) as duplicate, per tenant', () => {
    const gate = createGate({ contracts: testResolver() });
    const index = emptyIndex({ hasSeen: (t, id) => t === 't01' && id === 'evt-1' });
    expect(gate.decide(lead(1), index).status).toBe('duplicate');
    expect(gate.decide(lead(1, { tenant_id: 't02' }), index).status).toBe('accepted');
  });

  it('quarantines with one reason per violated rule and the contract version', () => {
    const gate = createGate({ contracts: testResolver('3.1.0') });
    const d = gate.decide(lead(1, { email: 'nope', status: 'qualifed' }), emptyIndex());
    expect(d).toMatchObject({ status: 'quarantined', reasons: ['contract:format', 'contract:enum'], contractVersion: '3.1.0' });
  });

  it('validates a partial update as partial when it carries changed_fields', () => {
    const seen: ValidateOptions[] = [];
    const resolver: ContractResolver = { validatorFor: (entity) => ({ entity, version: '1', keyFields: ['lead_id'], validate: (_r, o = {}) => (seen.push(o), []) }) };
    const gate = createGate({ contracts: resolver });
    gate.decide(lead(1, { changed_fields: ['status'], payload: { status: 'contacted' } }), emptyIndex());
    gate.decide(lead(2), emptyIndex());
    expect(seen.map((o) => o.partial)).toEqual([true, false]);
  });

  it('passes the previous state so transition rules can fire', () => {
    const gate = createGate({ contracts: testResolver() });
    const index = emptyIndex({ previous: (_t, entity, key) => (entity === 'lead' && key === 'lead_1' ? { status: 'new' } : undefined) });
    expect(gate.decide(lead(1, { status: 'converted' }), index)).toMatchObject({ status: 'quarantined', reasons: ['contract:transition'] });
    expect(gate.decide(lead(1, { status: 'contacted' }), index).status).toBe('accepted');
  });

  it('checks references against the keys the index knows, for the same tenant, when asked to', () => {
    const gate = createGate({ contracts: testResolver(), checkReferences: true });
    const opp = (account: string) => ({ ...lead(1), entity: 'opportunity', entity_key: { opportunity_id: 'o1' }, payload: { account_id: account } });
    const index = emptyIndex({ exists: (t, entity, key) => t === 't01' && entity === 'account' && key === 'acc1' });
    expect(gate.decide(opp('acc1'), index).status).toBe('accepted');
    expect(gate.decide(opp('acc2'), index)).toMatchObject({ status: 'quarantined', reasons: ['contract:reference'] });
  });

  it('does not quarantine a reference to a record not yet seen by default (parents arrive on other streams)', () => {
    const gate = createGate({ contracts: testResolver() });
    const opp = { ...lead(1), entity: 'opportunity', entity_key: { opportunity_id: 'o1' }, payload: { account_id: 'acc-later' } };
    expect(gate.decide(opp, emptyIndex({ exists: () => false })).status).toBe('accepted');
  });

  it('validates a merge as a partial record: it carries the key and the survivor, not every required field', () => {
    const gate = createGate({ contracts: testResolver() });
    const merge = { ...lead(4), op: 'merge' as const, merged_into: { lead_id: 'lead_1' }, payload: { lead_id: 'lead_4' } };
    expect(gate.decide(merge, emptyIndex()).status).toBe('accepted');
  });

  it('judges a transition only against an older state: a late event is not an illegal transition', () => {
    const gate = createGate({ contracts: testResolver() });
    const held = { status: 'converted', [STATE_TIME]: '2026-02-01T00:00:00.000Z' };
    const late = lead(2, { status: 'new', event_time: '2026-01-15T00:00:00.000Z' });
    expect(gate.decide(late, emptyIndex({ previous: () => held })).status).toBe('accepted');
    const newer = lead(3, { status: 'new', event_time: '2026-02-15T00:00:00.000Z' });
    expect(gate.decide(newer, emptyIndex({ previous: () => held }))).toMatchObject({ status: 'quarantined', reasons: ['contract:transition'] });
  });

  it("judges a transition from the source's before image when it sends one, not from a stale lake state", () => {
    const gate = createGate({ contracts: testResolver() });
    // The lake missed "contacted" (late, or quarantined for another defect): the source says what it committed.
    const held = { status: 'new', [STATE_TIME]: '2026-01-01T00:00:00.000Z' };
    const update = { ...lead(5, { status: 'qualified', event_time: '2026-01-03T00:00:00.000Z' }), before: { status: 'contacted' } };
    const accepted = gate.decide(update, emptyIndex({ previous: () => held }));
    expect(accepted.status).toBe('accepted');
    // The before image is input only: the stored envelope does not carry it.
    expect(accepted.status === 'accepted' && accepted.envelope).not.toHaveProperty('before');
    const illegal = { ...lead(6, { status: 'converted', event_time: '2026-01-03T00:00:00.000Z' }), before: { status: 'new' } };
    expect(gate.decide(illegal, emptyIndex())).toMatchObject({ status: 'quarantined', reasons: ['contract:transition'] });
    expect(normaliseEnvelope({ ...lead(7), before: 'contacted' })).toMatchObject({ violations: [{ field: 'before' }] });
  });

  it('quarantines an entity without a contract, a missing key field and a validator that throws', () => {
    const throwing: ContractResolver = {
      validatorFor: (entity) =>
        entity === 'lead'
          ? { entity, version: '1', keyFields: ['lead_id'], validate: () => { throw new Error('boom'); } }
          : entity === 'account' ? { entity, version: '1', keyFields: ['account_id'], validate: () => [] } : undefined,
    };
    const gate = createGate({ contracts: throwing });
    expect(gate.decide({ ...lead(1), entity: 'widget' }, emptyIndex())).toMatchObject({ reasons: ['contract:no_contract'] });
    expect(gate.decide(lead(1), emptyIndex())).toMatchObject({ reasons: ['contract:validator_error'] });
    expect(gate.decide({ ...lead(1), entity: 'account' }, emptyIndex())).toMatchObject({ reasons: ['contract:key'] });
  });

  it('never throws on junk input', () => {
    const gate = createGate({ contracts: testResolver() });
    for (const junk of [null, 42, 'text', [], { event_id: 'x' }, { ...lead(1), payload: null }]) expect(gate.decide(junk, emptyIndex()).status).toBe('quarantined');
  });
});
