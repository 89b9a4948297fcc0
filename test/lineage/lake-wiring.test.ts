import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createFileAuditLog } from '../../src/audit/file-audit-log.js';
import { openLake } from '../../src/lake/lake.js';
import { createOpenLineageEmitter, readLineageEvents } from '../../src/lineage/openlineage-emitter.js';
import { describeWithFixtures } from '../helpers/fixtures.js';
import { testSigner } from '../conformance/audit-log.js';
import { cleanup, fixedClock, lead, tempDir, testResolver } from '../lake/helpers.js';
import { createOpenLineageValidator } from './openlineage-schema.js';
import { featureViewDataset, lakeNamespace, snapshotDataset } from '../../src/lineage/dataset-names.js';
import { traceSnapshot } from '../../src/lineage/trace-snapshot.js';
import type { SnapshotManifest } from '../../src/snapshots/snapshot-manifest.js';
import { defineFeatureView, lastValue } from '../../src/features/feature-view.js';
import { createMaterializer } from '../../src/features/materializer.js';
import { withMaterialization } from '../../src/features/materialize-on-ingest.js';
import { createMemoryOnlineStore } from '../../src/features/online-stores/memory-online-store.js';

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
    // Named as docs/provenance.md says: the source as the envelope names it, zones per tenant and entity.
    const ns = lakeNamespace(join(dir, 'lake'));
    const ingest = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'ingest.batch')!;
    expect(ingest.inputs.map((d) => `${d.namespace}/${d.name}`)).toEqual(['debezium://crm/lead']);
    expect(ingest.outputs.map((d) => `${d.namespace}/${d.name}`)).toEqual([`${ns}/raw.t01.lead`, `${ns}/quarantine.t01.lead`]);
    expect(ingest.outputs[0]!.outputFacets?.outputStatistics).toMatchObject({ rowCount: 2 });
    const compaction = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'lake.compaction')!;
    expect(compaction.outputs.map((d) => d.name).sort()).toEqual(['quarantine.t01.lead', 'raw.t01.lead']);
  });

  it('staging builds and materializations report runs with schema and column lineage, and a trace walks back to the source', async () => {
    const dir = tempDir();
    const file = join(dir, 'lineage.ndjson');
    const lineage = createOpenLineageEmitter({ file });
    const lakeDir = join(dir, 'lake');
    const lake = await openLake({ dir: lakeDir, contracts: testResolver(), lineage, clock: fixedClock() });
    await lake.ingest([lead(1), lead(2, { status: 'contacted' })], { source: 'debezium' });
    const view = defineFeatureView({ name: 'lead_status', entity: 'lead', keys: ['lead_id'], features: { status: lastValue('status', { type: 'string' }), score: lastValue('score', { type: 'number' }) } });
    const store = createMemoryOnlineStore();
    const report = await createMaterializer({ lakeDir, source: lake, store, views: [view], lineage }).materialize();
    expect(report.views[0]!.keys).toBe(2);
    await store.close();
    await lake.close();
    const validate = createOpenLineageValidator();
    const events = readLineageEvents(file);
    for (const e of events) expect(validate(e)).toEqual([]);
    const ns = lakeNamespace(lakeDir);
    const staging = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'staging.build')!;
    expect(staging.inputs.map((d) => d.name)).toEqual(['raw.t01.lead']);
    expect(staging.outputs.map((d) => d.name)).toEqual(['staging.t01.lead']);
    const stagingColumns = (staging.outputs[0]!.facets?.columnLineage as { fields: Record<string, { inputFields: Array<{ name: string; field: string }> }> }).fields;
    expect(stagingColumns.valid_from!.inputFields).toEqual([expect.objectContaining({ name: 'raw.t01.lead', field: 'event_time' })]);
    const materialize = events.find((e) => e.eventType === 'COMPLETE' && e.job.name === 'features.materialize')!;
    expect(materialize.outputs[0]).toMatchObject({ namespace: ns, name: 'features.lead_status', facets: { version: { datasetVersion: view.version } } });
    const featureColumns = (materialize.outputs[0]!.facets?.columnLineage as { fields: Record<string, { inputFields: Array<{ name: string; field: string }> }> }).fields;
    expect(featureColumns.status!.inputFields).toEqual([expect.objectContaining({ name: 'staging.t01.lead', field: 'status' })]);
    // A snapshot that read the view: the trace reaches the Debezium source through materialize, staging and ingest.
    const snapshotRun = { eventType: 'COMPLETE', eventTime: '2999-01-01T00:00:00.000Z', job: { namespace: 'verity', name: 'snapshot.create' }, run: { runId: 'r' }, inputs: [featureViewDataset(lakeDir, 'lead_status')], outputs: [{ ...snapshotDataset(lakeDir, 's'), facets: { version: { datasetVersion: 'sha256:x' } } }] };
    const manifest = { snapshot: { name: 's', version: 1, id: 'sha256:x', created_at: '2999-01-01T00:00:00.000Z' }, contracts: [], feature_views: [], lake: { files_read: [] } } as unknown as SnapshotManifest;
    const trace = traceSnapshot(manifest, [...events, snapshotRun as unknown as (typeof events)[number]]);
    expect(trace.nodes.map((n) => n.name)).toEqual(['snapshots.s', 'features.lead_status', 'staging.t01.lead', 'raw.t01.lead', 'lead']);
    expect(trace.sources).toEqual(['debezium://crm/lead']);
  });

  it('the continuous materialization reports one STREAMING run: START, RUNNING with counts, COMPLETE at close', async () => {
    const dir = tempDir();
    const file = join(dir, 'lineage.ndjson');
    const lineage = createOpenLineageEmitter({ file });
    const lakeDir = join(dir, 'lake');
    const lake = await openLake({ dir: lakeDir, contracts: testResolver(), lineage, clock: fixedClock() });
    const view = defineFeatureView({ name: 'lead_status', entity: 'lead', keys: ['lead_id'], features: { status: lastValue('status', { type: 'string' }) } });
    const store = createMemoryOnlineStore();
    const materializer = createMaterializer({ lakeDir, source: lake, store, views: [view], lineage, lineageIntervalMs: 20 });
    const wrapped = withMaterialization(lake, materializer);
    await wrapped.ingest([lead(1)], { source: 'debezium' });
    await wrapped.ingest([lead(2), lead(3, { status: 'contacted' })], { source: 'debezium' });
    const running = () => readLineageEvents(file).filter((e) => e.job.name === 'features.materialize.continuous' && e.eventType === 'RUNNING');
    for (let i = 0; i < 100 && running().length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    await materializer.close();
    await materializer.close();
    await store.close();
    await lake.close();
    const validate = createOpenLineageValidator();
    const events = readLineageEvents(file).filter((e) => e.job.name === 'features.materialize.continuous');
    for (const e of events) expect(validate(e)).toEqual([]);
    expect(events[0]!.eventType).toBe('START');
    expect(events.at(-1)!.eventType).toBe('COMPLETE');
    expect(events.filter((e) => e.eventType === 'START' || e.eventType === 'COMPLETE')).toHaveLength(2);
    expect(new Set(events.map((e) => e.run.runId)).size).toBe(1);
    expect(events.some((e) => e.eventType === 'RUNNING')).toBe(true);
    const complete = events.at(-1)!;
    expect(complete.job.facets?.jobType).toMatchObject({ processingType: 'STREAMING', jobType: 'features.materialize.continuous' });
    expect(complete.run.facets?.verity_materialize_continuous).toMatchObject({ batches: 2, events: 3, cells_applied: expect.any(Number) });
    expect(complete.inputs.map((d) => d.name)).toEqual(['raw.t01.lead']);
    expect(complete.outputs.map((d) => d.name)).toEqual(['features.lead_status']);
  });
});

