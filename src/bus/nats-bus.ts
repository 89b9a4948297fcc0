import type { JetStreamClient, JetStreamManager, JsMsg, NatsConnection } from 'nats';
import { VerityError } from '../errors.js';
import type { Bus, BusConsumer, BusConsumerOptions, BusDelivery, BusMessage, PublishReport } from './bus.js';
import { assertMessageFits, busMessageId, busSubject, encodeBusMessage } from './bus-message.js';

/** Options of {@link createNatsBus}. */
export interface NatsBusOptions {
  /** Server URL(s), e.g. `nats://127.0.0.1:4222`. */
  url: string;
  /** JetStream stream name (default `VERITY_EVENTS`). Created when absent. */
  stream?: string;
  /**
   * Subject prefix; the stream captures `<prefix>.>`. Default: taken from an existing stream whose
   * subjects are one `<prefix>.>` pattern, else `verity.events`.
   */
  subjectPrefix?: string;
  /** JetStream de-duplication window for message ids, in ms (default 2 minutes). */
  duplicateWindowMs?: number;
  /** How long to wait for the connection, in ms (default 5000). */
  connectTimeoutMs?: number;
  /** Connection name shown by the NATS server. */
  name?: string;
}

/** A {@link Bus} on NATS JetStream, plus stream administration for tests and operators. */
export interface NatsBus extends Bus {
  /** The stream's name. */
  readonly stream: string;
  /** Messages currently stored in the stream. */
  streamMessages(): Promise<number>;
  /** Deletes the stream and everything in it (tests clean up with this). */
  deleteStream(): Promise<void>;
}

const NS_PER_MS = 1_000_000;

/**
 * A {@link Bus} on NATS JetStream (the `nats` v2 client). Publishing uses the envelope's
 * `tenant_id:event_id` as JetStream `msgID`, so a re-sent batch is stored once inside the
 * duplicate window; consumers are durable pull consumers with explicit ack. Connects lazily and
 * creates the stream (file storage) when it does not exist.
 * @example
 * const bus = createNatsBus({ url: 'nats://127.0.0.1:4222' });
 * const report = await bus.publish(messages); // resolves after JetStream's acks
 */
export function createNatsBus(options: NatsBusOptions): NatsBus {
  const stream = options.stream ?? 'VERITY_EVENTS';
  let prefix = options.subjectPrefix ?? 'verity.events';
  const windowMs = options.duplicateWindowMs ?? 120_000;
  let session: Promise<{ nc: NatsConnection; js: JetStreamClient; jsm: JetStreamManager }> | undefined;
  let closed = false;
  let connection: NatsConnection | undefined;

  const unavailable = (what: string, error: unknown) =>
    new VerityError('BACKEND_UNAVAILABLE', `NATS JetStream at ${options.url}: ${what}: ${(error as Error)?.message ?? String(error)}. Is nats-server running with JetStream enabled (-js)?`, {
      cause: error,
    });

  function open() {
    if (closed) return Promise.reject(new VerityError('BACKEND_UNAVAILABLE', `The NATS bus (${options.url}) is closed.`));
    session ??= (async () => {
      const nats = await import('nats');
      let nc: NatsConnection;
      try {
        nc = await nats.connect({ servers: options.url, timeout: options.connectTimeoutMs ?? 5000, name: options.name ?? 'verity', maxReconnectAttempts: -1 });
      } catch (error) {
        session = undefined;
        throw unavailable('cannot connect', error);
      }
      connection = nc;
      try {
        const jsm = await nc.jetstreamManager();
        try {
          const info = await jsm.streams.info(stream);
          // An operator-created stream names its own subjects: publish where it listens.
          const own = info.config.subjects ?? [];
          if (options.subjectPrefix === undefined && own.length === 1 && own[0]!.endsWith('.>')) prefix = own[0]!.slice(0, -2);
        } catch (error) {
          if (!/stream not found/i.test((error as Error).message)) throw error;
          await jsm.streams.add({
            name: stream,
            subjects: [`${prefix}.>`],
            storage: nats.StorageType.File,
            retention: nats.RetentionPolicy.Limits,
            duplicate_window: windowMs * NS_PER_MS,
          });
        }
        return { nc, js: nc.jetstream(), jsm };
      } catch (error) {
        await nc.close().catch(() => {});
        session = undefined;
        throw unavailable(`cannot open stream ${stream}`, error);
      }
    })();
    return session;
  }

  function wrap(m: JsMsg): BusDelivery {
    return {
      subject: m.subject,
      data: m.data,
      redelivered: m.redelivered,
      async ack() {
        // ackAck waits for the server to record the ack, so a crash right after cannot redeliver it.
        await m.ackAck();
      },
      nak(delayMs) {
        m.nak(delayMs);
      },
      term(reason) {
        m.term(reason);
      },
    };
  }

  return {
    name: 'nats',
    stream,
    capabilities: { durable: true, deduplicates: true, crossProcess: true },
    async maxMessageBytes() {
      const { nc } = await open();
      return nc.info?.max_payload ?? 1024 * 1024;
    },
    async publish(messages: BusMessage[]): Promise<PublishReport> {
      const { nc, js } = await open();
      const limit = nc.info?.max_payload ?? 1024 * 1024;
      const encoded = messages.map((m) => {
        const data = encodeBusMessage(m);
        assertMessageFits(data, limit, m);
        return data;
      });
      let acks;
      try {
        acks = await Promise.all(
          messages.map((m, i) => {
            const msgID = busMessageId(m);
            return js.publish(busSubject(prefix, m), encoded[i], { ...(msgID === undefined ? {} : { msgID }), expect: { streamName: stream } });
          }),
        );
      } catch (error) {
        throw unavailable('publish failed', error);
      }
      const flags = acks.map((a) => a.duplicate);
      const duplicates = flags.filter(Boolean).length;
      return { published: flags.length - duplicates, duplicates, duplicateFlags: flags };
    },
    async consumer(durable: string, consumerOptions: BusConsumerOptions = {}): Promise<BusConsumer> {
      const { js, jsm } = await open();
      const nats = await import('nats');
      const ackWait = (consumerOptions.ackWaitMs ?? 30_000) * NS_PER_MS;
      try {
        const existing = await jsm.consumers.info(stream, durable).catch((error: Error) => {
          if (/consumer not found/i.test(error.message)) return undefined;
          throw error;
        });
        if (!existing) {
          await jsm.consumers.add(stream, {
            durable_name: durable,
            ack_policy: nats.AckPolicy.Explicit,
            deliver_policy: nats.DeliverPolicy.All,
            ack_wait: ackWait,
            max_ack_pending: 20_000,
          });
        } else if (existing.config.ack_wait !== ackWait) {
          await jsm.consumers.update(stream, durable, { ack_wait: ackWait });
        }
      } catch (error) {
        throw unavailable(`cannot create consumer ${durable}`, error);
      }
      const consumer = await js.consumers.get(stream, durable);
      return {
        async fetch({ max, expiresMs }) {
          try {
            // nats.js requires expires >= 1 s for pull requests.
            const batch = await consumer.fetch({ max_messages: max, expires: Math.max(1000, expiresMs) });
            const out: BusDelivery[] = [];
            for await (const m of batch) out.push(wrap(m));
            return out;
          } catch (error) {
            throw unavailable(`fetch from ${durable} failed`, error);
          }
        },
        async pending() {
          const info = await jsm.consumers.info(stream, durable);
          return info.num_pending + info.num_ack_pending;
        },
        async close() {},
      };
    },
    isConnected() {
      return !closed && connection !== undefined && !connection.isClosed();
    },
    async streamMessages() {
      const { jsm } = await open();
      return (await jsm.streams.info(stream)).state.messages;
    },
    async deleteStream() {
      const { jsm } = await open();
      await jsm.streams.delete(stream);
    },
    async close() {
      if (closed) return;
      closed = true;
      const s = session;
      session = undefined;
      if (s) {
        const { nc } = await s.catch(() => ({ nc: undefined }));
        if (nc) await nc.drain().catch(() => nc.close());
      }
    },
  };
}
