import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { defineFeatureView, lastValue, derived } from '../../src/features/feature-view.js';
import { loadFeatureViews, selectViews } from '../../src/features/load-feature-views.js';
import { packageRoot } from '../../src/util/package-root.js';

const dir = mkdtempSync(join(tmpdir(), 'verity-views-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadFeatureViews', () => {
  it("loads the init template's views, which import from 'verity'", async () => {
    const views = await loadFeatureViews(join(packageRoot(), 'templates', 'project', 'features'));
    expect(views.map((v) => v.name)).toEqual(['account_pipeline', 'contact_engagement']);
    const ce = views[1]!;
    expect(ce.version).toMatch(/^sha256:[0-9a-f]{16}$/);
    expect(ce.features.map((f) => f.name)).toContain('engagement_score');
  });

  it('loads .mjs files and rejects duplicate names with both files named', async () => {
    writeFileSync(join(dir, 'a.mjs'), "import { defineFeatureView, lastValue } from 'verity';\nexport const a = defineFeatureView({ name: 'dup', entity: 'contact', keys: ['contact_id'], features: { s: lastValue('s') } });\n");
    expect((await loadFeatureViews(dir)).map((v) => v.name)).toEqual(['dup']);
    writeFileSync(join(dir, 'b.mjs'), "import { defineFeatureView, lastValue } from 'verity';\nexport default defineFeatureView({ name: 'dup', entity: 'contact', keys: ['contact_id'], features: { s: lastValue('s') } });\n");
    await expect(loadFeatureViews(dir)).rejects.toThrow(/defined twice/);
    expect(() => selectViews([], ['nope'])).toThrow(/not found/);
  });
});

describe('defineFeatureView', () => {
  const base = { name: 'v', entity: 'contact', keys: ['contact_id'] };
  it("changes version when a derived function's source changes, not otherwise", () => {
    const a = defineFeatureView({ ...base, features: { x: lastValue('x', { type: 'number' }), y: derived((f) => Number(f.x) * 2) } });
    const b = defineFeatureView({ ...base, features: { x: lastValue('x', { type: 'number' }), y: derived((f) => Number(f.x) * 2) } });
    const c = defineFeatureView({ ...base, features: { x: lastValue('x', { type: 'number' }), y: derived((f) => Number(f.x) * 3) } });
    expect(a.version).toBe(b.version);
    expect(c.version).not.toBe(a.version);
  });
  it('rejects bad definitions with a clear error', () => {
    expect(() => defineFeatureView({ ...base, features: {} })).toThrow(/defines no features/);
    expect(() => defineFeatureView({ ...base, keys: [], features: { x: lastValue('x') } })).toThrow(/keys/);
    expect(() => defineFeatureView({ ...base, features: { x: lastValue('x') }, lookback: '7 days' })).toThrow(/Invalid lookback/);
    expect(() => defineFeatureView({ ...base, features: { x: { kind: 'nope' } as never } })).toThrow(/is not a feature/);
  });
});
