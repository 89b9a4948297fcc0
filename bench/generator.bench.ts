/**
 * Generator throughput: events (envelopes, duplicates included) written per second by
 * `generate()` with every format on, against a peer measured in the same run: a plain loop that
 * JSON.stringifies the same envelopes (generated in memory beforehand) and writes them to one
 * file. Prints one JSON line. `--scale N` multiplies the data set.
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
const options = { seed: 7, accounts: Math.round(100 * scale), contacts: Math.round(3000 * scale), days: 30, formats: ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson', 'records'] };
const dir = mkdtempSync(join(tmpdir(), 'verity-bench-gen-'));
try {
  const report = await generate({ ...options, out: join(dir, 'out') });
  const rss = process.memoryUsage().rss;

  const envelopes: Envelope[] = [];
  for (const item of generateChanges(options)) if (item.type === 'delivery') envelopes.push(...item.envelopes);
  const t0 = performance.now();
  const stream = createWriteStream(join(dir, 'peer.ndjson'));
  for (const e of envelopes) if (!stream.write(JSON.stringify(e) + '\n')) await once(stream, 'drain');
  stream.end();
  await once(stream, 'close');
  const peerSeconds = (performance.now() - t0) / 1000;

  const eventsPerS = report.events / report.seconds;
  const peerPerS = envelopes.length / peerSeconds;
  console.log(
    JSON.stringify({
      bench: 'generator',
      events: report.events,
      seconds: Number(report.seconds.toFixed(3)),
      events_per_s: Math.round(eventsPerS),
      peer_events_per_s: Math.round(peerPerS),
      ratio: Number((eventsPerS / peerPerS).toFixed(3)),
      rss_mb: Math.round(rss / 2 ** 20),
      scale,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
