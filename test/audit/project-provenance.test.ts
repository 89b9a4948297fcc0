import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { openProjectProvenance } from '../../src/audit/project-provenance.js';
import { loadConfig } from '../../src/config/config.js';
import { verifyTreeHead } from '../../src/audit/tree-head.js';
import { fact } from '../conformance/audit-log.js';
import { tempProject } from '../cli/provenance-cli.js';

it('opens a project signer, audit log and lineage emitter in one call, creating the key when asked', async () => {
  const p = tempProject();
  const loaded = loadConfig({ cwd: p.dir });
  const unsigned = await openProjectProvenance(loaded);
  expect(unsigned.signer).toBeUndefined();
  await unsigned.close();
  const prov = await openProjectProvenance(loaded, { generateKey: true });
  expect(existsSync(join(p.dir, '.verity/keys/signing.key.pem'))).toBe(true);
  const { head } = await prov.audit.append([fact(0)]);
  expect(verifyTreeHead(head, prov.signer).valid).toBe(true);
  const id = await prov.lineage.start({ job: 'demo' });
  expect(id).toMatch(/-7/);
  expect(existsSync(join(p.dir, '.verity/lineage/events.ndjson'))).toBe(true);
  await prov.close();
  await prov.close();
});

it('runs a snapshot on the services the caller holds (one audit writer per process), as the demo does', async () => {
  const { createProjectSnapshot, verifyProjectSnapshot } = await import('../../src/snapshots/project-snapshots.js');
  const { createTestFrameBuilder, FRAME_CSV } = await import('../snapshots/test-frame-builder.js');
  const { writeFileSync } = await import('node:fs');
  const p = tempProject();
  writeFileSync(join(p.dir, 'labels.csv'), FRAME_CSV);
  const loaded = loadConfig({ cwd: p.dir });
  const prov = await openProjectProvenance(loaded, { generateKey: true });
  const s = await createProjectSnapshot(loaded, { name: 'demo', frame: join(p.dir, 'labels.csv'), views: ['engagement'], purpose: 'model_training', signer: prov.signer!, audit: prov.audit, lineage: prov.lineage, builder: createTestFrameBuilder() });
  expect((await verifyProjectSnapshot(loaded, s.id)).valid).toBe(true);
  const head = await prov.audit.head();
  expect(head.tree_size).toBe(1);
  expect((await prov.audit.entry(0)).data).toMatchObject({ id: s.id });
  await prov.close();
  const cli = await p.run('audit', 'head');
  expect(cli.out).toContain(head.root_hash);
});
