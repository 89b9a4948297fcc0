import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { compileContract } from '../../src/contracts/compile-contract.js';
import { contractToJsonSchema } from '../../src/contracts/contract-json-schema.js';
import { readContractFile } from '../../src/contracts/read-contract.js';
import { readContractText } from '../../src/contracts/read-contract.js';
import { createFileContractResolver } from '../../src/contracts/contract-resolver.js';
import { minimalContract, TEMPLATE_CONTRACTS, templateContract } from './helpers.js';

const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const clock = () => NOW;
const contact = compileContract(readContractFile(templateContract('contact.odcs.yaml')), { clock });
const lead = compileContract(readContractFile(templateContract('lead.odcs.yaml')), { clock });
const account = compileContract(readContractFile(templateContract('account.odcs.yaml')), { clock });
const opportunity = compileContract(readContractFile(templateContract('opportunity.odcs.yaml')), { clock });
const activity = compileContract(readContractFile(templateContract('activity.odcs.yaml')), { clock });

const goodContact = {
  contact_id: 'con_101',
  account_id: '001000000000000AAA',
  email: 'jane.doe@example.com',
  first_name: 'Jane',
  last_name: 'Doe',
  phone: '+14155550100',
  title: 'VP Sales',
  country: 'US',
  lifecycle_stage: 'customer',
  lead_score: 72,
  consent: ['analytics', 'model_training'],
  created_at: '2026-01-01T10:00:00.000Z',
  updated_at: '2026-02-01T10:00:00.000Z',
};
const rules = (v: { rule: string; field: string }[]) => v.map((x) => `${x.field}:${x.rule}`);

describe('compiled contract validator', () => {
  it('accepts a clean contact record', () => {
    expect(contact.validate(goodContact)).toEqual([]);
    expect(contact.entity).toBe('contact');
    expect(contact.version).toBe('1.0.0');
    expect(contact.keyFields).toEqual(['contact_id']);
  });

  it('reports a malformed email with the value masked because email is PII', () => {
    const v = contact.validate({ ...goodContact, email: 'jane.doe@@example' });
    expect(v).toEqual([expect.objectContaining({ field: 'email', rule: 'format', value: 'j***@e***' })]);
    expect(v[0]!.message).not.toContain('jane.doe');
  });

  it('reports a missing required email, and skips it for a partial update', () => {
    const { email: _email, ...rest } = goodContact;
    expect(rules(contact.validate(rest))).toEqual(['email:required']);
    expect(contact.validate(rest, { partial: true })).toEqual([]);
    expect(rules(contact.validate({ ...rest, email: null }, { partial: true }))).toEqual(['email:required']);
  });

  it('rejects spelled-out countries, unknown picklist values and out-of-range scores', () => {
    const v = contact.validate({ ...goodContact, country: 'United States', lifecycle_stage: 'qualifed', lead_score: 140 });
    expect(rules(v)).toEqual(['country:format', 'lifecycle_stage:enum', 'lead_score:maximum']);
  });

  it('rejects a timestamp in the future against the injected clock', () => {
    expect(rules(contact.validate({ ...goodContact, updated_at: '2026-03-02T00:00:00.000Z' }))).toEqual(['updated_at:not_in_future']);
    const later = compileContract(contact.contract, { clock: () => Date.parse('2026-04-01T00:00:00Z') });
    expect(later.validate({ ...goodContact, updated_at: '2026-03-02T00:00:00.000Z' })).toEqual([]);
  });

  it('rejects an unknown field because contact v1 is closed (STRICT)', () => {
    expect(contact.isClosed).toBe(true);
    expect(rules(contact.validate({ ...goodContact, linkedin_url: 'https://linkedin.com/in/jane' }))).toEqual(['linkedin_url:unknown_field']);
  });

  it('accepts linkedin_url under the next contact contract (1.1.0)', () => {
    const next = compileContract(readContractFile(templateContract('next/contact.odcs.yaml')), { clock });
    expect(next.version).toBe('1.1.0');
    expect(next.validate({ ...goodContact, linkedin_url: 'https://linkedin.com/in/jane' })).toEqual([]);
  });

  it('rejects consent purposes the contract does not know', () => {
    expect(rules(contact.validate({ ...goodContact, consent: ['analytics', 'resale'] }))).toEqual(['consent:consent_purpose']);
  });

  it('rejects a phone that is not E.164', () => {
    expect(rules(contact.validate({ ...goodContact, phone: '(415) 555-0100' }))).toEqual(['phone:format']);
  });

  it('checks lead status transitions given the previous state, allowing same-to-same', () => {
    const base = { lead_id: 'lead_1', email: 'a@b.co', status: 'converted' };
    expect(rules(lead.validate(base, { previous: { status: 'new' } }))).toEqual(['status:transition']);
    expect(lead.validate(base, { previous: { status: 'qualified' } })).toEqual([]);
    expect(lead.validate(base, { previous: { status: 'converted' } })).toEqual([]);
    expect(lead.validate(base)).toEqual([]);
    expect(rules(lead.validate({ ...base, status: 'new' }, { previous: { status: 'disqualified' } }))).toEqual(['status:transition']);
  });

  it('checks references only when given a lookup', () => {
    const opp = { opportunity_id: '006000000000000AAA', account_id: '001000000000000ZZZ', stage: 'proposal', amount: 10, currency: 'EUR', close_date: '2026-06-30', probability: 40 };
    expect(opportunity.validate(opp)).toEqual([]);
    const exists = (entity: string, key: string) => entity === 'account' && key === '001000000000000AAA';
    expect(rules(opportunity.validate(opp, { exists }))).toEqual(['account_id:reference']);
    expect(opportunity.validate({ ...opp, account_id: '001000000000000AAA' }, { exists })).toEqual([]);
  });

  it('rejects free-text stages, bad currencies and an employee count that became a string', () => {
    const opp = { opportunity_id: '006000000000000AAA', account_id: '001000000000000AAA', stage: 'Verbal yes - sending contract', currency: 'DOLLARS' };
    expect(rules(opportunity.validate(opp))).toEqual(['stage:enum', 'currency:format']);
    expect(rules(account.validate({ account_id: '001000000000000AAA', name: 'Acme', employee_count: '51-200' }))).toEqual(['employee_count:type']);
  });

  it('accepts a close date in the future (only created/updated/occurred dates are bounded)', () => {
    expect(opportunity.validate({ opportunity_id: '006000000000000AAA', account_id: '001000000000000AAA', close_date: '2027-01-31' })).toEqual([]);
  });

  it('validates activities: type enum, non-negative counts, occurred_at not in the future', () => {
    const a = { activity_id: 'act_1', type: 'call', occurred_at: '2026-02-01T00:00:00.000Z', duration_seconds: 60 };
    expect(activity.validate(a)).toEqual([]);
    expect(rules(activity.validate({ ...a, type: 'fax', duration_seconds: -1, occurred_at: '2030-01-01T00:00:00.000Z' }))).toEqual(['type:enum', 'occurred_at:not_in_future', 'duration_seconds:minimum']);
  });

  it('never throws on a record that is not an object', () => {
    expect(rules(contact.validate(null as unknown as Record<string, unknown>))).toEqual([':type']);
  });

  it('exports a JSON Schema 2020-12 that Ajv accepts and that agrees on clean and broken records', () => {
    const schema = contractToJsonSchema(contact.contract);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.additionalProperties).toBe(false);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    (addFormatsModule as unknown as (a: Ajv2020) => void)(ajv);
    const validate = ajv.compile(schema);
    expect(validate(goodContact)).toBe(true);
    expect(validate({ ...goodContact, country: 'Deutschland' })).toBe(false);
    expect(validate({ ...goodContact, extra: 1 })).toBe(false);
    expect(validate({ ...goodContact, phone: null })).toBe(true);
  });

  it('resolves every starter contract by entity from a contracts directory', () => {
    const resolver = createFileContractResolver(TEMPLATE_CONTRACTS);
    expect(resolver.contracts().map((c) => c.entity)).toEqual(['account', 'activity', 'contact', 'lead', 'opportunity']);
    expect(resolver.validatorFor('contact')?.version).toBe('1.0.0');
    expect(resolver.validatorFor('ticket')).toBeUndefined();
  });

  it('fails clearly when the contracts directory is missing', () => {
    expect(() => createFileContractResolver('/nonexistent/contracts')).toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('enforces ranges declared in logicalTypeOptions', () => {
    const widget = compileContract(readContractText(minimalContract()));
    expect(rules(widget.validate({ widget_id: 'w', size: 11 }))).toEqual(['size:maximum']);
    expect(rules(widget.validate({ widget_id: 'w', size: 2.5 }))).toEqual(['size:type']);
    expect(widget.validate({ widget_id: 'w', size: 10, color: 'red', anything: 1 })).toEqual([]);
  });
});

describe('compiled contract metadata for the lake', () => {
  it('declares the state fields transition rules need, and none for entities without transitions', () => {
    expect(lead.stateFields).toEqual(['status']);
    expect(contact.stateFields).toEqual([]);
  });
});
