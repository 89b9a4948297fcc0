import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openLake } from '../../src/lake/lake.js';
import { createRetrievalFrameBuilder, lakeProvenance } from '../../src/snapshots/lake-provenance.js';
import { createSnapshot } from '../../src/snapshots/create-snapshot.js';
import { verifySnapshot } from '../../src/snapshots/verify-snapshot.js';
import { testSigner } from '../conformance/audit-log.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from '../lake/helpers.js';

afterEach(cleanup);

it('names the compacted lake files a snapshot read, with hashes that match the files, and verifies', async () => {
  const dir = tempDir();
  const lakeDir = join(dir, 'lake');
  const lake = await openLake({ dir: lakeDir, contracts: testResolver(), clock: fixedClock() });
  await lake.ingest([lead(1), lead(2), lead(3), lead(4, { tenant_id: 't02' })]);
  await lake.compact();
  const lastSeq = lake.lastSeq();
  await lake.close();

  const p = await lakeProvenance(lakeDir, { tenant: 't01', entities: ['lead'], lastSeq });
  expect(p.filesRead.length).toBeGreaterThan(0);
  expect(p.filesRead.reduce((a, f) => a + f.rows, 0)).toBe(3);
  for (const f of p.filesRead) expect(createHash('sha256').update(readFileSync(join(lakeDir, f.path))).digest('hex')).toBe(f.sha256);
  expect(p.lakePositions.lastSeq).toBe(lastSeq);

  const builder = createRetrievalFrameBuilder({
    lakeDir,
    tenant: 't01',
    entities: () => ['lead'],
    contracts: () => [{ entity: 'lead', version: '1.0.0' }],
    retrieve: async (frame) => ({
      rows: frame.map((r) => ({ ...r, lead_status__status: 'new' })),
      featureColumns: [{ view: 'lead_status', viewVersion: 'sha256:abc', feature: 'status', column: 'lead_status__status' }],
      parameters: { knowledge: 'as-known' },
    }),
  });
  const signer = testSigner();
  const s = await createSnapshot({ name: 'leads', frame: [{ lead_id: 'lead_1', timestamp: '2026-03-05T00:00:00.000Z', label: 1 }], views: ['lead_status'], builder, signer, dir: join(dir, 'snapshots') });
  expect(s.manifest.feature_views).toEqual([{ name: 'lead_status', version: 'sha256:abc' }]);
  expect(s.manifest.lake.files_read).toEqual(p.filesRead);
  expect(s.manifest.retrieval).toEqual({ tenant: 't01', knowledge: 'as-known' });
  expect((await verifySnapshot(s.path, signer)).valid).toBe(true);
});
