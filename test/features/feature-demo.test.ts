import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runFeatureDemo } from '../../src/features/feature-demo.js';
import { loadFeatureViews } from '../../src/features/load-feature-views.js';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';
import { createMemoryRawEventSource } from '../../src/staging/raw-event-source.js';
import { packageRoot } from '../../src/util/package-root.js';
import { generateHistory } from './crm-history.js';

const dir = mkdtempSync(join(tmpdir(), 'verity-feature-demo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('runFeatureDemo', () => {
  it("builds staging, materializes the template views, serves a lookup and writes a training frame", async () => {
    const views = await loadFeatureViews(join(packageRoot(), 'templates', 'project', 'features'));
    const events = generateHistory({ seed: 2, contacts: 15, events: 200 });
    const now = new Date(Date.parse(events.at(-1)!.ingest_time!) + 1000);
    const report = await runFeatureDemo({ lakeDir: dir, source: createMemoryRawEventSource(events), views, store: createMemoryOnlineStore(), tenant: 't01', out: join(dir, 'train.parquet'), clock: () => now });
    expect(report.staging.events).toBe(events.length);
    expect(report.materialize.views.map((v) => v.view)).toContain('contact_engagement');
    expect(report.lookup!.features.lead_score!.status).not.toBe('NOT_FOUND');
    expect(report.training).toMatchObject({ view: 'contact_engagement', rows: 15 });
    expect(existsSync(join(dir, 'train.parquet'))).toBe(true);
  });
});
