import { VerityError } from '../errors.js';
import type { Bus, BusConsumer, BusConsumerOptions, BusDelivery, BusMessage, PublishReport } from './bus.js';
import { assertMessageFits, busMessageId, busSubject, encodeBusMessage } from './bus-message.js';

/** Options of {@link createMemoryBus}. */
export interface MemoryBusOptions {
  /** Subject prefix (default `verity.events`). */
  subjectPrefix?: string;
  /** De-duplication window for message ids, in ms (default 2 minutes, as JetStream). */
  duplicateWindowMs?: number;
  /** Largest message in bytes (default 1 MiB, as NATS). */
  maxMessageBytes?: number;
  /** The clock (tests inject one). */
  now?: () => number;
}

interface StoredMessage {
  seq: number;
  subject: string;
  data: Uint8Array;
}

interface ConsumerState {
  nextSeq: number;
  ackWaitMs: number;
  /** seq → when it may be redelivered. */
  pending: Map<number, number>;
}

/**
 * The in-process reference {@link Bus}: a log in memory with JetStream's semantics (message-id
 * de-duplication window, durable consumers with explicit ack and redelivery after the ack wait).
 * Not durable across processes: it is the default, the test double and the documentation example.
 * @example
 * const bus = createMemoryBus();
 * await bus.publish([{ kind: 'envelope', source: 'verity', envelope }]);
 */
export function createMemoryBus(options: MemoryBusOptions = {}): Bus {
  const prefix = options.subjectPrefix ?? 'verity.events';
  const windowMs = options.duplicateWindowMs ?? 120_000;
  const limit = options.maxMessageBytes ?? 1024 * 1024;
  const now = options.now ?? Date.now;
  const log: StoredMessage[] = [];
  const seen = new Map<string, number>();
  const consumers = new Map<string, ConsumerState>();
  let waiters: Array<() => void> = [];
  let closed = false;

  const wake = () => {
    const w = waiters;
    waiters = [];
    for (const f of w) f();
  };
  const assertOpen = () => {
    if (closed) throw new VerityError('BACKEND_UNAVAILABLE', 'The in-process bus is closed.');
  };

  function take(state: ConsumerState, max: number): BusDelivery[] {
    const out: BusDelivery[] = [];
    const t = now();
    for (const [seq, due] of state.pending) {
      if (out.length >= max) break;
      if (due <= t) out.push(deliver(state, seq, true));
    }
    while (out.length < max && state.nextSeq <= log.length) out.push(deliver(state, state.nextSeq++, false));
    return out;
  }

  function deliver(state: ConsumerState, seq: number, redelivered: boolean): BusDelivery {
    const stored = log[seq - 1]!;
    state.pending.set(seq, now() + state.ackWaitMs);
    let settled = false;
    return {
      subject: stored.subject,
      data: stored.data,
      redelivered,
      async ack() {
        if (!settled) state.pending.delete(seq);
        settled = true;
      },
      nak(delayMs = 0) {
        if (!settled) state.pending.set(seq, now() + delayMs);
        settled = true;
        wake();
      },
      term() {
        if (!settled) state.pending.delete(seq);
        settled = true;
      },
    };
  }

  return {
    name: 'memory',
    capabilities: { durable: false, deduplicates: true, crossProcess: false },
    async maxMessageBytes() {
      return limit;
    },
    async publish(messages: BusMessage[]): Promise<PublishReport> {
      assertOpen();
      const encoded = messages.map((m) => {
        const data = encodeBusMessage(m);
        assertMessageFits(data, limit, m);
        return data;
      });
      const flags: boolean[] = [];
      const t = now();
      messages.forEach((m, i) => {
        const id = busMessageId(m);
        const at = id === undefined ? undefined : seen.get(id);
        if (id !== undefined && at !== undefined && t - at < windowMs) {
          flags.push(true);
          return;
        }
        if (id !== undefined) seen.set(id, t);
        log.push({ seq: log.length + 1, subject: busSubject(prefix, m), data: encoded[i]! });
        flags.push(false);
      });
      wake();
      const duplicates = flags.filter(Boolean).length;
      return { published: flags.length - duplicates, duplicates, duplicateFlags: flags };
    },
    async consumer(durable: string, consumerOptions: BusConsumerOptions = {}): Promise<BusConsumer> {
      assertOpen();
      let state = consumers.get(durable);
      if (!state) {
        state = { nextSeq: 1, ackWaitMs: consumerOptions.ackWaitMs ?? 30_000, pending: new Map() };
        consumers.set(durable, state);
      }
      const s = state;
      let open = true;
      return {
        async fetch({ max, expiresMs }) {
          if (!open) throw new VerityError('BACKEND_UNAVAILABLE', `Consumer "${durable}" is closed.`);
          // The fetch deadline is real time; the injected clock only drives dedupe windows and ack waits.
          const deadline = performance.now() + expiresMs;
          for (;;) {
            assertOpen();
            const got = take(s, max);
            if (got.length > 0 || performance.now() >= deadline) return got;
            // Wait for a publish or a nak; poll now and then for ack-wait redeliveries and the deadline.
            await new Promise<void>((resolve) => {
              const timer = setTimeout(resolve, Math.max(1, Math.min(deadline - performance.now(), 25)));
              waiters.push(() => {
                clearTimeout(timer);
                resolve();
              });
            });
          }
        },
        async pending() {
          return log.length - s.nextSeq + 1 + s.pending.size;
        },
        async close() {
          open = false;
        },
      };
    },
    isConnected() {
      return !closed;
    },
    async close() {
      closed = true;
      wake();
    },
  };
}
