import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generate } from '../../src/generator/generate.js';
import { runCli } from '../../src/cli/main.js';
import { templateContract } from './helpers.js';

interface Truth {
  tenant_id: string;
  entity: string;
  event_id: string;
  kind: string;
  layer: string;
}

const ENTITIES = ['account', 'contact', 'lead', 'opportunity', 'activity'];
// The generated timeline is January 2026; "now" is after it, so only injected future dates are in the future.
const NOW = '2026-02-15T00:00:00.000Z';

async function validateJson(contract: string, data: string): Promise<{ summary: { records: number }; results: { event_id: string }[] }> {
  let out = '';
  const io = { stdout: { write: (s: string) => ((out += s), true) }, stderr: { write: () => true } } as unknown as { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream };
  const code = await runCli(['--json', 'contract', 'validate', contract, data, '--now', NOW], io);
  process.exitCode = undefined;
  expect([0, 1]).toContain(code);
  return JSON.parse(out);
}

describe('contract validate on generated CRM data', () => {
  let dir: string;
  const flagged = new Set<string>();
  const seen = new Set<string>();
  let truth: Truth[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'verity-gen-'));
    await generate({ out: dir, seed: 11, tenants: 2, contacts: 300, defectRate: 0.05, formats: ['records'] });
    truth = readFileSync(join(dir, 'ground-truth.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Truth);
    for (const tenant of readdirSync(join(dir, 'tenants')))
      for (const entity of ENTITIES) {
        const body = await validateJson(templateContract(`${entity}.odcs.yaml`), join(dir, 'tenants', tenant, 'records', `${entity}.ndjson`));
        for (const r of body.results) flagged.add(`${tenant}|${r.event_id}`);
        for (const line of readFileSync(join(dir, 'tenants', tenant, 'records', `${entity}.ndjson`), 'utf8').trim().split('\n')) seen.add(`${tenant}|${(JSON.parse(line) as { _event_id: string })._event_id}`);
      }
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the injected record-layer and stateful defects with recall ≥ 0.99', () => {
    const target = new Set(truth.filter((t) => (t.layer === 'record' || t.layer === 'stateful') && seen.has(`${t.tenant_id}|${t.event_id}`)).map((t) => `${t.tenant_id}|${t.event_id}`));
    expect(target.size).toBeGreaterThan(500);
    const kinds = new Set(truth.filter((t) => t.layer === 'record' || t.layer === 'stateful').map((t) => t.kind));
    expect([...kinds].sort()).toEqual(['country_spelling', 'free_text_stage', 'future_date', 'illegal_transition', 'malformed_email', 'missing_email', 'picklist_typo', 'schema_type_change', 'score_out_of_range']);
    const found = [...target].filter((k) => flagged.has(k)).length;
    expect(found / target.size).toBeGreaterThanOrEqual(0.99);
  });

  it('flags no clean record (no ground-truth defect of any kind)', () => {
    const dirty = new Set(truth.map((t) => `${t.tenant_id}|${t.event_id}`));
    const falsePositives = [...flagged].filter((k) => !dirty.has(k));
    expect(falsePositives).toEqual([]);
  });

  it('rejects the mid-stream linkedin_url field under the STRICT contact contract', () => {
    const schemaDefects = truth.filter((t) => t.kind === 'schema_new_field' && seen.has(`${t.tenant_id}|${t.event_id}`));
    expect(schemaDefects.length).toBeGreaterThan(0);
    expect(schemaDefects.every((t) => flagged.has(`${t.tenant_id}|${t.event_id}`))).toBe(true);
  });
});
