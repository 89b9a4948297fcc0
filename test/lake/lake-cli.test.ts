import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { openLake } from '../../src/lake/lake.js';
import { cleanup, lead, tempDir, testResolver } from './helpers.js';
import { capture } from '../helpers/cli.js';

afterEach(cleanup);


async function project(): Promise<{ config: string; lakeDir: string }> {
  const root = tempDir('verity-cli-lake-');
  const config = join(root, 'verity.config.yaml');
  writeFileSync(config, 'lake:\n  dir: data/lake\n');
  const lakeDir = join(root, 'data', 'lake');
  const lake = await openLake({ dir: lakeDir, contracts: testResolver() });
  await lake.ingest([lead(1), lead(2), lead(3, { status: 'qualifed' }), lead(4, { email: 'nope' })]);
  await lake.close();
  return { config, lakeDir };
}

describe('verity lake and quarantine commands', () => {
  it('queries the lake with SQL as JSON and as a table', async () => {
    const { config } = await project();
    const c = capture();
    expect(await runCli(['-c', config, 'lake', 'query', 'SELECT event_id FROM raw_events ORDER BY ingest_seq', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toEqual([{ event_id: 'evt-1' }, { event_id: 'evt-2' }]);
    const t = capture();
    expect(await runCli(['-c', config, 'lake', 'query', 'SELECT count(*) AS n FROM quarantine_events'], t.io)).toBe(0);
    expect(t.out()).toMatch(/^n\s*\n-+\n2\n\(1 row\)/);
  });

  it('reports a SQL error as a one-line usage error', async () => {
    const { config } = await project();
    const c = capture();
    expect(await runCli(['-c', config, 'lake', 'query', 'SELECT nope FROM raw_events'], c.io)).toBe(2);
    expect(c.err()).toMatch(/^verity: SQL failed: .*nope/);
  });

  it('prints stats, compacts, and the stats then count Parquet files', async () => {
    const { config } = await project();
    const s = capture();
    expect(await runCli(['--json', '-c', config, 'lake', 'stats'], s.io)).toBe(0);
    const stats = JSON.parse(s.out());
    expect(stats.totals).toEqual({ raw: 2, quarantine: 2, quarantinePending: 2 });
    expect(stats.files.parquet).toBe(0);
    const c = capture();
    expect(await runCli(['-c', config, 'lake', 'compact', '--json'], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ segments: 1, rawRows: 2, quarantineRows: 2 });
    const s2 = capture();
    expect(await runCli(['-c', config, 'lake', 'stats', '--json'], s2.io)).toBe(0);
    expect(JSON.parse(s2.out()).files.parquet).toBeGreaterThan(0);
    expect(JSON.parse(s2.out()).totals.raw).toBe(2);
  });

  it('lists, filters and shows quarantine entries', async () => {
    const { config } = await project();
    const l = capture();
    expect(await runCli(['-c', config, 'quarantine', 'list', '--reason', 'contract:enum', '--json'], l.io)).toBe(0);
    const entries = JSON.parse(l.out());
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ event_id: 'evt-3', reasons: ['contract:enum'], contract_version: '1.0.0' });
    const sh = capture();
    expect(await runCli(['-c', config, 'quarantine', 'show', entries[0].quarantine_id], sh.io)).toBe(0);
    expect(sh.out()).toMatch(/status \[enum\]/);
    expect(sh.out()).toMatch(/"status":"qualifed"/);
    const missing = capture();
    expect(await runCli(['-c', config, 'quarantine', 'show', 'q999'], missing.io)).toBe(66);
  });

  it('refuses to replay without contracts unless told to re-check envelopes only', async () => {
    const { config } = await project();
    const refused = capture();
    expect(await runCli(['-c', config, 'quarantine', 'replay'], refused.io)).toBe(2);
    expect(refused.err()).toMatch(/needs contracts/);
    const r = capture();
    expect(await runCli(['-c', config, 'quarantine', 'replay', '--entity', 'lead', '--without-contracts', '--json'], r.io)).toBe(0);
    expect(JSON.parse(r.out())).toMatchObject({ examined: 2, replayed: 2, validated: false });
    const again = capture();
    expect(await runCli(['-c', config, 'quarantine', 'replay', '--without-contracts', '--json'], again.io)).toBe(0);
    expect(JSON.parse(again.out())).toMatchObject({ examined: 0, replayed: 0 });
    const q = capture();
    expect(await runCli(['-c', config, 'lake', 'query', 'SELECT count(*) AS n FROM raw_events', '--json'], q.io)).toBe(0);
    expect(JSON.parse(q.out())).toEqual([{ n: 4 }]);
  });
});
