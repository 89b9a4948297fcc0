import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/config.js';
import { initProject } from '../../src/project/init.js';
import { createFeatureServing } from '../../src/server/feature-serving.js';
import { startServer } from '../../src/server/start-server.js';
import { createFakeEnvelopeSource, envelope } from './fakes.js';
import { useTempDirs } from '../helpers/temp-dirs.js';

const tmp = useTempDirs('verity-feature-serving-');

describe('feature serving in verity serve', () => {
  it('is absent when the project has no feature views', async () => {
    const d = tmp();
    writeFileSync(join(d, 'verity.config.yaml'), 'tenant: t01\n');
    expect(await createFeatureServing(loadConfig({ cwd: d }))).toBeUndefined();
  });

  it("serves the init template's views and updates them from ingest before the 202", async () => {
    const d = tmp();
    initProject(d);
    writeFileSync(join(d, 'verity.config.yaml'), 'tenant: t01\n');
    const loaded = loadConfig({ cwd: d });
    const features = (await createFeatureServing(loaded))!;
    const started = await startServer({ config: loaded, port: 0, sources: [createFakeEnvelopeSource()], plugins: features.plugins, wrapLake: features.wrapLake });
    try {
      const post = (url: string, body: unknown) => fetch(`${started.url}${url}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const at = new Date(Date.now() - 60_000).toISOString();
      expect((await post('/v1/events', [envelope(1, { event_time: at, payload: { contact_id: 'con_1', email: 'a@example.com', lead_score: 64, lifecycle_stage: 'lead' } })])).status).toBe(202);
      const res = await post('/v1/features/online', { view: 'contact_engagement', entities: [{ contact_id: 'con_1' }] });
      const body = (await res.json()) as { rows: Array<{ features: Record<string, { value: unknown; status: string }> }> };
      expect(body.rows[0]!.features.lead_score).toMatchObject({ value: 64, status: 'OK' });
      expect(body.rows[0]!.features.lifecycle_stage).toMatchObject({ value: 'lead', status: 'OK' });
    } finally {
      await started.close();
      await features.close();
    }
  });
});
