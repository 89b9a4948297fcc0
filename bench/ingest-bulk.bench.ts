/**
 * Bulk NDJSON ingest into the lake (parse + dedupe + validate + durable append with group
 * commit) vs a loop that only runs JSON.parse over the same lines, in the same run.
 * Prints one JSON line. `--scale N` multiplies the 200k events of the default size.
 * `--data generated` ingests the generator's own envelopes (with their dirt) and validates them
 * with the compiled starter contracts of `verity init`, instead of synthetic envelopes checked by a
 * small hand-written validator (the default, which isolates the lake's own cost).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFileContractResolver } from '../src/contracts/contract-resolver.js';
import { generate } from '../src/generator/generate.js';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { openLake } from '../src/lake/lake.js';
import type { Envelope } from '../src/envelope.js';
import { benchResolver, makeEnvelopeLines, scaleArg } from './bench-data.js';

const scale = scaleArg();
const dataArg = process.argv.indexOf('--data');
const generatedData = dataArg > 0 && process.argv[dataArg + 1] === 'generated';
const workDir = mkdtempSync(join(tmpdir(), 'verity-bench-ingest-'));
const resolver = generatedData ? createFileContractResolver(fileURLToPath(new URL('../templates/project/contracts', import.meta.url))) : benchResolver();
const lines = generatedData ? await generatedLines(Math.round(200_000 * scale)) : makeEnvelopeLines(Math.round(200_000 * scale), 7);
const count = lines.length;

/** The generator's envelope lines (every tenant), about `target` of them. */
async function generatedLines(target: number): Promise<string[]> {
  const out = join(workDir, 'data');
  // ≈33 events per contact at 30 days with the default rates.
  await generate({ out, seed: 7, accounts: Math.max(10, Math.round(target / 1000)), contacts: Math.max(50, Math.round(target / 33)), days: 30 });
  const all: string[] = [];
  for (const t of readdirSync(join(out, 'tenants'))) {
    const file = join(out, 'tenants', t, 'envelopes', 'events.ndjson');
    for (const line of readFileSync(file, 'utf8').split('\n')) if (line) all.push(line);
  }
  return all;
}
const BATCH = Number(process.env.BENCH_BATCH ?? 5_000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 16);
const bytes = lines.reduce((n, l) => n + Buffer.byteLength(l) + 1, 0);

/** CPU seconds (user + system, every thread of the process) since `start`. */
const cpuSince = (start: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1e6;
};
let parseCpu = Number.POSITIVE_INFINITY;

function parseOnly(): number {
  const c0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let sink = 0;
  for (const line of lines) sink += (JSON.parse(line) as { event_id: string }).event_id.length;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  parseCpu = Math.min(parseCpu, cpuSince(c0));
  if (sink === 0) throw new Error('unreachable');
  return seconds;
}

async function ingest(dir: string): Promise<{ seconds: number; cpu: number; mainThread: number; accepted: number; duplicates: number; quarantined: number }> {
  const lake = await openLake({ dir, contracts: resolver });
  const c0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
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
  const cpu = cpuSince(c0);
  const mainThread = performance.eventLoopUtilization(elu0).active / 1000;
  await lake.close();
  return { seconds, cpu, mainThread, ...totals };
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Reopens the lake (rebuilding its index from the log) and measures the time and the heap the index takes. */
async function reopen(dir: string): Promise<{ seconds: number; bytesPerEvent: number }> {
  gc();
  const before = process.memoryUsage().heapUsed;
  const t0 = process.hrtime.bigint();
  const lake = await openLake({ dir, contracts: resolver });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  gc();
  const after = process.memoryUsage().heapUsed;
  await lake.close();
  return { seconds, bytesPerEvent: (after - before) / count };
}

const dir = workDir;
try {
  parseOnly(); // warm-up
  const parseSeconds = Math.min(parseOnly(), parseOnly());
  const run = await ingest(join(dir, 'lake'));
  const recovery = await reopen(join(dir, 'lake'));
  const ours = count / run.seconds;
  const peer = count / parseSeconds;
  const mem = process.memoryUsage();
  console.log(
    JSON.stringify({
      bench: 'ingest-bulk',
      data: generatedData ? 'generator envelopes, starter contracts' : 'synthetic envelopes, hand-written validator',
      events: count,
      mb: +(bytes / 1e6).toFixed(1),
      lake_events_per_s: Math.round(ours),
      json_parse_events_per_s: Math.round(peer),
      ratio: +(ours / peer).toFixed(3),
      target_ratio: 0.6,
      cpu_ratio: +(parseCpu / run.cpu).toFixed(3),
      main_thread_ratio: +(parseSeconds / run.mainThread).toFixed(3),
      load_average: +loadavg()[0]!.toFixed(1),
      accepted: run.accepted,
      duplicates: run.duplicates,
      quarantined: run.quarantined,
      batch: BATCH,
      in_flight: IN_FLIGHT,
      heap_mb: Math.round(mem.heapUsed / 1e6),
      index_bytes_per_event: Math.round(recovery.bytesPerEvent),
      reopen_events_per_s: Math.round(count / recovery.seconds),
      node: process.version,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
