import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { BusMessage } from '../../src/bus/bus.js';
import { createNatsBus } from '../../src/bus/nats-bus.js';
import { openLake } from '../../src/lake/lake.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';
import { envelope } from '../server/fakes.js';
import { spawnVerity, type VerityChild } from '../server/child/process.js';

// Large enough that the writer is killed mid-stream (this machine's JetStream moves ~3–5k messages/s).
const EVENTS = 12_000;

const dirs: string[] = [];
const children: VerityChild[] = [];
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of children.splice(0)) if (c.child.exitCode === null) c.child.kill('SIGKILL');
  for (const f of cleanups.splice(0)) await f();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

await describeWithServer('nats', 'verity lake-writer under kill -9', () => {
  it('writes every published event exactly once after a SIGKILL mid-consumption and a restart', async () => {
    const id = `${process.pid}_${randomBytes(4).toString('hex')}`;
    const stream = `VERITY_CRASH_${id}`;
    const bus = createNatsBus({ url: SERVERS.nats.url, stream, subjectPrefix: `verity-crash.${id}` });
    cleanups.push(async () => {
      await bus.deleteStream().catch(() => {});
      await bus.close();
    });
    // The writer CLI only needs the stream name: its consumer takes every subject of the stream.
    for (let i = 0; i < EVENTS; i += 1000) {
      const batch: BusMessage[] = [];
      for (let j = i; j < i + 1000; j++) batch.push({ kind: 'envelope', source: 'verity', envelope: envelope(j) });
      expect((await bus.publish(batch)).published).toBe(1000);
    }
    const dir = mkdtempSync(join(tmpdir(), 'verity-writer-crash-'));
    dirs.push(dir);
    const args = ['--json', 'lake-writer', '--bus', SERVERS.nats.url, '--stream', stream, '--batch', '500', '--ack-wait', '2000', '--exit-when-idle'];

    const first = spawnVerity(args, dir);
    children.push(first);
    const consumer = await bus.consumer('verity-lake-writer', { ackWaitMs: 2000 });
    // Kill once the writer has consumed part of the stream (some batches acked, one likely in flight).
    for (;;) {
      const pending = await consumer.pending();
      if (pending < EVENTS - 1500) break;
      if (first.child.exitCode !== null) throw new Error(`writer exited early: ${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(await consumer.pending()).toBeGreaterThan(0);

    const second = spawnVerity(args, dir);
    children.push(second);
    expect(await second.exited).toBe(0);
    const totals = JSON.parse(second.stdout()) as { messages: number; redelivered: number; accepted: number; duplicates: number };
    expect(totals.messages).toBeGreaterThan(0);
    expect(await consumer.pending()).toBe(0);

    const lake = await openLake({ dir: join(dir, '.verity') });
    try {
      const seen = new Map<string, number>();
      for await (const e of lake.scanRaw({ tenant_id: 't01' })) seen.set(e.event_id, (seen.get(e.event_id) ?? 0) + 1);
      expect(seen.size).toBe(EVENTS);
      expect([...seen.values()].every((n) => n === 1)).toBe(true);
    } finally {
      await lake.close();
    }
  });
});
