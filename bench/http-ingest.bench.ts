// HTTP ingest with durable acknowledgement: a local load generator posts HubSpot webhook batches of
// 100 events over keep-alive connections to `verity serve` (a child process, so server and client
// do not share a thread) and measures events/s and per-batch latency. The peer, measured in the same
// run, is the same lake's ingest() called directly in-process with the same events already decoded,
// at the same batch size and concurrency: the ceiling HTTP can approach.
// With --contracts, both the server's project and the peer's lake validate against the project
// template's contracts (templates/project/contracts), as a real project does; without it (the
// default) neither validates. BENCH_SERVER_PROF=<dir> writes the server process's CPU profile there.
// Usage: node --import tsx bench/http-ingest.bench.ts [--scale N] [--concurrency C (default 16)] [--contracts] [--bus nats://127.0.0.1:4222]
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createNatsBus } from '../src/bus/nats-bus.js';
import { createHubSpotWebhookSource } from '../src/ingest/sources/hubspot-webhook-source.js';
import { createFileContractResolver } from '../src/contracts/contract-resolver.js';
import { openLake } from '../src/lake/lake.js';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const scale = arg('scale', 1);
// --bus nats://…: measure the stateless server publishing to JetStream (a fresh stream, deleted after).
const busUrl = process.argv.includes('--bus') ? process.argv[process.argv.indexOf('--bus') + 1] : undefined;
const busPack = process.argv.includes('--bus-pack') ? process.argv[process.argv.indexOf('--bus-pack') + 1]! : 'event';
const concurrency = arg('concurrency', 16);
const withContracts = process.argv.includes('--contracts');
const templateContracts = fileURLToPath(new URL('../templates/project/contracts', import.meta.url));
const BATCH = 100;
const batches = Math.round(600 * scale);
const NOW = Date.parse('2026-03-01T12:00:00.000Z');

/** bin/verity.js, after checking that dist/ is built and not older than src/ (else the bench would measure stale code). */
function builtCli(): string {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const main = join(root, 'dist', 'src', 'cli', 'main.js');
  if (!existsSync(main)) throw new Error('dist/ is missing: run `npm run build` first (or BENCH_SERVER_TSX=1 to run the sources).');
  const newest = (dir: string): number => Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((d) => (d.isDirectory() ? newest(join(dir, d.name)) : statSync(join(dir, d.name)).mtimeMs)));
  if (newest(join(root, 'src')) > statSync(main).mtimeMs) throw new Error('dist/ is older than src/: run `npm run build` first (or BENCH_SERVER_TSX=1 to run the sources).');
  return join(root, 'bin', 'verity.js');
}

function body(b: number): string {
  const events = [];
  for (let j = 0; j < BATCH; j++) {
    const i = b * BATCH + j;
    events.push({
      eventId: i,
      subscriptionId: 1,
      portalId: 7,
      appId: 7,
      occurredAt: NOW + i,
      subscriptionType: 'contact.propertyChange',
      attemptNumber: 0,
      objectId: 1_000_000 + (i % 50_000),
      propertyName: 'email',
      propertyValue: `user${i}@example.com`,
      changeSource: 'CRM',
    });
  }
  return JSON.stringify(events);
}

/**
 * CPU seconds the server process used so far, all threads and only its main (JS) thread, from
 * /proc (Linux; undefined elsewhere): a figure less sensitive to other load on the machine than
 * events/s, since it counts the work done rather than the time it took.
 */
function cpuSeconds(pid: number | undefined): { process: number; main: number } | undefined {
  if (pid === undefined) return undefined;
  try {
    const ticks = (stat: string) => {
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
    };
    return { process: ticks(readFileSync(`/proc/${pid}/stat`, 'utf8')), main: ticks(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8')) };
  } catch {
    return undefined;
  }
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;

async function runPool(n: number, work: (i: number) => Promise<void>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < n) await work(next++);
  }));
}

const bodies = Array.from({ length: batches }, (_, b) => body(b));
const dir = mkdtempSync(join(tmpdir(), 'verity-bench-http-'));
try {
  // Peer: the lake's own ingest, in-process, same events pre-decoded, same batch size and concurrency.
  const source = createHubSpotWebhookSource({ allowUnsigned: true });
  let t0 = performance.now();
  const decoded = bodies.map((text) => source.decode({ body: Buffer.from(text), headers: {} }, { tenant_id: 't01', now: new Date(NOW) }).envelopes);
  const decodeSeconds = (performance.now() - t0) / 1000;
  const peerLake = await openLake({ dir: join(dir, 'peer', '.verity'), ...(withContracts ? { contracts: createFileContractResolver(templateContracts) } : {}) });
  t0 = performance.now();
  await runPool(batches, async (b) => {
    await peerLake.ingest(decoded[b]!, { source: 'hubspot' });
  });
  const peerSeconds = (performance.now() - t0) / 1000;
  await peerLake.close();

  // The server as its own process, on a free loopback port, with a fresh lake.
  const serverDir = join(dir, 'server');
  // The server runs as users run it: the built CLI (bin/verity.js → dist/), not the TypeScript
  // sources through tsx. BENCH_SERVER_TSX=1 runs the sources instead.
  const fromSources = process.env.BENCH_SERVER_TSX === '1';
  const cli = fromSources ? fileURLToPath(new URL('../test/server/child/verity-cli.ts', import.meta.url)) : builtCli();
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const { mkdirSync } = await import('node:fs');
  mkdirSync(serverDir);
  if (withContracts) cpSync(templateContracts, join(serverDir, 'contracts'), { recursive: true });
  const stream = `VERITY_BENCH_${process.pid}`;
  const bus = busUrl ? createNatsBus({ url: busUrl, stream, subjectPrefix: `verity-bench.${process.pid}` }) : undefined;
  if (bus) {
    await bus.maxMessageBytes(); // creates the stream
    writeFileSync(join(serverDir, 'verity.config.yaml'), `bus:\n  type: nats\n  url: ${busUrl}\n  stream: ${stream}\n`);
  }
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_SERVER_PROF}`] : []), ...(fromSources ? ['--import', tsx] : []), cli, '--json', 'serve', '--port', '0', '--log', 'silent', ...(bus ? ['--bus-pack', busPack] : [])], { cwd: serverDir, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /"url": "([^"]+)"/.exec(out);
      if (m) {
        clearInterval(timer);
        resolve(m[1]!);
      }
    }, 20);
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const target = new URL('/v1/webhooks/hubspot?tenant=t01', url);
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const post = (payload: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(target, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.end(payload);
    });
  // Warm-up (JIT, connections), on events outside the measured set.
  await runPool(Math.min(50, batches), async (b) => void (await post(body(batches + b))));
  const latencies: number[] = [];
  let failed = 0;
  const cpuBefore = cpuSeconds(child.pid);
  t0 = performance.now();
  await runPool(batches, async (b) => {
    const start = performance.now();
    const status = await post(bodies[b]!);
    latencies.push(performance.now() - start);
    if (status !== 202) failed++;
  });
  const seconds = (performance.now() - t0) / 1000;
  const cpuAfter = cpuSeconds(child.pid);
  agent.destroy();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  if (bus) {
    await bus.deleteStream();
    await bus.close();
  }
  latencies.sort((a, b) => a - b);
  const events = batches * BATCH;
  const eventsPerS = Math.round(events / seconds);
  const peerPerS = Math.round(events / peerSeconds);
  console.log(
    JSON.stringify({
      bench: 'http-ingest',
      mode: bus ? `bus:nats:${busPack}` : 'lake',
      contracts: withContracts,
      events,
      batch_size: BATCH,
      concurrency,
      batches,
      failed,
      events_per_s: eventsPerS,
      p50_ms: Number(percentile(latencies, 50).toFixed(2)),
      p99_ms: Number(percentile(latencies, 99).toFixed(2)),
      peer_events_per_s: peerPerS,
      ratio: Number((eventsPerS / peerPerS).toFixed(3)),
      // The source adapter's decode alone, and the serial ceiling of decode + lake on one thread.
      decode_events_per_s: Math.round(events / decodeSeconds),
      decode_plus_lake_events_per_s: Math.round(events / (decodeSeconds + peerSeconds)),
      ratio_to_decode_plus_lake: Number((eventsPerS / (events / (decodeSeconds + peerSeconds))).toFixed(3)),
      target_events_per_s: 50_000,
      // The server's CPU per 1000 events (all threads; its main thread alone), Linux only.
      ...(cpuBefore && cpuAfter
        ? {
            server_cpu_ms_per_1k: Number((((cpuAfter.process - cpuBefore.process) * 1e6) / events).toFixed(1)),
            server_main_cpu_ms_per_1k: Number((((cpuAfter.main - cpuBefore.main) * 1e6) / events).toFixed(1)),
            server_main_busy: Number(((cpuAfter.main - cpuBefore.main) / seconds).toFixed(2)),
          }
        : {}),
    }),
  );
  if (failed) process.exitCode = 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
