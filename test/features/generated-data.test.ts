import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/envelope.js';
import { loadFeatureViews } from '../../src/features/load-feature-views.js';
import { getTrainingFrame } from '../../src/features/offline-retrieval.js';
import type { FeatureView } from '../../src/features/feature-view.js';
import { computeDerived } from '../../src/features/feature-values.js';
import { generate } from '../../src/generator/generate.js';
import { buildStaging } from '../../src/staging/build-staging.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';
import { packageRoot } from '../../src/util/package-root.js';
import { rng } from './crm-history.js';
import { naiveFeatures } from './naive-reference.js';

let dir: string;
let events: Envelope[];
let views: FeatureView[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-generated-'));
  await generate({ out: join(dir, 'gen'), seed: 11, tenants: 1, accounts: 8, contacts: 40, leads: 5, opportunities: 12, days: 20, defectRate: 0.15 });
  const lines = readFileSync(join(dir, 'gen', 'tenants', 't01', 'envelopes', 'events.ndjson'), 'utf8').trim().split('\n');
  // As the lake gate does: first delivery of an event id wins; positions and ingest times in delivery order.
  const seen = new Set<string>();
  let clock = 0;
  events = [];
  for (const line of lines) {
    const e = JSON.parse(line) as Envelope;
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    clock = Math.max(clock + 1, Date.parse(e.event_time) + 1000);
    events.push({ ...e, ingest_seq: events.length + 1, ingest_time: new Date(clock).toISOString() });
  }
  await buildStaging({ source: createMemoryRawEventSource(events), dir });
  views = await loadFeatureViews(join(packageRoot(), 'templates', 'project', 'features'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('offline retrieval on generator output', () => {
  it('agrees with the naive reference for the template views (as-known and latest)', async () => {
    expect(events.some((e) => e.op === 'merge')).toBe(true);
    expect(events.some((e) => e.changed_fields)).toBe(true);
    const r = rng(3);
    const times = events.map((e) => Date.parse(e.event_time)).sort((a, b) => a - b);
    for (const view of views) {
      const keys = [...new Set(events.filter((e) => e.entity === view.entity).map((e) => String(e.entity_key[view.keys[0]!])))];
      const rows = Array.from({ length: 120 }, () => ({
        [view.keys[0]!]: keys[Math.floor(r() * keys.length)]!,
        timestamp: new Date(times[Math.floor(r() * times.length)]! + Math.floor(r() * 3) * 3_600_000).toISOString(),
      }));
      for (const knowledge of ['as-known', 'latest'] as const) {
        const frame = await getTrainingFrame(rows, [view], { lakeDir: dir, tenant: 't01', knowledge });
        const out = await frame.rows();
        frame.close();
        rows.forEach((row, i) => {
          const base = naiveFeatures(events, view, { tenant: 't01', key: { [view.keys[0]!]: row[view.keys[0]!]! }, t: Date.parse(row.timestamp) }, knowledge);
          // The contract casts values (e.g. integer fields); cast the reference the same way.
          const expected: Record<string, unknown> = {};
          for (const f of view.features) if (f.kind !== 'derived') expected[f.name] = castLike(f.contract.type, base[f.name]);
          Object.assign(expected, computeDerived(view, expected));
          for (const f of view.features) {
            const norm = (v: unknown) => (typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : (v ?? null));
            expect({ view: view.name, knowledge, row: i, feature: f.name, value: norm(out[i]![f.name]) }).toEqual({ view: view.name, knowledge, row: i, feature: f.name, value: norm(expected[f.name]) });
          }
        });
      }
    }
  });
});

function castLike(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (type === 'number' || type === 'integer') {
    // A value the contract's type rejects (e.g. "51-200" for an integer) reads as null.
    const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
    return Number.isFinite(n) ? n : null;
  }
  if (type === 'boolean') return v === true || v === 'true' ? true : v === false || v === 'false' ? false : null;
  return typeof v === 'object' ? JSON.stringify(v) : String(v);
}
