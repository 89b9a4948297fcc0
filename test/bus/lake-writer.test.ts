import { describe, expect, it } from 'vitest';
import type { Bus, BusDelivery } from '../../src/bus/bus.js';
import { decodeBusMessage, encodeBusMessage } from '../../src/bus/bus-message.js';
import { createLakeWriter } from '../../src/bus/lake-writer.js';
import { createMemoryBus } from '../../src/bus/memory-bus.js';
import { createServer } from '../../src/server/create-server.js';
import { VerityError } from '../../src/errors.js';
import { createFakeEnvelopeSource, createFakeLake, envelope } from '../server/fakes.js';

/** A bus double that hands out the given raw messages once and records what happened to each. */
function scriptedBus(raw: Array<{ subject: string; data: Uint8Array }>) {
  const outcome: string[] = raw.map(() => 'pending');
  let given = false;
  const bus: Bus = {
    name: 'scripted',
    capabilities: { durable: false, deduplicates: false, crossProcess: false },
    maxMessageBytes: async () => 1 << 20,
    publish: async () => ({ published: 0, duplicates: 0, duplicateFlags: [] }),
    isConnected: () => true,
    close: async () => {},
    async consumer() {
      return {
        async fetch(): Promise<BusDelivery[]> {
          if (given) return [];
          given = true;
          return raw.map((m, i) => ({
            ...m,
            redelivered: false,
            ack: async () => void (outcome[i] = 'ack'),
            nak: () => void (outcome[i] = 'nak'),
            term: (reason: string) => void (outcome[i] = `term:${reason}`),
          }));
        },
        pending: async () => outcome.filter((o) => o === 'pending').length,
        close: async () => {},
      };
    },
  };
  return { bus, outcome };
}

const text = (s: string) => new TextEncoder().encode(s);

describe('lake-writer', () => {
  it('quarantines and terminates messages that fail validation, and acks the good ones after the lake', async () => {
    const { bus, outcome } = scriptedBus([
      { subject: 'verity.events.t01.contact', data: encodeBusMessage({ kind: 'envelope', source: 'verity', envelope: envelope(1) }) },
      { subject: 'verity.events.t01.contact', data: text('{"kind":"envelope","source":"x","envelope":{"event_id":42}}') },
      { subject: 'verity.events.t02.contact', data: new Uint8Array([0xff, 0xfe, 0x00]) },
      { subject: 'verity.events.t01.contact', data: text('[1,2') },
    ]);
    const lake = createFakeLake();
    const batch = await createLakeWriter({ bus, lake }).runOnce();
    expect(batch).toMatchObject({ messages: 4, invalid: 3, accepted: 1, quarantined: 3, byReason: { BUS_MESSAGE_INVALID: 3 } });
    expect(outcome[0]).toBe('ack');
    expect(outcome.slice(1).every((o) => o.startsWith('term:'))).toBe(true);
    expect(outcome[1]).toMatch(/event_id must be a non-empty string/);
    expect(lake.quarantine.map((q) => q.reason)).toEqual(['BUS_MESSAGE_INVALID', 'BUS_MESSAGE_INVALID', 'BUS_MESSAGE_INVALID']);
  });

  it('naks the whole batch and surfaces the error when the lake fails, acking nothing', async () => {
    const { bus, outcome } = scriptedBus([{ subject: 'verity.events.t01.contact', data: encodeBusMessage({ kind: 'envelope', source: 'verity', envelope: envelope(1) }) }]);
    const lake = createFakeLake({ failWith: new VerityError('IO_ERROR', 'disk full') });
    await expect(createLakeWriter({ bus, lake }).runOnce()).rejects.toMatchObject({ code: 'IO_ERROR' });
    expect(outcome).toEqual(['nak']);
  });

  it('rejects bus messages of the wrong shape with a reason instead of throwing', () => {
    expect(decodeBusMessage(text('{"kind":"envelope","source":"s","envelope":{"event_id":"e","tenant_id":"t","entity":"c","entity_key":{"k":1},"op":"zap"}}'))).toMatchObject({
      ok: false,
      code: 'BUS_MESSAGE_INVALID',
    });
    expect(decodeBusMessage(text('{"kind":"other","source":"s"}'))).toMatchObject({ ok: false });
    expect(decodeBusMessage(encodeBusMessage({ kind: 'envelope', source: 's', envelope: envelope(1) }))).toMatchObject({ ok: true });
  });
});

describe('server in bus mode', () => {
  it('answers 202 once the bus stored the batch, and the lake-writer then writes it exactly once', async () => {
    const bus = createMemoryBus();
    const server = createServer({ bus, sources: [createFakeEnvelopeSource()], tenantDefault: 't01' });
    const body = JSON.stringify([envelope(1), envelope(2)]);
    const res = await server.app.inject({ method: 'POST', url: '/v1/events', payload: body, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: 2, duplicates: 0, quarantined: 0, byReason: {} });
    const again = await server.app.inject({ method: 'POST', url: '/v1/events', payload: body, headers: { 'content-type': 'application/json' } });
    expect(again.json()).toMatchObject({ accepted: 0, duplicates: 2 });
    expect((await server.app.inject({ method: 'GET', url: '/readyz' })).json()).toEqual({ status: 'ready', mode: 'bus:memory' });
    const lake = createFakeLake();
    const totals = await createLakeWriter({ bus, lake, fetchExpiresMs: 50 }).run({ until: (t) => t.messages >= 2 });
    expect(totals.accepted).toBe(2);
    expect(lake.raw.map((e) => e.event_id)).toEqual(['evt-1', 'evt-2']);
    await server.close();
    expect(bus.isConnected()).toBe(false);
  });
});
