import { createServer, type IncomingMessage } from 'node:http';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createOpenLineageEmitter, readLineageEvents } from '../../src/lineage/openlineage-emitter.js';
import { hubspotDataset, postgresDataset, salesforceDataset, fileDataset, zoneDataset, featureViewDataset, zoneNameOfPath } from '../../src/lineage/dataset-names.js';
import { columnLineageFacet, dataQualityMetricsFacet, dataSourceFacet, schemaFacet } from '../../src/lineage/openlineage-facets.js';
import { uuidV7 } from '../../src/lineage/uuid-v7.js';
import { createSnapshot } from '../../src/snapshots/create-snapshot.js';
import { describeWithFixtures, readFixtureJson } from '../helpers/fixtures.js';
import { testSigner } from '../conformance/audit-log.js';
import { createTestFrameBuilder, FRAME_CSV } from '../snapshots/test-frame-builder.js';
import { createOpenLineageValidator } from './openlineage-schema.js';
import { writeFileSync } from 'node:fs';

const clock = () => new Date('2026-03-10T09:00:00.000Z');
const tmp = () => mkdtempSync(join(tmpdir(), 'verity-lineage-'));

function ingestRun(lake: string) {
  return {
    job: 'ingest.batch',
    inputs: [{ ...hubspotDataset(12345, 'contacts'), facets: { dataSource: dataSourceFacet('hubspot', 'hubspot://portal-12345'), dataQualityMetrics: dataQualityMetricsFacet({ rowCount: 500, columnMetrics: { email: { nullCount: 3 } } }) } }],
    outputs: [
      { ...zoneDataset(lake, 'raw', 't01', 'contact'), facets: { schema: schemaFacet([{ name: 'event_id', type: 'VARCHAR' }, { name: 'payload', type: 'VARCHAR' }]) } },
      { ...zoneDataset(lake, 'quarantine', 't01', 'contact') },
    ],
  };
}

describeWithFixtures('openlineage', 'OpenLineage events', () => {
  const validate = createOpenLineageValidator();

  it('the validator accepts the upstream full example and rejects a broken event', () => {
    expect(validate(readFixtureJson('openlineage', 'spec', 'tests', 'example_full_event.json')).filter((e) => !e.includes('unknown _schemaURL'))).toEqual([]);
    expect(validate({ eventType: 'START', run: { runId: 'x' } }).length).toBeGreaterThan(0);
    expect(validate({ eventType: 'START', eventTime: 'x', run: { runId: uuidV7() }, job: { namespace: 'a', name: 'b', facets: { schema: { ...schemaFacet([]), fields: 'no' } } }, producer: 'https://x', schemaURL: 'https://x' }).length).toBeGreaterThan(0);
  });

  it('emits START/COMPLETE/FAIL events that validate against the official schemas, facets included', async () => {
    const dir = tmp();
    const lake = join(dir, '.verity');
    const file = join(dir, 'lineage/events.ndjson');
    const lineage = createOpenLineageEmitter({ file, clock });
    const run = ingestRun(lake);
    const id = await lineage.start({ job: run.job, inputs: run.inputs });
    await lineage.complete(id, run);
    const id2 = await lineage.start({ job: 'features.materialize' });
    await lineage.fail(id2, { job: 'features.materialize', outputs: [{ ...featureViewDataset(lake, 'engagement'), facets: { columnLineage: columnLineageFacet({ count_30d: { inputFields: [{ ...zoneDataset(lake, 'staging', 't01', 'activity'), field: 'activity_id' }], transformationDescription: 'count over 30 days' } }) } }] }, new Error('disk full'));
    const events = readLineageEvents(file);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE', 'START', 'FAIL']);
    expect(events[0]!.run.runId).toBe(events[1]!.run.runId);
    expect(events[0]!.run.runId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(events[1]!.inputs[0]).toMatchObject({ namespace: 'hubspot://portal-12345', name: 'contacts', inputFacets: { dataQualityMetrics: { rowCount: 500 } } });
    expect(events[1]!.outputs[0]!.name).toBe('raw.t01.contact');
    expect(events[3]!.run.facets!.errorMessage).toMatchObject({ message: 'disk full' });
    for (const e of events) expect(validate(e)).toEqual([]);
  });

  it('snapshot runs emit valid events with schema, version, statistics and column lineage', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'labels.csv'), FRAME_CSV);
    const file = join(dir, 'events.ndjson');
    const lineage = createOpenLineageEmitter({ file, clock });
    const s = await createSnapshot({ name: 'leads', frame: join(dir, 'labels.csv'), views: ['engagement'], builder: createTestFrameBuilder(), signer: testSigner(), dir: join(dir, 'snapshots'), lineage, clock });
    const events = readLineageEvents(file);
    expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
    const out = events[1]!.outputs[0]!;
    expect(out.name).toBe('snapshots.leads');
    expect(out.facets!.version).toMatchObject({ datasetVersion: s.id });
    expect(Object.keys((out.facets!.columnLineage as any).fields)).toEqual(['engagement__count_30d', 'engagement__score']);
    expect(events[1]!.inputs.map((i) => i.name)).toEqual(['raw.t01.contact', 'raw.t01.activity', 'features.engagement']);
    for (const e of events) expect(validate(e)).toEqual([]);
    expect(readFileSync(file, 'utf8')).not.toContain('PRIVATE KEY');
  });
});

describe('OpenLineage HTTP transport', () => {
  async function server(statuses: number[]) {
    const received: Array<{ url: string; body: any; type: string | undefined }> = [];
    const srv = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ url: req.url ?? '', body: JSON.parse(body), type: req.headers['content-type'] });
        res.statusCode = statuses.shift() ?? 201;
        res.end();
      });
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const port = (srv.address() as { port: number }).port;
    return { url: `http://127.0.0.1:${port}`, received, close: () => new Promise<void>((r) => srv.close(() => r())) };
  }

  it('POSTs each event to {url}/api/v1/lineage as Marquez expects', async () => {
    const s = await server([]);
    const dir = tmp();
    const lineage = createOpenLineageEmitter({ file: join(dir, 'e.ndjson'), url: s.url + '/', clock, log: () => undefined });
    const id = await lineage.start({ job: 'lake.compaction' });
    await lineage.complete(id, { job: 'lake.compaction' });
    await s.close();
    expect(s.received.map((r) => [r.url, r.body.eventType, r.type])).toEqual([
      ['/api/v1/lineage', 'START', 'application/json'],
      ['/api/v1/lineage', 'COMPLETE', 'application/json'],
    ]);
    expect(lineage.pending()).toBe(0);
  });

  it('never fails the job when the endpoint fails: logs, keeps the event in the file and re-sends it later', async () => {
    const s = await server([500]);
    const dir = tmp();
    const logs: string[] = [];
    const file = join(dir, 'e.ndjson');
    const lineage = createOpenLineageEmitter({ file, url: s.url, clock, log: (m) => logs.push(m) });
    const id = await lineage.start({ job: 'staging.build' });
    expect(lineage.pending()).toBe(1);
    expect(existsSync(file + '.pending.ndjson')).toBe(true);
    expect(logs[0]).toMatch(/HTTP 500/);
    await lineage.complete(id, { job: 'staging.build' });
    expect(lineage.pending()).toBe(0);
    expect(s.received.map((r) => r.body.eventType)).toEqual(['START', 'START', 'COMPLETE']);
    expect(readLineageEvents(file)).toHaveLength(2);
    await s.close();

    const down = createOpenLineageEmitter({ file, url: 'http://127.0.0.1:1', clock, log: (m) => logs.push(m), timeoutMs: 500 });
    await expect(down.start({ job: 'x' })).resolves.toMatch(/-7/);
    expect(down.pending()).toBe(1);
    expect(await down.flush()).toBe(1);
    // A new emitter picks up what is still pending.
    const s2 = await server([]);
    const later = createOpenLineageEmitter({ file, url: s2.url, clock, log: () => undefined });
    expect(later.pending()).toBe(1);
    expect(await later.flush()).toBe(0);
    expect(s2.received).toHaveLength(1);
    await s2.close();
  });
});

describe('dataset naming', () => {
  it('names CRM sources, databases, files and lake zones consistently', () => {
    expect(hubspotDataset(42, 'contacts')).toEqual({ namespace: 'hubspot://portal-42', name: 'contacts' });
    expect(salesforceDataset('https://acme.my.salesforce.com/', 'Account')).toEqual({ namespace: 'salesforce://acme.my.salesforce.com', name: 'Account' });
    expect(postgresDataset('db', 5432, 'crm', 'public', 'leads')).toEqual({ namespace: 'postgres://db:5432', name: 'crm.public.leads' });
    expect(fileDataset('/data/activity.csv')).toEqual({ namespace: 'file', name: '/data/activity.csv' });
    expect(zoneDataset('/p/.verity', 'raw', 't01', 'lead')).toEqual({ namespace: 'verity:///p/.verity', name: 'raw.t01.lead' });
    expect(zoneNameOfPath('raw/tenant=t01/entity=lead/date=2026-03-01/part-0.parquet')).toBe('raw.t01.lead');
  });
});
