import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lintContractText } from '../../src/contracts/lint-contract.js';
import { readContractText } from '../../src/contracts/read-contract.js';
import { minimalContract, TEMPLATE_CONTRACTS, templateContract } from './helpers.js';

describe('contract lint', () => {
  it('finds nothing wrong in any starter contract', () => {
    const files = readdirSync(TEMPLATE_CONTRACTS).filter((f) => f.endsWith('.odcs.yaml')).map((f) => templateContract(f));
    files.push(templateContract('next/contact.odcs.yaml'));
    expect(files.length).toBe(6);
    for (const f of files) expect(lintContractText(readFileSync(f, 'utf8'), f)).toEqual([]);
  });

  it('names file, line and column of malformed YAML', () => {
    const findings = lintContractText('apiVersion: v3.1.0\nkind: [DataContract\nid: x\n', 'bad.yaml');
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ file: 'bad.yaml', rule: 'yaml', severity: 'error' });
    expect(findings[0]!.line).toBeGreaterThanOrEqual(2);
  });

  it('rejects a document that is not ODCS with the missing required fields', () => {
    const findings = lintContractText('hello: world\n', 'x.yaml');
    const messages = findings.map((f) => f.message).join('\n');
    expect(messages).toMatch(/missing required property "apiVersion"/);
    expect(messages).toMatch(/unknown property "hello"/);
    expect(findings.find((f) => f.message.includes('"hello"'))).toMatchObject({ line: 1, column: 1 });
  });

  it('points at the line of an unknown property inside the schema', () => {
    const text = minimalContract().replace('        logicalType: integer\n', '        logicalType: integer\n        colour: red\n');
    const finding = lintContractText(text, 'w.yaml').find((f) => f.message.includes('"colour"'));
    expect(finding).toBeDefined();
    const line = text.split('\n').findIndex((l) => l.includes('colour:')) + 1;
    expect(finding).toMatchObject({ line, column: 9, rule: 'odcs-schema' });
  });

  it('applies Verity rules: semver, known formats, options matching the type, transitions within values', () => {
    const text = minimalContract({ version: 'one' })
      .replace('          minimum: 0\n', '          minimum: 0\n          maxLength: 4\n')
      .replace('        quality:\n', '        logicalTypeOptions:\n          format: colour-code\n        customProperties:\n          - property: transitions\n            value: { red: [purple] }\n        quality:\n');
    const rules = lintContractText(text, 'w.yaml').map((f) => `${f.rule}: ${f.message}`);
    expect(rules.some((r) => r.startsWith('verity/semver'))).toBe(true);
    expect(rules.some((r) => r.startsWith('verity/type-option') && r.includes('maxLength'))).toBe(true);
    expect(rules.some((r) => r.startsWith('verity/format') && r.includes('colour-code'))).toBe(true);
    expect(rules.some((r) => r.startsWith('verity/transitions') && r.includes('purple'))).toBe(true);
  });

  it('requires a primary key and exactly one schema object', () => {
    const noKey = minimalContract().replace('        primaryKey: true\n', '');
    expect(lintContractText(noKey, 'w.yaml').map((f) => f.rule)).toContain('verity/primary-key');
    const two = minimalContract().replace('schema:\n', 'schema:\n  - name: other\n    properties: []\n');
    expect(lintContractText(two, 'w.yaml').map((f) => f.rule)).toContain('verity/one-entity');
  });

  it('refuses to read an invalid contract with CONTRACT_INVALID and the findings as details', () => {
    expect(() => readContractText('kind: DataContract\n', 'x.yaml')).toThrowError(expect.objectContaining({ code: 'CONTRACT_INVALID' }));
  });

  it('refuses a contract over the size limit with PAYLOAD_TOO_LARGE', () => {
    expect(() => readContractText('#'.repeat(2 * 1024 * 1024), 'huge.yaml')).toThrowError(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
  });

  it('reads owners, stewards, consumers and SLAs from team, roles and slaProperties', () => {
    const c = readContractText(readFileSync(templateContract('contact.odcs.yaml'), 'utf8'));
    expect(c.owners.map((o) => o.username)).toEqual(['ana.ortiz@example.com']);
    expect(c.stewards.map((o) => o.username)).toEqual(['sam.lee@example.com']);
    expect(c.consumers.map((o) => o.username)).toContain('crm_analyst');
    expect(c.sla.find((s) => s.property === 'freshness')).toMatchObject({ value: 15, unit: 'm' });
    expect(c.closed).toBe(true);
    expect(c.consentPurposes).toEqual(['analytics', 'model_training', 'marketing']);
    expect(c.fields.find((f) => f.name === 'email')).toMatchObject({ pii: true, required: true, format: 'email' });
    expect(c.fields.find((f) => f.name === 'account_id')?.reference).toEqual({ entity: 'account', field: 'account_id' });
  });

  it('checks that an SLA element names a field of the entity', () => {
    const text = readFileSync(templateContract('lead.odcs.yaml'), 'utf8').replace('element: lead.updated_at', 'element: lead.updatedAt');
    const finding = lintContractText(text, 'lead.yaml').find((f) => f.rule === 'verity/sla-element');
    expect(finding?.message).toContain('lead.updatedAt');
    expect(finding?.line).toBe(text.split('\n').findIndex((l) => l.includes('lead.updatedAt')) + 1);
  });
});
