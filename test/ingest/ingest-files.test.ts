import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ingestFiles, listIngestFiles } from '../../src/ingest/ingest-files.js';
import { createSource } from '../../src/ingest/sources/source-registry.js';
import { createFakeLake, envelope } from '../server/fakes.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tmp = useTempDirs('verity-ingest-files-');

describe('ingestFiles', () => {
  it('walks directories in name order, keeping only data files', () => {
    const d = tmp();
    mkdirSync(join(d, 'b'));
    writeFileSync(join(d, 'b', '2.ndjson'), '');
    writeFileSync(join(d, 'a.csv'), '');
    writeFileSync(join(d, 'notes.txt'), '');
    expect(listIngestFiles([d]).map((f) => f.slice(d.length + 1))).toEqual(['a.csv', 'b/2.ndjson']);
  });

  it('quarantines an over-long line with LINE_TOO_LARGE and a line-named message, and batches the rest durably', async () => {
    const d = tmp();
    const file = join(d, 'envelopes.ndjson');
    const big = JSON.stringify(envelope(99, { payload: { notes: 'x'.repeat(5000) } }));
    writeFileSync(file, [JSON.stringify(envelope(1)), big, JSON.stringify(envelope(2)), '{"event_id": 7}'].join('\n'));
    const lake = createFakeLake();
    const progress: number[] = [];
    const report = await ingestFiles({ paths: [file], source: createSource('verity'), target: lake, tenant_id: 't01', batchSize: 1, maxLineBytes: 1000, onProgress: (done) => progress.push(done) });
    expect(report).toMatchObject({ files: 1, lines: 4, accepted: 2, quarantined: 2 });
    expect(report.byReason.LINE_TOO_LARGE).toBe(1);
    expect(lake.raw.map((e) => e.event_id)).toEqual(['evt-1', 'evt-2']);
    expect(lake.quarantine.find((q) => q.reason === 'LINE_TOO_LARGE')!.raw!.length).toBeLessThanOrEqual(65_536);
    expect(progress.at(-1)).toBeGreaterThan(5000);
  });
});

describe('ingestFiles on generated native files', () => {
  it('reads a Debezium topic dump as events and HubSpot recorded deliveries as deliveries, without being told which', async () => {
    const { generate } = await import('../../src/generator/generate.js');
    const dir = mkdtempSync(join(tmpdir(), 'verity-ingest-files-'));
    try {
      await generate({ out: dir, seed: 3, accounts: 5, contacts: 20, days: 3, formats: ['debezium', 'hubspot'], defectRate: 0 });
      const t = join(dir, 'tenants', 't01');
      const lake = createFakeLake();
      const dbz = await ingestFiles({ paths: [join(t, 'debezium', 'events.ndjson')], source: createSource('debezium'), target: lake, tenant_id: 't01', secret: 'whsec_c2VjcmV0' });
      expect(dbz.quarantined).toBe(0);
      expect(dbz.accepted).toBeGreaterThan(0);
      const hub = await ingestFiles({ paths: [join(t, 'hubspot', 'deliveries.ndjson')], source: createSource('hubspot'), target: lake, tenant_id: 't01', secret: 'verity-demo-secret' });
      expect(hub.quarantined).toBe(0);
      expect(hub.accepted).toBeGreaterThan(0);
      const forged = await ingestFiles({ paths: [join(t, 'hubspot', 'deliveries.ndjson')], source: createSource('hubspot'), target: createFakeLake(), tenant_id: 't01', secret: 'another-secret' });
      expect(forged.accepted).toBe(0);
      expect(forged.quarantined).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
