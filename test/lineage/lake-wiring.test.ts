import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createFileAuditLog } from '../../src/audit/file-audit-log.js';
import { openLake } from '../../src/lake/lake.js';
import { createOpenLineageEmitter, readLineageEvents } from '../../src/lineage/openlineage-emitter.js';
import { describeWithFixtures } from '../helpers/fixtures.js';
import { testSigner } from '../conformance/audit-log.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from '../lake/helpers.js';
import { createOpenLineageValidator } from './openlineage-schema.js';

afterEach(cleanup);

describeWithFixtures('openlineage', 'the lake wired to the audit log and the lineage emitter', () => {
  it('records ingest batches and quarantine replays in a verifiable audit log and emits valid lineage', async () => {
    const dir = tempDir();
    const signer = testSigner();
    const audit = createFileAuditLog({ dir: join(dir, 'audit'), signer });
    const file = join(dir, 'lineage.ndjson');
    const lineage = createOpenLineageEmitter({ file });
    const lake = await openLake({ dir: join(dir, 'lake'), contracts: testResolver(), audit, lineage, clock: fixedClock() });
    await lake.ingest([lead(1), lead(2), lead(3, { email: 'not-an-email' })], { source: 'debezium' });
    await lake.ingest([lead(4)], { source: 'debezium' });
    await lake.compact();
    await lake.close();
    const v = await audit.verify();
    expect(v).toMatchObject({ valid: true, entries: 2 });
    expect((await audit.entry(0)).type).toBe('ingest.batch');
    await audit.close();
    const validate = createOpenLineageValidator();
    const events = readLineageEvents(file);
    expect(events.length).toBeGreaterThanOrEqual(4);
    for (const e of events) expect(validate(e)).toEqual([]);
  });
});
