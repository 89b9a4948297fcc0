import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { TEMPLATE_CONTRACTS, templateContract } from '../contracts/helpers.js';
import { capture } from '../helpers/cli.js';


async function run(...argv: string[]) {
  const c = capture();
  const code = await runCli(argv, c.io);
  process.exitCode = undefined;
  return { code, out: c.out(), err: c.err() };
}

let dir: string;
beforeEach(() => {
  process.exitCode = undefined;
  dir = mkdtempSync(join(tmpdir(), 'verity-contract-cli-'));
});
afterEach(() => {
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

const write = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('verity contract lint', () => {
  it('exits 0 on the starter contracts', async () => {
    const r = await run('contract', 'lint', TEMPLATE_CONTRACTS);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/6 file\(s\): 0 error\(s\)/);
  });

  it('exits 1 and names file:line:column for a broken contract', async () => {
    const file = write('bad.odcs.yaml', readFileSync(templateContract('lead.odcs.yaml'), 'utf8').replace('kind: DataContract', 'kind: DataContrakt'));
    const r = await run('contract', 'lint', file);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`${file.replace(/[/.]/g, '\\$&')}:\\d+:1 error odcs-schema`));
  });

  it('checks references across the contracts of a directory', async () => {
    cpSync(TEMPLATE_CONTRACTS, join(dir, 'contracts'), { recursive: true });
    const opp = join(dir, 'contracts', 'opportunity.odcs.yaml');
    writeFileSync(opp, readFileSync(opp, 'utf8').replace('to: account.account_id', 'to: account.name'));
    const r = await run('--json', 'contract', 'lint', join(dir, 'contracts'));
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).findings).toEqual([expect.objectContaining({ file: opp, rule: 'verity/reference-target', message: expect.stringContaining("account.name is not account's key") })]);
  });

  it('reports malformed YAML as a finding, not a crash', async () => {
    const file = write('broken.odcs.yaml', 'apiVersion: v3.1.0\nschema: [\n');
    const r = await run('--json', 'contract', 'lint', file);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).findings[0]).toMatchObject({ rule: 'yaml', file });
  });
});

describe('verity contract diff', () => {
  it('exits 0 for the compatible contact 1.0.0 → 1.1.0 change', async () => {
    const r = await run('--json', 'contract', 'diff', templateContract('contact.odcs.yaml'), templateContract('next/contact.odcs.yaml'));
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.compatible).toBe(true);
    expect(body.changes[0]).toMatchObject({ type: 'OBJECT_TYPE_PROPERTY_SCHEMA_ADDED', path: '#/properties/linkedin_url', severity: expect.any(String), message: expect.any(String) });
  });

  it('exits 1 for the reverse change and for it under --mode forward', async () => {
    expect((await run('contract', 'diff', templateContract('next/contact.odcs.yaml'), templateContract('contact.odcs.yaml'))).code).toBe(1);
    expect((await run('contract', 'diff', templateContract('contact.odcs.yaml'), templateContract('next/contact.odcs.yaml'), '--mode', 'forward')).code).toBe(1);
  });

  it('names declared consumers of a field whose enum lost a value', async () => {
    const next = write('lead.odcs.yaml', readFileSync(templateContract('lead.odcs.yaml'), 'utf8').replace('validValues: [web, referral, event, outbound, partner, ads]', 'validValues: [web, referral, event, outbound, partner]'));
    const consumers = write('consumers.json', JSON.stringify([{ name: 'lead_scoring', kind: 'feature_view', entity: 'lead', fields: ['source', 'score'] }, { name: 'other', kind: 'report', entity: 'lead', fields: ['email'] }]));
    const r = await run('--json', 'contract', 'diff', templateContract('lead.odcs.yaml'), next, '--consumers', consumers);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.changes).toContainEqual(expect.objectContaining({ type: 'ENUM_TYPE_VALUES_MEMBER_REMOVED', path: '#/properties/source', severity: 'breaking', consumers: ['lead_scoring'] }));
    expect(body.affectedConsumers.map((c: { name: string }) => c.name)).toEqual(['lead_scoring']);
  });

  it('rejects an unknown mode with exit 2', async () => {
    const r = await run('contract', 'diff', templateContract('lead.odcs.yaml'), templateContract('lead.odcs.yaml'), '--mode', 'sideways');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Unknown compatibility level "sideways"/);
  });
});

describe('verity schema compat', () => {
  const oldSchema = { type: 'object', properties: { name: { type: 'string', maxLength: 10 } } };
  it('prints compatible and the typed changes as JSON', async () => {
    const o = write('o.json', JSON.stringify(oldSchema));
    const n = write('n.json', JSON.stringify({ type: 'object', properties: { name: { type: 'string', maxLength: 5 } } }));
    const r = await run('--json', 'schema', 'compat', o, n);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ compatible: false, changes: ['STRING_TYPE_MAX_LENGTH_DECREASED #/properties/name'] });
    const f = await run('--json', 'schema', 'compat', o, n, '--level', 'FORWARD');
    expect(f.code).toBe(0);
    expect(JSON.parse(f.out).compatible).toBe(true);
  });

  it('treats an added property as compatible under the lenient policy only', async () => {
    const o = write('o.json', JSON.stringify(oldSchema));
    const n = write('n.json', JSON.stringify({ type: 'object', properties: { name: { type: 'string', maxLength: 10 }, age: { type: 'integer' } } }));
    expect((await run('schema', 'compat', o, n, '--policy', 'strict')).code).toBe(1);
    expect((await run('schema', 'compat', o, n, '--policy', 'lenient')).code).toBe(0);
  });

  it('fails clearly on a dangling $ref, a $ref cycle, malformed JSON and an unknown level', async () => {
    const o = write('o.json', JSON.stringify(oldSchema));
    const dangling = write('d.json', JSON.stringify({ type: 'object', properties: { name: { $ref: '#/$defs/Name' } } }));
    const cycle = write('c.json', JSON.stringify({ $ref: '#/$defs/A', $defs: { A: { $ref: '#/$defs/B' }, B: { $ref: '#/$defs/A' } } }));
    const bad = write('b.json', '{"type": ');
    const r1 = await run('schema', 'compat', o, dangling);
    expect(r1.code).toBe(65);
    expect(r1.err).toMatch(/\$ref "#\/\$defs\/Name" at #\/properties\/name points nowhere/);
    const r2 = await run('schema', 'compat', o, cycle);
    expect(r2.err).toMatch(/\$ref cycle/);
    const r3 = await run('schema', 'compat', o, bad);
    expect(r3.code).toBe(65);
    expect(r3.err).toMatch(/b\.json.*not valid JSON/);
    const r4 = await run('schema', 'compat', o, o, '--level', 'MAYBE');
    expect(r4.code).toBe(2);
  });

  it('refuses a schema file over the size limit', async () => {
    const huge = write('h.json', `{"description": "${'x'.repeat(11 * 1024 * 1024)}"}`);
    const r = await run('schema', 'compat', huge, huge);
    expect(r.code).toBe(65);
    expect(r.err).toMatch(/over the \d+-byte limit/);
  });
});

describe('verity contract validate', () => {
  it('reports each failing record with masked PII and exits 1', async () => {
    const data = write(
      'contacts.ndjson',
      [
        JSON.stringify({ contact_id: 'con_1', email: 'jane@example.com', country: 'US', _event_id: 'e1' }),
        JSON.stringify({ contact_id: 'con_2', email: 'jane-at-example.com', country: 'United States', _event_id: 'e2' }),
        JSON.stringify({ contact_id: 'con_3', email: 'x@y.io', linkedin_url: 'https://l.in/x', _event_id: 'e3' }),
      ].join('\n') + '\n',
    );
    const r = await run('--json', 'contract', 'validate', templateContract('contact.odcs.yaml'), data, '--now', '2026-03-01T00:00:00Z');
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.summary).toMatchObject({ records: 3, valid: 1, invalid: 2 });
    expect(body.results.map((x: { event_id: string }) => x.event_id)).toEqual(['e2', 'e3']);
    expect(JSON.stringify(body)).not.toContain('jane-at-example.com');
  });

  it('streams failing records as NDJSON lines followed by a summary line', async () => {
    const data = write('leads.ndjson', [JSON.stringify({ lead_id: 'lead_1', email: 'a@b.co', _event_id: 'e1' }), JSON.stringify({ lead_id: 'lead_2', email: 'nope', _event_id: 'e2' })].join('\n'));
    const r = await run('contract', 'validate', templateContract('lead.odcs.yaml'), data, '--ndjson');
    expect(r.code).toBe(1);
    const lines = r.out.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ line: 2, event_id: 'e2', violations: [expect.objectContaining({ rule: 'format' })] });
    expect(lines[1].summary).toMatchObject({ records: 2, invalid: 1 });
    expect((await run('--json', 'contract', 'validate', templateContract('lead.odcs.yaml'), data, '--ndjson')).code).toBe(2);
  });

  it('validates a directory of <entity> data files against a contracts directory', async () => {
    const data = join(dir, 'records');
    mkdirSync(data);
    writeFileSync(join(data, 'lead.ndjson'), JSON.stringify({ lead_id: 'lead_1', email: 'bad', _event_id: 'l1' }) + '\n');
    writeFileSync(join(data, 'activity.csv'), 'activity_id,type,occurred_at\nact_1,call,2026-01-01T00:00:00.000Z\n');
    const r = await run('--json', 'contract', 'validate', TEMPLATE_CONTRACTS, data);
    expect(r.code).toBe(1);
    const body = JSON.parse(r.out);
    expect(body.summaries.map((x: { entity: string; invalid: number }) => `${x.entity}:${x.invalid}`)).toEqual(['activity:0', 'lead:1']);
    expect(body.results).toEqual([expect.objectContaining({ entity: 'lead', event_id: 'l1' })]);
  });

  it('validates CSV with types coerced from the contract and exits 0 when all pass', async () => {
    const data = write('activity.csv', 'activity_id,type,occurred_at,duration_seconds\nact_1,call,2026-01-01T00:00:00.000Z,30\nact_2,meeting,2026-01-02T00:00:00.000Z,\n');
    const r = await run('contract', 'validate', templateContract('activity.odcs.yaml'), data, '--now', '2026-03-01T00:00:00Z');
    expect(r.out).toMatch(/2 record\(s\), 2 valid, 0 invalid/);
    expect(r.code).toBe(0);
  });

  it('checks references against --lookup files', async () => {
    const accounts = write('account.ndjson', JSON.stringify({ account_id: '001000000000000AAA', name: 'Acme' }) + '\n');
    const opps = write('opportunity.ndjson', [JSON.stringify({ opportunity_id: '006000000000000AAA', account_id: '001000000000000AAA' }), JSON.stringify({ opportunity_id: '006000000000000AAB', account_id: '001000000000000ZZZ' })].join('\n'));
    const r = await run('--json', 'contract', 'validate', templateContract('opportunity.odcs.yaml'), opps, '--lookup', `account=${accounts}`);
    expect(JSON.parse(r.out).summary.byRule).toEqual({ reference: 1 });
    expect((await run('contract', 'validate', templateContract('opportunity.odcs.yaml'), opps, '--lookup', 'account')).code).toBe(2);
  });

  it('rejects an unknown data format', async () => {
    const r = await run('contract', 'validate', templateContract('lead.odcs.yaml'), write('x.parquet', 'PAR1'));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown data format/);
  });
});

describe('verity contract publish, changelog and docs', () => {
  it('publishes the project contracts, is idempotent, and refuses an incompatible minor version', async () => {
    expect((await run('init', dir)).code).toBe(0);
    const config = join(dir, 'verity.config.yaml');
    const first = await run('--json', '-c', config, 'contract', 'publish');
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out).map((r: { entity: string; created: boolean }) => `${r.entity}:${r.created}`)).toEqual(['account:true', 'activity:true', 'contact:true', 'lead:true', 'opportunity:true']);
    expect(JSON.parse((await run('--json', '-c', config, 'contract', 'publish')).out).every((r: { created: boolean }) => !r.created)).toBe(true);
    cpSync(join(dir, 'contracts/next/contact.odcs.yaml'), join(dir, 'contracts/contact.odcs.yaml'));
    const minor = await run('--json', '-c', config, 'contract', 'publish', join(dir, 'contracts/contact.odcs.yaml'));
    expect(JSON.parse(minor.out)[0]).toMatchObject({ entity: 'contact', version: '1.1.0', created: true, previous: '1.0.0' });
    const fromRegistry = await run('--json', '-c', config, 'contract', 'diff', 'contact@1.0.0', 'contact@latest');
    expect(JSON.parse(fromRegistry.out)).toMatchObject({ compatible: true, from: '1.0.0', to: '1.1.0' });
    expect((await run('-c', config, 'contract', 'changelog', 'contact@1.0.0', 'contact@1.1.0')).out).toMatch(/^# contact 1\.0\.0 → 1\.1\.0/);
    const missing = await run('-c', config, 'contract', 'diff', 'contact@9.0.0', 'contact@latest');
    expect(missing.code).toBe(66);
    expect(missing.err).toMatch(/no contact@9\.0\.0/);
    const lead = join(dir, 'contracts/lead.odcs.yaml');
    writeFileSync(lead, readFileSync(lead, 'utf8').replace('version: 1.0.0', 'version: 1.1.0').replace('maximum: 100', 'maximum: 50'));
    const refused = await run('-c', config, 'contract', 'publish', lead);
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/not BACKWARD compatible.*NUMBER_TYPE_MAXIMUM_DECREASED #\/properties\/score.*major version \(2\.0\.0\)/);
  });

  it('writes a Markdown changelog naming breaking changes', async () => {
    const next = write('lead.odcs.yaml', readFileSync(templateContract('lead.odcs.yaml'), 'utf8').replace('version: 1.0.0', 'version: 2.0.0').replace('              qualified: [converted, disqualified]\n', '              qualified: [converted]\n'));
    const r = await run('contract', 'changelog', templateContract('lead.odcs.yaml'), next);
    expect(r.out).toMatch(/^# lead 1\.0\.0 → 2\.0\.0/);
    expect(r.out).toMatch(/## Breaking changes[\s\S]*qualified→disqualified/);
  });

  it('renders the catalogue as Markdown and HTML with owners, SLAs and PII flags', async () => {
    const md = await run('contract', 'docs', TEMPLATE_CONTRACTS);
    expect(md.out).toMatch(/## contact/);
    expect(md.out).toMatch(/SLA freshness \(contact\.updated_at\): 15 m/);
    expect(md.out).toMatch(/\| `email` \| string \|.*\| yes \|/);
    const out = join(dir, 'catalog.html');
    expect((await run('contract', 'docs', TEMPLATE_CONTRACTS, '--format', 'html', '--out', out)).code).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<span class="pii">PII</span>');
    expect(html).toContain('Ana Ortiz');
  });

  it('exports a contract as JSON Schema', async () => {
    const r = await run('--json', 'contract', 'schema', templateContract('lead.odcs.yaml'));
    expect(JSON.parse(r.out)).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', required: ['lead_id', 'email'] });
  });
});
