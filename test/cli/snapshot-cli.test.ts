import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOpenLineageEmitter } from '../../src/lineage/openlineage-emitter.js';
import { hubspotDataset, zoneDataset, featureViewDataset } from '../../src/lineage/dataset-names.js';
import { registerTrainingFrameBuilder, type TrainingFrameBuilderFactory } from '../../src/snapshots/frame-builder-registry.js';
import { createTestFrameBuilder, FRAME_CSV } from '../snapshots/test-frame-builder.js';
import { tempProject } from './provenance-cli.js';

let previous: TrainingFrameBuilderFactory | undefined;
beforeAll(() => {
  previous = registerTrainingFrameBuilder(() => createTestFrameBuilder());
});
afterAll(() => {
  registerTrainingFrameBuilder(previous);
});

describe('verity snapshot and lineage commands', () => {
  it('creates, lists, shows and verifies a snapshot, records it in the audit log, and traces it back to its sources', async () => {
    const p = tempProject();
    writeFileSync(join(p.dir, 'labels.csv'), FRAME_CSV);
    expect((await p.run('snapshot', 'create', '--name', 'leads', '--frame', join(p.dir, 'labels.csv'), '--views', 'engagement')).err).toMatch(/verity keys generate/);
    await p.run('keys', 'generate');
    // Upstream jobs report lineage as the lake and features modules will.
    const lake = join(p.dir, '.verity');
    const lineage = createOpenLineageEmitter({ file: join(p.dir, '.verity/lineage/events.ndjson') });
    for (const [job, inputs, outputs] of [
      ['ingest.batch', [hubspotDataset(42, 'contacts')], [zoneDataset(lake, 'raw', 't01', 'contact')]],
      ['staging.build', [zoneDataset(lake, 'raw', 't01', 'contact')], [zoneDataset(lake, 'staging', 't01', 'contact')]],
      ['features.materialize', [zoneDataset(lake, 'staging', 't01', 'contact')], [featureViewDataset(lake, 'engagement')]],
    ] as const) {
      const id = await lineage.start({ job });
      await lineage.complete(id, { job, inputs: [...inputs], outputs: [...outputs] });
    }

    const created = await p.run('--json', 'snapshot', 'create', '--name', 'leads', '--frame', join(p.dir, 'labels.csv'), '--views', 'engagement', '--purpose', 'model_training');
    expect(created.code).toBe(0);
    const c = JSON.parse(created.out);
    expect(c).toMatchObject({ name: 'leads', version: 1, rows: 3 });
    expect((await p.run('snapshot', 'list')).out).toMatch(/leads@v1 +sha256:/);
    const shown = JSON.parse((await p.run('--json', 'snapshot', 'show', c.id.slice(7, 20))).out);
    expect(shown.snapshot.id).toBe(c.id);
    const ok = await p.run('snapshot', 'verify', 'leads');
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/Snapshot leads@v1 OK: signature valid/);
    expect((await p.run('snapshot', 'verify', 'leads', '--public-key', join(p.dir, '.verity/keys/signing.pub.pem'))).code).toBe(0);

    const audit = await p.run('--json', 'audit', 'export');
    expect(JSON.parse(audit.out).text).toContain('"type":"snapshot.created"');
    expect((await p.run('audit', 'verify')).code).toBe(0);

    const trace = JSON.parse((await p.run('--json', 'lineage', 'trace', c.id)).out);
    expect(trace.contracts).toContainEqual({ entity: 'contact', version: '1.0.0' });
    expect(trace.files_read.map((f: any) => f.path)).toContain('raw/tenant=t01/entity=contact/date=2026-03-01/part-0.parquet');
    expect(trace.nodes.map((n: any) => n.name)).toEqual(expect.arrayContaining(['snapshots.leads', 'features.engagement', 'staging.t01.contact', 'raw.t01.contact', 'contacts']));
    expect(trace.sources).toContain('hubspot://portal-42/contacts');
    const human = await p.run('lineage', 'trace', 'leads');
    expect(human.out).toMatch(/contacts \[hubspot:\/\/portal-42\] \(source\)/);

    const data = join(c.path, 'data/part-0000.parquet');
    chmodSync(join(c.path, 'data'), 0o755);
    chmodSync(data, 0o644);
    const bytes = readFileSync(data);
    bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 1;
    writeFileSync(data, bytes);
    const bad = await p.run('snapshot', 'verify', 'leads@1');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/data\/part-0000.parquet: sha256 is [0-9a-f]{64}, expected [0-9a-f]{64}/);
    expect((await p.run('snapshot', 'verify', 'nope')).code).toBe(66);
  });
});
