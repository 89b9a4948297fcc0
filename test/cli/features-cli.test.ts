import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openLake } from '../../src/lake/lake.js';
import { generateHistory } from '../features/crm-history.js';
import { capture } from '../helpers/cli.js';


let dir: string;
const run = async (...args: string[]) => {
  const c = capture();
  const code = await runCli(['--json', '-c', join(dir, 'verity.config.yaml'), ...args], c.io);
  if (code !== 0) throw new Error(`verity ${args.join(' ')} exited ${code}: ${c.err()}`);
  return JSON.parse(c.out());
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'verity-features-cli-'));
  const c = capture();
  expect(await runCli(['init', dir], c.io)).toBe(0);
  writeFileSync(join(dir, 'verity.config.yaml'), readFileSync(join(dir, 'verity.config.yaml'), 'utf8').replace('tenant: default', 'tenant: t01'));
  const events = generateHistory({ seed: 1, contacts: 12, events: 300 }).map(({ ingest_seq: _s, ingest_time: _t, ...e }) => e);
  const lake = await openLake({ dir: join(dir, '.verity'), clock: () => new Date('2026-05-01T00:00:00.000Z') });
  await lake.ingest(events);
  await lake.close();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('verity features (CLI)', () => {
  it('builds staging incrementally from the lake', async () => {
    const first = await run('staging', 'build');
    expect(first.events).toBeGreaterThan(300);
    expect((await run('staging', 'build')).events).toBe(0);
  });

  it("lists the init template's views with versions", async () => {
    const r = await run('features', 'list');
    expect(r.views.map((v: { name: string }) => v.name)).toEqual(['account_pipeline', 'contact_engagement']);
    expect(r.views[1].version).toMatch(/^sha256:/);
  });

  it('retrieves a training frame to Parquet, one row per frame row', async () => {
    writeFileSync(join(dir, 'labels.csv'), 'contact_id,timestamp,label\ncon_1,2026-03-20T00:00:00.000Z,1\ncon_2,2026-03-25T00:00:00.000Z,0\ncon_1,2026-03-20T00:00:00.000Z,1\n');
    const r = await run('features', 'retrieve', '--frame', join(dir, 'labels.csv'), '--views', 'contact_engagement', '--out', join(dir, 'train.parquet'), '--knowledge', 'latest');
    expect(r.rows).toBe(3);
    expect(r.columns).toEqual(expect.arrayContaining(['contact_id', 'label', 'lead_score', 'emails_opened_7d', 'engagement_score']));
    expect(existsSync(join(dir, 'train.parquet'))).toBe(true);
  });

  it('materializes, serves a lookup, and reports zero parity mismatches for own-entity features', async () => {
    const m = await run('features', 'materialize', '--views', 'contact_engagement');
    expect(m.views[0].keys).toBeGreaterThan(5);
    const got = await run('features', 'get', '--view', 'contact_engagement', '--key', 'contact_id=con_3');
    expect(Object.keys(got.features)).toContain('lead_score');
    const parity = await run('features', 'parity', '--views', 'contact_engagement');
    expect(parity.lookups).toBe(1);
    const lead = parity.features.find((f: { feature: string }) => f.feature === 'lead_score');
    expect(lead).toMatchObject({ compared: 1, mismatches: 0 });
  });

  it('fails clearly on a bad option value', async () => {
    const c = capture();
    expect(await runCli(['-c', join(dir, 'verity.config.yaml'), 'features', 'retrieve', '--frame', 'x.csv', '--out', 'y', '--knowledge', 'sometimes'], c.io)).toBe(2);
    expect(c.err()).toMatch(/--knowledge must be/);
  });
});
