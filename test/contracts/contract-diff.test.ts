import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { diffContracts } from '../../src/contracts/contract-diff.js';
import { contractChangelog } from '../../src/contracts/contract-changelog.js';
import { readContractText } from '../../src/contracts/read-contract.js';
import { templateContract } from './helpers.js';

const leadText = readFileSync(templateContract('lead.odcs.yaml'), 'utf8');
const contactText = readFileSync(templateContract('contact.odcs.yaml'), 'utf8');
const lead = readContractText(leadText);
const edit = (text: string, ...pairs: [string, string][]) => readContractText(pairs.reduce((t, [a, b]) => {
  if (!t.includes(a)) throw new Error(`test edit: "${a}" not found`);
  return t.replace(a, b);
}, text));
const scoring = [{ name: 'lead_scoring', kind: 'feature_view', entity: 'lead', fields: ['status', 'score', 'company'] }];
const find = (d: ReturnType<typeof diffContracts>, type: string) => d.changes.find((c) => c.type === type);

describe('contract diff beyond schemas', () => {
  it('finds no change between identical contracts', () => {
    const d = diffContracts(lead, readContractText(leadText));
    expect(d.changes).toEqual([]);
    expect(d.compatible).toBe(true);
  });

  it('classifies a tightened range as breaking backward and names the consumer reading it', () => {
    const d = diffContracts(lead, edit(leadText, ['          maximum: 100', '          maximum: 90']), { consumers: scoring });
    expect(find(d, 'NUMBER_TYPE_MAXIMUM_DECREASED')).toMatchObject({ category: 'semantic', severity: 'breaking', breaks: ['backward'], field: 'score', consumers: ['lead_scoring'] });
    expect(d.compatible).toBe(false);
  });

  it('classifies a loosened range as compatible backward but breaking forward and consumers', () => {
    const looser = edit(leadText, ['          minimum: 0\n          maximum: 100', '          minimum: -10\n          maximum: 100']);
    const back = diffContracts(lead, looser, { consumers: scoring });
    expect(back.compatible).toBe(true);
    expect(find(back, 'NUMBER_TYPE_MINIMUM_DECREASED')).toMatchObject({ severity: 'warning', breaksConsumers: true, consumers: ['lead_scoring'] });
    expect(diffContracts(lead, looser, { level: 'FORWARD' }).compatible).toBe(false);
  });

  it('reports a removed transition as breaking backward and an added one as breaking readers', () => {
    const removed = diffContracts(lead, edit(leadText, ['              qualified: [converted, disqualified]', '              qualified: [converted]']));
    expect(find(removed, 'TRANSITION_REMOVED')).toMatchObject({ severity: 'breaking', message: expect.stringContaining('qualified→disqualified') });
    const added = diffContracts(lead, edit(leadText, ['              new: [contacted]', '              new: [contacted, disqualified]']), { consumers: scoring });
    expect(find(added, 'TRANSITION_ADDED')).toMatchObject({ severity: 'warning', breaksConsumers: true, consumers: ['lead_scoring'] });
    expect(added.compatible).toBe(true);
  });

  it('says a field becoming PII breaks consumers though data stays compatible', () => {
    const d = diffContracts(lead, edit(leadText, ['      - name: company\n        description: Company name as the lead gave it.\n', '      - name: company\n        description: Company name as the lead gave it.\n        customProperties:\n          - property: pii\n            value: true\n']), { consumers: scoring });
    expect(find(d, 'FIELD_BECAME_PII')).toMatchObject({ category: 'classification', severity: 'warning', backward: true, forward: true, breaksConsumers: true, consumers: ['lead_scoring'] });
    expect(d.compatible).toBe(true);
  });

  it('flags a dropped freshness SLA and a loosened one, but not a tightened one', () => {
    const dropped = diffContracts(lead, edit(leadText, ['  - property: freshness\n    value: 5\n    unit: m\n    element: lead.updated_at\n    description: A committed change in public.leads is in the lake within 5 minutes.\n', '']));
    expect(find(dropped, 'SLA_DROPPED')).toMatchObject({ category: 'operational', breaksConsumers: true, severity: 'warning' });
    const loosened = diffContracts(lead, edit(leadText, ['    value: 5\n    unit: m', '    value: 1\n    unit: h']));
    expect(find(loosened, 'SLA_LOOSENED')).toBeDefined();
    const tightened = diffContracts(lead, edit(leadText, ['    value: 5\n    unit: m', '    value: 60\n    unit: s']));
    expect(find(tightened, 'SLA_TIGHTENED')).toMatchObject({ breaksConsumers: false, severity: 'info' });
  });

  it('reports ownership changes without breaking anything', () => {
    const d = diffContracts(lead, edit(leadText, ['    - username: maria.garcia@example.com', '    - username: new.owner@example.com']));
    expect(find(d, 'OWNER_CHANGED')).toMatchObject({ category: 'ownership', severity: 'info', message: expect.stringContaining('new.owner@example.com') });
    expect(d.compatible).toBe(true);
  });

  it('treats a new reference rule as breaking backward and a changed key as breaking both ways', () => {
    const ref = diffContracts(lead, edit(leadText, ['        description: The sales rep who owns the lead.\n        logicalType: string\n', '        description: The sales rep who owns the lead.\n        logicalType: string\n        relationships:\n          - type: foreignKey\n            to: user.user_id\n']));
    expect(find(ref, 'REFERENCE_ADDED')).toMatchObject({ severity: 'breaking' });
    const contact = readContractText(contactText);
    const keyed = edit(contactText, ['        primaryKey: true\n        primaryKeyPosition: 1\n        required: true\n        unique: true\n        logicalTypeOptions:\n          pattern: "^con_[A-Za-z0-9]+$"', '        required: true\n        logicalTypeOptions:\n          pattern: "^con_[A-Za-z0-9]+$"'], ['      - name: email\n', '      - name: email\n        primaryKey: true\n']);
    const d = diffContracts(contact, keyed, { level: 'NONE' });
    expect(find(d, 'KEY_CHANGED')).toMatchObject({ backward: false, forward: false, breaksConsumers: true });
  });

  it('announces deprecations and the later removal of a deprecated field', () => {
    const deprecated = edit(leadText, ['      - name: company\n        description: Company name as the lead gave it.\n', '      - name: company\n        description: Company name as the lead gave it.\n        customProperties:\n          - property: deprecationDate\n            value: "2026-12-31"\n']);
    expect(find(diffContracts(lead, deprecated), 'FIELD_DEPRECATED')).toMatchObject({ category: 'lifecycle', message: expect.stringContaining('2026-12-31') });
    const removed = edit(leadText, ['      - name: company\n        description: Company name as the lead gave it.\n        logicalType: string\n        logicalTypeOptions:\n          maxLength: 200\n', '']);
    const d = diffContracts(deprecated, removed, { consumers: scoring });
    expect(find(d, 'DEPRECATED_FIELD_REMOVED')).toMatchObject({ consumers: ['lead_scoring'] });
  });

  it('refuses to diff two different entities', () => {
    expect(() => diffContracts(lead, readContractText(contactText))).toThrowError(expect.objectContaining({ code: 'UNPROCESSABLE' }));
  });

  it('writes a changelog that names the breaking change and the consumers to notify', () => {
    const md = contractChangelog(lead, edit(leadText, ['version: 1.0.0', 'version: 2.0.0'], ['          maximum: 100', '          maximum: 90']), { consumers: scoring });
    expect(md).toContain('# lead 1.0.0 → 2.0.0');
    expect(md).toContain('## Breaking changes');
    expect(md).toContain('NUMBER_TYPE_MAXIMUM_DECREASED');
    expect(md).toContain('## Consumers to notify');
    expect(md).toContain('lead_scoring (feature_view)');
  });
});
