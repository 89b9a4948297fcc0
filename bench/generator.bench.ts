/**
 * Generator throughput: events (envelopes, duplicates included) written per second by
 * `generate()` with every default format, against a peer measured in the same run: a plain loop
 * that JSON.stringifies the same envelopes (generated in memory beforehand) and writes them to
 * one file. Generator and peer alternate for five rounds (`--rounds N`) and the best round of each
 * counts, so a busy machine distorts the ratio less and the first rounds, which still compile and
 * optimise the code (the generator's run takes about twice its steady time in round one and 5–40%
 * more in round three), do not decide the figure. `cpu_seconds` is the whole process's CPU time,
 * the generator's second thread included. Prints one JSON line. `--scale N` multiplies the data set.
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generate } from '../src/generator/generate.js';
import { generateChanges } from '../src/generator/generate-changes.js';
import type { Envelope } from '../src/envelope.js';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
if (!(scale > 0)) throw new Error('--scale must be a positive number');
const options = { seed: 7, accounts: Math.round(60 * scale), contacts: Math.round(2000 * scale), days: 30 };
const roundsArg = process.argv.indexOf('--rounds');
const rounds = roundsArg > 0 ? Number(process.argv[roundsArg + 1]) : 5;
if (!(Number.isInteger(rounds) && rounds > 0)) throw new Error('--rounds must be a positive integer');
const dir = mkdtempSync(join(tmpdir(), 'verity-bench-gen-'));

async function peer(envelopes: Envelope[], round: number): Promise<number> {
  const t0 = performance.now();
  const stream = createWriteStream(join(dir, `peer-${round}.ndjson`));
  for (const e of envelopes) if (!stream.write(JSON.stringify(e) + '\n')) await once(stream, 'drain');
  stream.end();
  await once(stream, 'close');
  return (performance.now() - t0) / 1000;
}

try {
  const envelopes: Envelope[] = [];
  for (const item of generateChanges(options)) if (item.type === 'delivery') envelopes.push(...item.envelopes);
  let best = Infinity;
  let bestCpu = Infinity;
  let bestPeer = Infinity;
  let bestPeerCpu = Infinity;
  let events = 0;
  let rss = 0;
  for (let round = 0; round < rounds; round++) {
    const cpu0 = process.cpuUsage();
    const report = await generate({ ...options, out: join(dir, `out-${round}`) });
    const cpu = process.cpuUsage(cpu0);
    best = Math.min(best, report.seconds);
    bestCpu = Math.min(bestCpu, (cpu.user + cpu.system) / 1e6);
    events = report.events;
    rss = Math.max(rss, process.memoryUsage().rss);
    const peerCpu0 = process.cpuUsage();
    bestPeer = Math.min(bestPeer, await peer(envelopes, round));
    const peerCpu = process.cpuUsage(peerCpu0);
    bestPeerCpu = Math.min(bestPeerCpu, (peerCpu.user + peerCpu.system) / 1e6);
    rmSync(join(dir, `out-${round}`), { recursive: true, force: true });
  }
  if (events !== envelopes.length) throw new Error(`generate() wrote ${events} envelopes, the iterator yielded ${envelopes.length}`);
  console.log(
    JSON.stringify({
      bench: 'generator',
      events,
      seconds: Number(best.toFixed(3)),
      cpu_seconds: Number(bestCpu.toFixed(3)),
      events_per_s: Math.round(events / best),
      peer_events_per_s: Math.round(envelopes.length / bestPeer),
      ratio: Number((bestPeer / best).toFixed(3)),
      // The same ratio over CPU seconds: steadier when other processes compete for the CPU.
      cpu_events_per_s: Math.round(events / bestCpu),
      peer_cpu_events_per_s: Math.round(envelopes.length / bestPeerCpu),
      cpu_ratio: Number((bestPeerCpu / bestCpu).toFixed(3)),
      rss_mb: Math.round(rss / 2 ** 20),
      scale,
      rounds,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
