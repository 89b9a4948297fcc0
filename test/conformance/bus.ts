import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, BusDelivery, BusMessage } from '../../src/bus/bus.js';
import { decodeBusMessage } from '../../src/bus/bus-message.js';
import { createLakeWriter } from '../../src/bus/lake-writer.js';
import { createBusIngestTarget } from '../../src/bus/bus-ingest-target.js';
import { envelope, createFakeLake } from '../server/fakes.js';

/** What a bus factory returns: the bus under test and how to clean up after it. */
export interface BusUnderTest {
  bus: Bus;
  /** A second handle on the same stream (another process, in effect), when the bus is cross-process. */
  reopen?: () => Bus;
  cleanup(): Promise<void>;
}

const msg = (i: number, tenant = 't01'): BusMessage => ({ kind: 'envelope', source: 'verity', envelope: envelope(i, { tenant_id: tenant }) });

const ids = (ds: BusDelivery[]) =>
  ds.map((d) => {
    const m = decodeBusMessage(d.data);
    if (!m.ok) throw new Error(m.message);
    const x = m.message;
    return x.kind === 'envelope' ? x.envelope.event_id : x.kind === 'batch' ? `batch:${x.envelopes.map((e) => e.event_id).join(',')}` : `rejected:${x.item.index}`;
  });

async function drain(bus: Bus, durable: string, want: number, ackWaitMs?: number) {
  const c = await bus.consumer(durable, ackWaitMs ? { ackWaitMs } : {});
  const out: BusDelivery[] = [];
  for (let tries = 0; out.length < want && tries < 10; tries++) out.push(...(await c.fetch({ max: want - out.length, expiresMs: 1000 })));
  return out;
}

/**
 * The Bus conformance suite: every implementation runs it (in-process and NATS JetStream).
 * `ackWaitMs` is the shortest redelivery delay the implementation accepts.
 */
export function runBusConformance(name: string, factory: () => Promise<BusUnderTest>, options: { ackWaitMs: number }): void {
  describe(`Bus conformance: ${name}`, () => {
    let t: BusUnderTest;
    beforeEach(async () => {
      t = await factory();
    });
    afterEach(async () => {
      await t.cleanup();
    });

    it('stores a published batch and reports it once the bus acknowledged it', async () => {
      const report = await t.bus.publish([msg(1), msg(2), msg(3)]);
      expect(report).toEqual({ published: 3, duplicates: 0, duplicateFlags: [false, false, false] });
      expect(t.bus.isConnected()).toBe(true);
    });

    it('stores a re-published event once (tenant_id:event_id is the message id)', async () => {
      await t.bus.publish([msg(1), msg(2)]);
      const again = await t.bus.publish([msg(2), msg(3), msg(1, 't02')]);
      expect(again.duplicateFlags).toEqual([true, false, false]);
      expect(again).toMatchObject({ published: 2, duplicates: 1 });
      expect(ids(await drain(t.bus, 'c1', 4)).sort()).toEqual(['evt-1', 'evt-1', 'evt-2', 'evt-3']);
    });

    it('keeps every rejected item (they carry no message id)', async () => {
      const item = { index: 0, raw: '{bad', code: 'MALFORMED_JSON', message: 'bad' };
      const r = await t.bus.publish([
        { kind: 'rejected', source: 'hubspot', tenant_id: 't01', item },
        { kind: 'rejected', source: 'hubspot', tenant_id: 't01', item },
      ]);
      expect(r.published).toBe(2);
    });

    it('delivers in publish order to a durable consumer, and acked messages never again', async () => {
      await t.bus.publish([msg(1), msg(2), msg(3)]);
      const first = await drain(t.bus, 'c1', 3);
      expect(ids(first)).toEqual(['evt-1', 'evt-2', 'evt-3']);
      expect(first.every((d) => !d.redelivered)).toBe(true);
      await Promise.all(first.map((d) => d.ack()));
      await t.bus.publish([msg(4)]);
      const c = await t.bus.consumer('c1');
      expect(ids(await c.fetch({ max: 10, expiresMs: 1000 }))).toEqual(['evt-4']);
    });

    it('counts what a durable consumer has not acked yet, delivered or not', async () => {
      await t.bus.publish([msg(1), msg(2), msg(3)]);
      const c = await t.bus.consumer('p');
      expect(await c.pending()).toBe(3);
      const got = await c.fetch({ max: 2, expiresMs: 1000 });
      expect(await c.pending()).toBe(3);
      await got[0]!.ack();
      expect(await c.pending()).toBe(2);
    });

    it('gives each durable consumer its own position', async () => {
      await t.bus.publish([msg(1), msg(2)]);
      await Promise.all((await drain(t.bus, 'a', 2)).map((d) => d.ack()));
      expect(ids(await drain(t.bus, 'b', 2))).toEqual(['evt-1', 'evt-2']);
    });

    it('redelivers a message that was not acked within the ack wait, marked redelivered', async () => {
      await t.bus.publish([msg(1), msg(2)]);
      const first = await drain(t.bus, 'c1', 2, options.ackWaitMs);
      await first[0]!.ack();
      await new Promise((r) => setTimeout(r, options.ackWaitMs + 200));
      const again = await drain(t.bus, 'c1', 1, options.ackWaitMs);
      expect(ids(again)).toEqual(['evt-2']);
      expect(again[0]!.redelivered).toBe(true);
    });

    it('redelivers a nak-ed message and never a terminated one', async () => {
      await t.bus.publish([msg(1), msg(2)]);
      const [a, b] = await drain(t.bus, 'c1', 2);
      a!.nak();
      b!.term('bad message');
      const again = await drain(t.bus, 'c1', 1);
      expect(ids(again)).toEqual(['evt-1']);
      await again[0]!.ack();
      const c = await t.bus.consumer('c1');
      expect(await c.fetch({ max: 10, expiresMs: 1000 })).toEqual([]);
    });

    it('refuses a message over its size limit before publishing anything', async () => {
      const limit = await t.bus.maxMessageBytes();
      const huge = msg(2);
      if (huge.kind === 'envelope') huge.envelope.payload.notes = 'x'.repeat(limit + 1);
      await expect(t.bus.publish([msg(1), huge])).rejects.toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
      await t.bus.publish([msg(3)]);
      expect(ids(await drain(t.bus, 'c1', 1))).toEqual(['evt-3']);
    });

    it('feeds the lake-writer, which writes every event exactly once and acks after the lake', async () => {
      const lake = createFakeLake();
      await t.bus.publish([msg(1), msg(2), msg(3), { kind: 'rejected', source: 'hubspot', tenant_id: 't01', item: { index: 4, raw: '{', code: 'MALFORMED_JSON', message: 'bad' } }]);
      const writer = createLakeWriter({ bus: t.bus, lake, durable: 'w', batchSize: 10, fetchExpiresMs: 1000 });
      const totals = await writer.run({ until: (x) => x.messages >= 4 });
      expect(totals).toMatchObject({ messages: 4, accepted: 3, quarantined: 1, byReason: { MALFORMED_JSON: 1 } });
      expect(lake.raw.map((e) => e.event_id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
      expect((await writer.runOnce()).messages).toBe(0);
    });

    it('carries a packed batch as one message, stores an identical retry once, and the writer unpacks it', async () => {
      const target = createBusIngestTarget(t.bus, { packing: 'batch' });
      const envelopes = [envelope(1), envelope(2), envelope(3)];
      expect(await target.ingest(envelopes, { source: 'verity', tenant_id: 't01' })).toMatchObject({ accepted: 3, duplicates: 0 });
      expect(await target.ingest(envelopes, { source: 'verity', tenant_id: 't01' })).toMatchObject({ accepted: 0, duplicates: 3 });
      const lake = createFakeLake();
      const writer = createLakeWriter({ bus: t.bus, lake, durable: 'wb', fetchExpiresMs: 1000 });
      const totals = await writer.run({ until: (x) => x.messages >= 1 });
      expect(totals).toMatchObject({ messages: 1, accepted: 3 });
      expect(lake.raw.map((e) => e.event_id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    });

    if (name !== 'memory') {
      it('shares the stream and durable positions across connections (processes)', async () => {
        await t.bus.publish([msg(1), msg(2)]);
        await Promise.all((await drain(t.bus, 'c1', 1)).map((d) => d.ack()));
        const other = t.reopen!();
        try {
          expect(ids(await drain(other, 'c1', 1))).toEqual(['evt-2']);
        } finally {
          await other.close();
        }
      });
    }

    it('refuses to publish after close, and close is safe twice', async () => {
      await t.bus.publish([msg(1)]);
      await t.bus.close();
      await t.bus.close();
      expect(t.bus.isConnected()).toBe(false);
      await expect(t.bus.publish([msg(2)])).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    });
  });
}
