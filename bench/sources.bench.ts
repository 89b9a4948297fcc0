// Decode throughput of each source adapter on generated data, next to a loop that only runs
// JSON.parse over the same lines (the peer, measured in the same run). Prints one JSON line.
// Usage: npx tsx bench/sources.bench.ts [--scale N]   (N multiplies the generated contacts)
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../src/generator/generate.js';
import type { Source } from '../src/ingest/source.js';
import { createSource } from '../src/ingest/sources/source-registry.js';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Math.max(1, Number(process.argv[scaleArg + 1]) || 1) : 1;
const dir = mkdtempSync(join(tmpdir(), 'verity-bench-sources-'));
const ctx = { tenant_id: 't01', now: new Date('2026-03-01T00:00:00.000Z') };

function best(run: () => void, rounds = 7): number {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    run();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

async function bestAsync(run: () => Promise<void>, rounds = 5): Promise<number> {
  let min = Infinity;
  for (let i = 0; i < rounds; i++) {
    const t = performance.now();
    await run();
    min = Math.min(min, performance.now() - t);
  }
  return min;
}

try {
  await generate({ out: dir, seed: 5, tenants: 1, contacts: 400 * scale, formats: ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson'] });
  const tenant = join(dir, 'tenants', 't01');
  const lines = (file: string) =>
    readFileSync(join(tenant, file), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
  const figures: Record<string, unknown> = { scale };

  // Line-oriented sources: one decode per batch of 100 lines (how the server sees NDJSON posts).
  const perLine: Array<[string, Source, string, (l: string) => string]> = [
    ['verity', createSource('verity'), 'envelopes/events.ndjson', (l) => l],
    ['salesforce', createSource('salesforce'), 'salesforce/events.ndjson', (l) => l],
    ['debezium', createSource('debezium'), 'debezium/events.ndjson', (l) => l],
    ['hubspot', createSource('hubspot'), 'hubspot/deliveries.ndjson', (l) => (JSON.parse(l) as { body: string }).body],
  ];
  for (const [name, source, file, body] of perLine) {
    const texts = lines(file).map(body);
    const batches: Buffer[] = [];
    // HubSpot bodies are whole arrays: one delivery each; the others are batched by 100 lines.
    if (name === 'hubspot') for (const t of texts) batches.push(Buffer.from(t));
    else for (let i = 0; i < texts.length; i += 100) batches.push(Buffer.from(texts.slice(i, i + 100).join('\n')));
    let events = 0;
    for (const b of batches) events += source.decode({ body: b, headers: {} }, ctx).envelopes.length;
    const peer = best(() => {
      for (const t of texts) JSON.parse(t);
    });
    const ours = best(() => {
      for (const b of batches) source.decode({ body: b, headers: {} }, ctx);
    });
    figures[name] = { events, events_per_s: Math.round((events / ours) * 1000), json_parse_ms: +peer.toFixed(1), decode_ms: +ours.toFixed(1), ratio_to_json_parse: +(peer / ours).toFixed(2) };
  }

  // The NDJSON file source, streamed from disk.
  const file = join(tenant, 'files', 'activity.ndjson');
  const rows = lines('files/activity.ndjson');
  const ndjson = createSource('ndjson', { entity: 'activity' });
  const peer = best(() => {
    for (const r of rows) JSON.parse(r);
  });
  const ours = await bestAsync(async () => {
    for await (const _ of ndjson.decodeStream!(file, ctx));
  });
  figures.ndjson_file = { events: rows.length, events_per_s: Math.round((rows.length / ours) * 1000), json_parse_ms: +peer.toFixed(1), decode_ms: +ours.toFixed(1), ratio_to_json_parse: +(peer / ours).toFixed(2) };
  console.log(JSON.stringify({ bench: 'sources', ...figures }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
