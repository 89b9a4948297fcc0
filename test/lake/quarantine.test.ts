import { afterEach, describe, expect, it } from 'vitest';
import type { AuditFact } from '../../src/audit/audit-sink.js';
import type { JobRun } from '../../src/lineage/lineage-emitter.js';
import { openLake } from '../../src/lake/lake.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from './helpers.js';

afterEach(cleanup);

describe('quarantine', () => {
  it('replays entries that pass a fixed contract into the raw zone exactly once, keeping the event id', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir, contracts: testResolver('1.0.0'), clock: fixedClock() });
    await lake.ingest([lead(1), { ...lead(2), payload: { ...lead(2).payload, linkedin_url: 'https://x' } }, lead(3, { email: 'bad' })]);
    expect((await lake.quarantine.list()).map((e) => e.reasons)).toEqual([['contract:unknown_field'], ['contract:format']]);
    await lake.close();

    lake = await openLake({ dir, contracts: testResolver('2.0.0', { allowExtra: ['linkedin_url'] }), clock: fixedClock() });
    const report = await lake.quarantine.replay();
    expect(report).toMatchObject({ examined: 2, replayed: 1, stillQuarantined: 1, byReason: { 'contract:format': 1 } });
    const again = await lake.quarantine.replay();
    expect(again).toMatchObject({ examined: 1, replayed: 0, stillQuarantined: 1 });
    const raw = await lake.query(`SELECT event_id, schema_version FROM raw_events ORDER BY ingest_seq`);
    expect(raw).toEqual([
      { event_id: 'evt-1', schema_version: '1.0.0' },
      { event_id: 'evt-2', schema_version: '2.0.0' },
    ]);
    const all = await lake.quarantine.list({ includeReplayed: true });
    expect(all.find((e) => e.event_id === 'evt-2')!.replayed_seq).toBe(report.results.find((r) => r.status === 'replayed')!.ingest_seq);
    expect((await lake.quarantine.list()).map((e) => e.event_id)).toEqual(['evt-3']);
    // A re-send of the replayed event is still a duplicate.
    expect((await lake.ingest([lead(2)])).duplicates).toBe(1);
    await lake.close();
  });

  it('keeps replay marks across compaction and restart', async () => {
    const dir = tempDir();
    let lake = await openLake({ dir, contracts: testResolver() });
    await lake.ingest([lead(1, { status: 'qualifed' }), lead(2, { status: 'qualifed' })]);
    await lake.compact();
    await lake.close();
    lake = await openLake({ dir });
    await expect(lake.quarantine.replay()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect((await lake.quarantine.replay({ entity: 'lead' }, { withoutContracts: true })).replayed).toBe(2);
    await lake.compact();
    await lake.close();
    lake = await openLake({ dir, contracts: testResolver() });
    expect((await lake.quarantine.replay()).examined).toBe(0);
    expect(await lake.query('SELECT count(*) AS n FROM raw_events')).toEqual([{ n: 2 }]);
    expect(await lake.query('SELECT count(*) AS n FROM quarantine_events WHERE replayed_seq IS NOT NULL')).toEqual([{ n: 2 }]);
    await lake.close();
  });

  it('re-checks references at replay time: an orphan passes once its account has arrived (order dependence)', async () => {
    const dir = tempDir();
    const lake = await openLake({ dir, contracts: testResolver(), checkReferences: true });
    const opp = { ...lead(10), event_id: 'opp-1', entity: 'opportunity', entity_key: { opportunity_id: 'o1' }, payload: { account_id: 'acc1' } };
    const account = { ...lead(11), event_id: 'acc-1', entity: 'account', entity_key: { account_id: 'acc1' }, payload: { account_id: 'acc1' } };
    expect((await lake.ingest([opp])).byReason).toEqual({ 'contract:reference': 1 });
    await lake.ingest([account]);
    expect((await lake.quarantine.replay()).replayed).toBe(1);
    await lake.close();
  });

  it('skips undecodable entries on replay and shows their raw text', async () => {
    const lake = await openLake({ dir: tempDir(), contracts: testResolver() });
    const r = await lake.ingest([], { rejected: [{ index: 3, raw: '{"bad json', code: 'MALFORMED_JSON', message: 'Unexpected end' }], tenant_id: 't09', source: 'ndjson' });
    expect(r.results[0]).toMatchObject({ event_id: 'rejected:3', status: 'quarantined', reasons: ['undecodable:MALFORMED_JSON'] });
    const shown = await lake.quarantine.show(r.results[0]!.quarantine_id!);
    expect(shown).toMatchObject({ raw: '{"bad json', tenant_id: 't09', source: 'ndjson' });
    expect(await lake.quarantine.replay()).toMatchObject({ examined: 1, skipped: 1, replayed: 0 });
    await expect(lake.quarantine.show('nonsense')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await lake.close();
  });

  it('records audit facts and lineage runs for ingest, replay and compaction', async () => {
    const facts: AuditFact[] = [];
    const runs: string[] = [];
    const lake = await openLake({
      dir: tempDir(),
      contracts: testResolver(),
      clock: fixedClock(),
      audit: { append: async (f) => (facts.push(...f), { firstIndex: facts.length - f.length }) },
      lineage: {
        start: async (run: JobRun) => (runs.push(`start ${run.job}`), run.job),
        complete: async (_id: string, run: JobRun) => void runs.push(`complete ${run.job}`),
        fail: async (_id: string, run: JobRun) => void runs.push(`fail ${run.job}`),
      },
    });
    await lake.ingest([lead(1), lead(2, { status: 'qualifed' })], { source: 'test' });
    await lake.quarantine.replay();
    await lake.compact();
    expect(facts.map((f) => f.type)).toEqual(['ingest.batch', 'quarantine.replay']);
    expect(facts[0]!.data).toMatchObject({ accepted: 1, quarantined: 1, source: 'test', byReason: { 'contract:enum': 1 } });
    expect(runs).toEqual(['start ingest.batch', 'complete ingest.batch', 'start quarantine.replay', 'complete quarantine.replay', 'start lake.compaction', 'complete lake.compaction']);
    await lake.close();
  });
});
