import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/main.js';
import { signHubSpotV3 } from '../../src/ingest/sources/hubspot-signature.js';
import { openLake } from '../../src/lake/lake.js';
import { capture } from '../helpers/cli.js';


const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const SECRET = 'verity-demo-secret';
const URL_ = 'http://127.0.0.1:8787/v1/webhooks/hubspot?tenant=t01';

/** A recorded delivery line as the generator writes it, signed at an old timestamp. */
function delivery(i: number, secret = SECRET): string {
  const ts = String(1772366400000 + i * 1000);
  const body = JSON.stringify([
    { eventId: i, subscriptionId: 9, portalId: 1, occurredAt: Number(ts) - 500, subscriptionType: 'contact.propertyChange', objectId: 500 + i, propertyName: 'email', propertyValue: `u${i}@example.com` },
  ]);
  const headers = { 'Content-Type': 'application/json', 'X-HubSpot-Request-Timestamp': ts, 'X-HubSpot-Signature-v3': signHubSpotV3(secret, 'POST', URL_, body, ts) };
  return JSON.stringify({ method: 'POST', url: URL_, headers, body });
}

function project(): string {
  const d = mkdtempSync(join(tmpdir(), 'verity-ingest-cli-'));
  dirs.push(d);
  writeFileSync(join(d, 'verity.config.yaml'), `tenant: t01\nsecrets:\n  hubspot: ${SECRET}\n`);
  mkdirSync(join(d, 'data'));
  return d;
}

describe('verity ingest', () => {
  it('verifies recorded HubSpot deliveries, ingests them, quarantines a forged one and reports counts by reason', async () => {
    const d = project();
    const file = join(d, 'data', 'deliveries.ndjson');
    writeFileSync(file, [delivery(1), delivery(2), delivery(3, 'forged'), delivery(1), 'not json'].join('\n') + '\n');
    const c = capture();
    expect(await runCli(['--json', '-c', join(d, 'verity.config.yaml'), 'ingest', file, '--source', 'hubspot'], c.io)).toBe(0);
    const report = JSON.parse(c.out());
    expect(report).toMatchObject({ files: 1, lines: 5, accepted: 2, duplicates: 1, quarantined: 2, byReason: { 'undecodable:SIGNATURE_INVALID': 1, 'undecodable:MALFORMED_INPUT': 1 } });
    const lake = await openLake({ dir: join(d, '.verity'), readOnly: true });
    try {
      expect((await lake.stats()).totals).toMatchObject({ raw: 2, quarantine: 2 });
    } finally {
      await lake.close();
    }
  });

  it('skips verification with --no-verify and is idempotent when run twice', async () => {
    const d = project();
    const file = join(d, 'data', 'deliveries.ndjson');
    writeFileSync(file, [delivery(1, 'other'), delivery(2, 'other')].join('\n'));
    const c = capture();
    expect(await runCli(['--json', '-c', join(d, 'verity.config.yaml'), 'ingest', join(d, 'data'), '--source', 'hubspot', '--no-verify'], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ accepted: 2, quarantined: 0 });
    const c2 = capture();
    expect(await runCli(['--json', '-c', join(d, 'verity.config.yaml'), 'ingest', file, '--source', 'hubspot', '--no-verify'], c2.io)).toBe(0);
    expect(JSON.parse(c2.out())).toMatchObject({ accepted: 0, duplicates: 2 });
  });

  it('fails with a usage error for an unknown source and NOT_FOUND for a missing path', async () => {
    const d = project();
    const c = capture();
    expect(await runCli(['-c', join(d, 'verity.config.yaml'), 'ingest', d, '--source', 'nope'], c.io)).toBe(2);
    expect(c.err()).toMatch(/Unknown --source "nope"/);
    const c2 = capture();
    expect(await runCli(['-c', join(d, 'verity.config.yaml'), 'ingest', join(d, 'missing.ndjson'), '--source', 'hubspot'], c2.io)).toBe(66);
    expect(c2.err()).toMatch(/missing\.ndjson/);
  });
});

describe('verity ingest of files and envelopes', () => {
  it('streams an NDJSON export with --entity, and envelopes with --source envelopes', async () => {
    const d = project();
    const rows = [1, 2, 3].map((i) => JSON.stringify({ activity_id: `act_${i}`, type: 'call', occurred_at: '2026-03-01T10:00:00.000Z' }));
    writeFileSync(join(d, 'data', 'activity.ndjson'), rows.join('\n') + '\n{broken\n');
    const c = capture();
    expect(await runCli(['--json', '-c', join(d, 'verity.config.yaml'), 'ingest', join(d, 'data', 'activity.ndjson'), '--source', 'ndjson', '--entity', 'activity'], c.io)).toBe(0);
    expect(JSON.parse(c.out())).toMatchObject({ files: 1, lines: 4, accepted: 3, quarantined: 1 });
    const env = { event_id: 'e-1', tenant_id: 't01', entity: 'lead', entity_key: { lead_id: 'lead_1' }, op: 'upsert', event_time: '2026-03-01T10:00:00.000Z', source: { system: 'verity', connector: 'test', position: '1' }, payload: { lead_id: 'lead_1', email: 'a@example.com' } };
    writeFileSync(join(d, 'envelopes.ndjson'), JSON.stringify(env) + '\n' + JSON.stringify(env) + '\n');
    const c2 = capture();
    expect(await runCli(['--json', '-c', join(d, 'verity.config.yaml'), 'ingest', join(d, 'envelopes.ndjson'), '--source', 'envelopes'], c2.io)).toBe(0);
    expect(JSON.parse(c2.out())).toMatchObject({ lines: 2, accepted: 1, duplicates: 1 });
  });

  it('asks for --entity when a file source needs one', async () => {
    const d = project();
    const c = capture();
    expect(await runCli(['-c', join(d, 'verity.config.yaml'), 'ingest', join(d, 'data'), '--source', 'csv'], c.io)).toBe(2);
    expect(c.err()).toMatch(/--entity/);
  });
});
