/**
 * Bulk NDJSON ingest into the lake (parse + dedupe + validate + durable append with group
 * commit) vs a loop that only runs JSON.parse over the same lines, in the same run.
 * Prints one JSON line. `--scale N` multiplies the 200k events of the default size.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLake } from '../src/lake/lake.js';
import type { Envelope } from '../src/envelope.js';
import { benchResolver, makeEnvelopeLines, scaleArg } from './bench-data.js';

const scale = scaleArg();
const count = Math.round(200_000 * scale);
const BATCH = 5_000;
const IN_FLIGHT = 4;
const lines = makeEnvelopeLines(count, 7);
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

function parseOnly(): number {
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { event_id: string }).event_id.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (sink === 0) throw new Error('unreachable');
  return seconds;
}

async function ingest(dir: string): Promise<{ seconds: number; accepted: number; duplicates: number; quarantined: number }> {
  const lake = await openLake({ dir, contracts: benchResolver() });
  const t0 = process.hrtime.bigint();
  const inFlight = new Set<Promise<void>>();
  const totals = { accepted: 0, duplicates: 0, quarantined: 0 };
  for (let i = 0; i < lines.length; i += BATCH) {
    const chunk = lines.slice(i, i + BATCH);
    const envelopes = new Array<Envelope>(chunk.length);
    for (let j = 0; j < chunk.length; j++) envelopes[j] = JSON.parse(chunk[j]!) as Envelope;
    const p = lake.ingest(envelopes, { source: 'ndjson', originals: chunk }).then((r) => {
      totals.accepted += r.accepted;
      totals.duplicates += r.duplicates;
      totals.quarantined += r.quarantined;
    });
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await lake.close();
  return { seconds, ...totals };
}

const dir = mkdtempSync(join(tmpdir(), 'verity-bench-ingest-'));
try {
  parseOnly(); // warm-up
  const parseSeconds = Math.min(parseOnly(), parseOnly());
  const run = await ingest(join(dir, 'lake'));
  const ours = count / run.seconds;
  const peer = count / parseSeconds;
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      bench: 'ingest-bulk',
      events: count,
      mb: +(bytes / 1e6).toFixed(1),
      lake_events_per_s: Math.round(ours),
      json_parse_events_per_s: Math.round(peer),
      ratio: +(ours / peer).toFixed(3),
      target_ratio: 0.6,
      accepted: run.accepted,
      duplicates: run.duplicates,
      quarantined: run.quarantined,
      batch: BATCH,
      in_flight: IN_FLIGHT,
      heap_mb: Math.round(mem.heapUsed / 1e6),
      node: process.version,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
