import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFECT_KINDS, DEFECT_LAYERS, type GroundTruthEntry } from '../../src/generator/defects.js';
import type { GenerateReport } from '../../src/generator/generate.js';
import { cleanup, generateTemp, readNdjson, SMALL } from './generated-data.js';

let dir = '';
let report: GenerateReport;
let truth: GroundTruthEntry[] = [];
let manifest: any;

beforeAll(async () => {
  ({ dir, report } = await generateTemp());
  truth = readNdjson(join(dir, 'ground-truth.ndjson'));
  manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));
});
afterAll(cleanup);

describe('generator ground truth', () => {
  it('counts every defect kind in the manifest exactly as ground-truth.ndjson lists it', () => {
    const counted: Record<string, number> = {};
    for (const t of truth) counted[t.kind] = (counted[t.kind] ?? 0) + 1;
    for (const kind of DEFECT_KINDS) {
      expect(manifest.defects[kind].count, kind).toBe(counted[kind] ?? 0);
      expect(report.defects[kind].count, kind).toBe(counted[kind] ?? 0);
    }
    expect(manifest.files['ground-truth.ndjson'].lines).toBe(truth.length);
  });

  it('injects every defect kind, each with its layer', () => {
    for (const kind of DEFECT_KINDS) expect(truth.filter((t) => t.kind === kind).length, kind).toBeGreaterThan(0);
    for (const t of truth) expect(t.layer).toBe(DEFECT_LAYERS[t.kind]);
  });

  it('injects each kind at a count consistent with its configured rate', () => {
    for (const kind of DEFECT_KINDS) {
      const { count, eligible, rate } = manifest.defects[kind];
      expect(rate).toBe(kind.startsWith('schema_') ? 1 : SMALL.defectRate);
      expect(eligible, kind).toBeGreaterThan(0);
      const expected = rate * eligible;
      if (kind === 'duplicate_delivery') {
        // Whole HubSpot batches are re-sent, so hits are correlated: a looser band.
        expect(count).toBeGreaterThan(expected * 0.3);
        expect(count).toBeLessThan(expected * 3);
      } else {
        const sd = Math.sqrt(eligible * rate * (1 - rate));
        expect(Math.abs(count - expected), `${kind}: ${count} vs ${expected.toFixed(1)}`).toBeLessThanOrEqual(5 * sd + 3);
      }
    }
  });

  it('names only event ids that exist in the tenant envelopes, with the right entity', () => {
    for (const tenant of report.tenants) {
      const envelopes = readNdjson(join(dir, 'tenants', tenant, 'envelopes', 'events.ndjson'));
      const entityOf = new Map(envelopes.map((e) => [e.event_id, e.entity]));
      const mine = truth.filter((t) => t.tenant_id === tenant);
      expect(mine.length).toBeGreaterThan(0);
      for (const t of mine) {
        expect(entityOf.has(t.event_id), `${t.kind} ${t.event_id}`).toBe(true);
        expect(entityOf.get(t.event_id)).toBe(t.entity);
      }
    }
  });

  it('lists each duplicated event id at least twice in the envelopes', () => {
    const envelopes = readNdjson(join(dir, 'tenants', 't01', 'envelopes', 'events.ndjson'));
    const seen = new Map<string, number>();
    for (const e of envelopes) seen.set(e.event_id, (seen.get(e.event_id) ?? 0) + 1);
    const dups = truth.filter((t) => t.tenant_id === 't01' && t.kind === 'duplicate_delivery');
    expect(dups.length).toBeGreaterThan(0);
    for (const d of dups) expect(seen.get(d.event_id)).toBeGreaterThanOrEqual(2);
  });

  it('gives late events a delivery one to three days after their event time', () => {
    const late = truth.filter((t) => t.kind === 'late_event');
    for (const t of late) expect(Date.parse(t.detail.delivered_at as string) - Date.parse(t.detail.event_time as string)).toBeGreaterThanOrEqual(86_400_000);
  });

  it('writes clean data without ground truth at defect rate 0', async () => {
    const clean = await generateTemp({ ...SMALL, tenants: 1, defectRate: 0 });
    expect(readNdjson(join(clean.dir, 'ground-truth.ndjson'))).toEqual([]);
    expect(clean.report.duplicates).toBe(0);
    expect(clean.report.signals).toBe(0);
  });
});
