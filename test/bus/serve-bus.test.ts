import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { createNatsBus } from '../../src/bus/nats-bus.js';
import { openLake } from '../../src/lake/lake.js';
import { SERVERS, describeWithServer, isServerUp } from '../helpers/servers.js';
import { envelope } from '../server/fakes.js';
import { spawnVerity, startServeChild, type VerityChild } from '../server/child/process.js';

const children: VerityChild[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const f of cleanups.splice(0)) await f();
});

await describeWithServer('nats', 'verity serve --bus and verity lake-writer (processes)', () => {
  it('carries HTTP batches through JetStream into the lake exactly once, across two stateless servers', async () => {
    const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
    const stream = `VERITY_E2E_${id}`;
    // The operator creates the stream with its own subjects; servers and writer find them from the name.
    const admin = createNatsBus({ url: SERVERS.nats.url, stream, subjectPrefix: `verity-e2e.${id}` });
    await admin.maxMessageBytes();
    const dir = mkdtempSync(join(tmpdir(), 'verity-serve-bus-'));
    cleanups.push(async () => {
      await admin.deleteStream().catch(() => {});
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
    });
    writeFileSync(join(dir, 'verity.config.yaml'), `tenant: t01\nbus:\n  type: nats\n  url: ${SERVERS.nats.url}\n  stream: ${stream}\n`);

    const a = await startServeChild(dir);
    const b = await startServeChild(dir);
    children.push(a, b);
    for (const s of [a, b]) expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready', mode: 'bus:nats' });
    const batch = (from: number) => JSON.stringify(Array.from({ length: 50 }, (_, i) => envelope(from + i)));
    const post = async (url: string, body: string) => {
      const res = await fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      expect(res.status).toBe(202);
      return (await res.json()) as { accepted: number; duplicates: number };
    };
    expect(await post(a.url, batch(0))).toMatchObject({ accepted: 50, duplicates: 0 });
    expect(await post(b.url, batch(50))).toMatchObject({ accepted: 50 });
    // A retry of the same batch through the other server: JetStream's msgID window stores it once.
    expect(await post(b.url, batch(0))).toMatchObject({ accepted: 0, duplicates: 50 });
    expect(await admin.streamMessages()).toBe(100);
    for (const s of [a, b]) s.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);

    const writer = spawnVerity(['--json', 'lake-writer', '--exit-when-idle', '--ack-wait', '2000'], dir);
    children.push(writer);
    expect(await writer.exited).toBe(0);
    expect(JSON.parse(writer.stdout())).toMatchObject({ messages: 100, accepted: 100, invalid: 0 });
    const lake = await openLake({ dir: join(dir, '.verity'), readOnly: true });
    try {
      const ids: string[] = [];
      for await (const e of lake.scanRaw({ tenant_id: 't01' })) ids.push(e.event_id);
      expect(new Set(ids).size).toBe(100);
      expect(ids).toHaveLength(100);
    } finally {
      await lake.close();
    }
  });
});

await describeWithServer('redis', 'online features over the bus (processes)', () => {
  it('lake-writer keeps Redis fresh and a stateless server serves it, its near cache following each change', async () => {
    expect(await isServerUp('nats')).toBe(true);
    const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
    const stream = `VERITY_FEAT_${id}`;
    const tenant = `t${id}`;
    const admin = createNatsBus({ url: SERVERS.nats.url, stream, subjectPrefix: `verity-feat.${id}` });
    await admin.maxMessageBytes();
    const dir = mkdtempSync(join(tmpdir(), 'verity-serve-bus-features-'));
    cleanups.push(async () => {
      await admin.deleteStream().catch(() => {});
      await admin.close();
      rmSync(dir, { recursive: true, force: true });
      const { Redis } = await import('ioredis');
      const r = new Redis(SERVERS.redis.url);
      const keys = await r.keys(`verity:${tenant}:fs:*`);
      if (keys.length) await r.del(...keys);
      await r.quit();
    });
    const init = spawnVerity(['init', '.'], dir);
    expect(await init.exited).toBe(0);
    writeFileSync(
      join(dir, 'verity.config.yaml'),
      `tenant: ${tenant}\nbus:\n  type: nats\n  url: ${SERVERS.nats.url}\n  stream: ${stream}\nonlineStore:\n  type: redis\n  url: ${SERVERS.redis.url}\n`,
    );
    const server = await startServeChild(dir);
    const writer = spawnVerity(['lake-writer', '--ack-wait', '2000'], dir);
    children.push(server, writer);
    const contact = `con_${randomBytes(4).toString('hex')}`;
    const send = async (i: number, score: number) => {
      const e = envelope(i, { tenant_id: tenant, entity_key: { contact_id: contact }, event_time: new Date(Date.now() - 60_000 + i).toISOString(), payload: { contact_id: contact, email: `${contact}@example.com`, lead_score: score } });
      const res = await fetch(`${server.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify([e]) });
      expect(res.status).toBe(202);
    };
    const score = async () => {
      const res = await fetch(`${server.url}/v1/features/online`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ view: 'contact_engagement', entities: [{ contact_id: contact }] }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { rows: Array<{ features: { lead_score: { value: unknown; status: string } } }> }).rows[0]!.features.lead_score;
    };
    const until = async (want: number) => {
      const deadline = Date.now() + 20_000;
      let got = await score();
      while (got.value !== want && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 50));
        got = await score();
      }
      expect(got).toMatchObject({ value: want, status: 'OK' });
    };
    expect((await score()).status).toBe('NOT_FOUND');
    await send(1, 42);
    await until(42);
    // The server now holds the row in its near cache; the lake-writer's write must replace it.
    expect(await score()).toMatchObject({ value: 42 });
    await send(2, 43);
    await until(43);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(Number(/^verity_online_near_cache_hits_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^verity_online_near_cache_invalidations_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    server.child.kill('SIGTERM');
    writer.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(await writer.exited).toBe(0);
  }, 60_000);
});
