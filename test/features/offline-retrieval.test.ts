import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/envelope.js';
import { avg, count, defineFeatureView, derived, distinct, lastValue, max, sum, timeSince, timeSinceLast } from '../../src/features/feature-view.js';
import { getTrainingFrame } from '../../src/features/offline-retrieval.js';
import { buildStaging } from '../../src/staging/build-staging.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';
import { generateHistory, rng, T0 } from './crm-history.js';
import { naiveFeatures } from './naive-reference.js';

const view = defineFeatureView({
  name: 'contact_engagement',
  entity: 'contact',
  keys: ['contact_id'],
  features: {
    lead_score: lastValue('lead_score', { type: 'integer', min: 0, max: 100 }),
    lifecycle_stage: lastValue('lifecycle_stage', { type: 'string' }),
    email: lastValue('email', { type: 'string' }),
    since_update_s: timeSince('$event_time'),
    emails_opened_7d: count({ from: 'activity', where: { type: 'email_opened' }, window: '7d' }),
    meetings_30d: count({ from: 'activity', where: { type: 'meeting' }, window: '30d' }),
    touches_3d: count({ from: 'activity', where: { type: ['email_sent', 'call', 'meeting'] }, window: '3d' }),
    duration_7d: sum('duration_seconds', { from: 'activity', window: '7d' }),
    avg_duration_30d: avg('duration_seconds', { from: 'activity', window: '30d' }),
    max_duration_30d: max('duration_seconds', { from: 'activity', window: '30d' }),
    activity_types_30d: distinct('type', { from: 'activity', window: '30d' }),
    since_activity_s: timeSinceLast({ from: 'activity', window: '30d' }),
    opens_per_touch: derived((f) => (f.emails_opened_7d as number) / Math.max(1, f.touches_3d as number)),
  },
  lookback: '20d',
});

let dir: string;
let events: Envelope[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-offline-'));
  events = generateHistory({ seed: 42, contacts: 30, events: 1500 });
  await buildStaging({ source: createMemoryRawEventSource(events), dir });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function frameRows(n: number, seed: number) {
  const r = rng(seed);
  const rows: Array<{ contact_id: string; timestamp: string; label: number }> = [];
  const times = events.map((e) => Date.parse(e.event_time));
  const ingests = events.map((e) => Date.parse(e.ingest_time!));
  for (let i = 0; i < n; i++) {
    const x = r();
    // Hit exact event and ingest times (boundaries) as well as arbitrary ones.
    const t = x < 0.3 ? times[Math.floor(r() * times.length)]! : x < 0.5 ? ingests[Math.floor(r() * ingests.length)]! : T0 + Math.floor(r() * 40 * 86_400_000);
    rows.push({ contact_id: `con_${Math.floor(r() * 32)}`, timestamp: new Date(t).toISOString(), label: i % 2 });
  }
  rows.push(rows[0]!, rows[1]!); // duplicates are kept
  return rows;
}

function round(v: unknown) {
  return typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v;
}

describe('getTrainingFrame against a naive reference', () => {
  for (const knowledge of ['as-known', 'latest'] as const) {
    it(`agrees with plain loops on late, out-of-order, duplicate-timestamp, merge and delete events (${knowledge})`, async () => {
      const rows = frameRows(400, knowledge === 'latest' ? 2 : 1);
      const frame = await getTrainingFrame(rows, [view], { lakeDir: dir, tenant: 't01', knowledge });
      const out = await frame.rows();
      frame.close();
      expect(out).toHaveLength(rows.length);
      let nonNull = 0;
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const expected = naiveFeatures(events, view, { tenant: 't01', key: { contact_id: row.contact_id }, t: Date.parse(row.timestamp) }, knowledge);
        expected.opens_per_touch = (expected.emails_opened_7d as number) / Math.max(1, expected.touches_3d as number);
        const got = out[i]!;
        expect(got.contact_id).toBe(row.contact_id);
        expect(got.timestamp).toBe(row.timestamp);
        expect(got.label).toBe(row.label);
        for (const f of view.features) {
          expect({ row: i, feature: f.name, value: round(got[f.name]) }).toEqual({ row: i, feature: f.name, value: round(expected[f.name]) });
        }
        if (got.lead_score !== null) nonNull++;
      }
      expect(nonNull).toBeGreaterThan(100);
    }, 180_000); // DuckDB over a generated lake: seconds alone, much longer on a loaded 2-core machine
  }
});
