import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { compileContract } from '../../src/contracts/compile-contract.js';
import { readContractFile } from '../../src/contracts/read-contract.js';
import { validateDataFile, type RecordResult } from '../../src/contracts/validate-data.js';
import { templateContract } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'verity-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const lead = compileContract(readContractFile(templateContract('lead.odcs.yaml')), { clock: () => Date.parse('2026-03-01T00:00:00Z') });
const row = (status: string, day: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ lead_id: 'lead_1', email: 'a@b.co', status, updated_at: `2026-01-${String(day).padStart(2, '0')}T00:00:00.000Z`, _event_id: `e${day}`, ...extra });

async function run(lines: string[], options: Parameters<typeof validateDataFile>[2] = {}) {
  const file = join(dir, `f${Math.random().toString(36).slice(2)}.ndjson`);
  writeFileSync(file, lines.join('\n') + '\n');
  const results: RecordResult[] = [];
  const summary = await validateDataFile(lead, file, { ...options, onResult: (r) => results.push(r) });
  return { summary, failing: results.filter((r) => r.violations.length).map((r) => `${r.event_id}:${r.violations.map((v) => v.rule).join(',')}`) };
}

describe('validating a data file', () => {
  it('judges a late record against the state before it in event time, not in the file', async () => {
    const { failing } = await run([row('new', 1), row('qualified', 5), row('contacted', 3)]);
    expect(failing).toEqual([]);
    const fileOrder = await run([row('new', 1), row('qualified', 5), row('contacted', 3)], { orderBy: null });
    expect(fileOrder.failing).toEqual(['e5:transition', 'e3:transition']);
  });

  it('reports an illegal move once; the source state then holds', async () => {
    const { failing } = await run([row('new', 1), row('converted', 2), row('converted', 3)]);
    expect(failing).toEqual(['e2:transition']);
  });

  it('does not judge the record after an invalid state value against a guess', async () => {
    const { failing } = await run([row('new', 1), row('qualifed', 2), row('converted', 3)]);
    expect(failing).toEqual(['e2:enum']);
  });

  it('keeps the order of records whose time is itself invalid (in the future)', async () => {
    const { failing } = await run([row('new', 1), row('contacted', 2, { updated_at: '2030-01-01T00:00:00.000Z' }), row('qualified', 4)]);
    expect(failing).toEqual(['e2:not_in_future']);
  });

  it('reports malformed lines and over-long lines as records, and counts by rule and field', async () => {
    const { summary, failing } = await run([row('new', 1), '{not json', JSON.stringify({ lead_id: 'lead_2', email: 'x'.repeat(200) })], { maxLineBytes: 150 });
    expect(summary).toMatchObject({ records: 3, valid: 1, invalid: 2, byRule: { malformed: 2 } });
    expect(failing).toHaveLength(2);
  });

  it('ignores metadata fields starting with "_" even under a closed contract', async () => {
    const contact = compileContract(readContractFile(templateContract('contact.odcs.yaml')));
    const file = join(dir, 'contacts.ndjson');
    writeFileSync(file, JSON.stringify({ contact_id: 'con_1', email: 'a@b.co', _event_id: 'x', _op: 'upsert' }) + '\n');
    expect((await validateDataFile(contact, file)).valid).toBe(1);
  });
});
