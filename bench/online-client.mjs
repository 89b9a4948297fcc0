// A separate client process for bench/online-serving.bench.ts: POSTs the same 1-entity lookup body
// shape to URL on one keep-alive connection, ITER warm-up then ITER measured requests, parses each
// answer as JSON, and prints {"p50_ms","p99_ms"} on one line.
// Usage: node bench/online-client.mjs URL VIEW ITER
import { Agent, request } from 'node:http';

const [url, view, iterArg] = process.argv.slice(2);
const iterations = Number(iterArg);
const agent = new Agent({ keepAlive: true, maxSockets: 1 });
const post = (body) =>
  new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => (res.statusCode === 200 ? resolve(Buffer.concat(chunks).toString('utf8')) : reject(new Error(`status ${res.statusCode}`))));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
const times = [];
for (let i = 0; i < 2 * iterations; i++) {
  const body = JSON.stringify({ view, entities: [{ contact_id: `c${(i * 7) % 1000}` }] });
  const t0 = performance.now();
  JSON.parse(await post(body));
  if (i >= iterations) times.push(performance.now() - t0);
}
agent.destroy();
times.sort((a, b) => a - b);
const pct = (p) => Math.round(times[Math.min(times.length - 1, Math.floor((p / 100) * times.length))] * 1000) / 1000;
console.log(JSON.stringify({ p50_ms: pct(50), p99_ms: pct(99) }));
