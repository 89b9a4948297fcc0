import type { Envelope } from '../envelope.js';
import type { RejectedItem } from '../ingest/source.js';

/**
 * The Bus contract: how stateless ingest servers hand accepted events to the lake-writer in
 * scale-out mode (DESIGN.md section 12). The reference implementation is the in-process
 * {@link createMemoryBus}; {@link createNatsBus} runs on NATS JetStream. Both run the shared
 * conformance suite in `test/conformance/bus.ts`.
 */

/** One message on the bus: a decoded envelope, or an undecodable item bound for quarantine. */
export type BusMessage =
  | { kind: 'envelope'; source: string; envelope: Envelope }
  | { kind: 'rejected'; source: string; tenant_id: string; item: RejectedItem }
  /** Several envelopes of one tenant in one message (packing `batch`: fewer, larger messages). */
  | { kind: 'batch'; source: string; tenant_id: string; envelopes: Envelope[] };

/** What a bus can do; callers branch on these, never on names. */
export interface BusCapabilities {
  /** Messages survive a restart of the publishing and consuming processes. */
  readonly durable: boolean;
  /** Publishing the same message id twice within a window stores it once. */
  readonly deduplicates: boolean;
  /** Publishers and consumers may live in different processes. */
  readonly crossProcess: boolean;
}

/** The outcome of a publish: resolved only after every message is stored (acknowledged by the bus). */
export interface PublishReport {
  /** Messages newly stored. */
  published: number;
  /** Messages the bus recognised as already stored (same message id inside its window). */
  duplicates: number;
  /** Per message, in input order: true when the bus reported it as a duplicate. */
  duplicateFlags: boolean[];
}

/** One message handed to a consumer; must be acked, nak'ed or terminated. */
export interface BusDelivery {
  readonly subject: string;
  /** The raw bytes (validated by the consumer: a bus is an external input). */
  readonly data: Uint8Array;
  /** True when this message was delivered before and not acked. */
  readonly redelivered: boolean;
  /** Acknowledges the message; resolves once the bus has recorded the ack. */
  ack(): Promise<void>;
  /** Asks for redelivery (after `delayMs`). */
  nak(delayMs?: number): void;
  /** Gives up on the message for good (it is never redelivered). */
  term(reason: string): void;
}

/** Options of a durable consumer. */
export interface BusConsumerOptions {
  /** How long a delivered message may stay unacknowledged before it is redelivered (default 30 s). */
  ackWaitMs?: number;
}

/** A durable consumer: its position survives consumer restarts. */
export interface BusConsumer {
  /** Fetches up to `max` messages, waiting up to `expiresMs` for the first ones. */
  fetch(options: { max: number; expiresMs: number }): Promise<BusDelivery[]>;
  /** Messages this durable consumer has not acked yet: not yet delivered plus delivered and awaiting ack. */
  pending(): Promise<number>;
  /** Stops this consumer handle (the durable position is kept). */
  close(): Promise<void>;
}

/** A message bus between ingest servers and the lake-writer. */
export interface Bus {
  /** `memory`, `nats`. */
  readonly name: string;
  readonly capabilities: BusCapabilities;
  /** Largest encoded message the bus accepts, in bytes. */
  maxMessageBytes(): Promise<number>;
  /** Publishes messages; resolves once all are stored. The message id is `tenant_id:event_id` for envelopes. */
  publish(messages: BusMessage[]): Promise<PublishReport>;
  /** Opens (or creates) the durable consumer `durable`. */
  consumer(durable: string, options?: BusConsumerOptions): Promise<BusConsumer>;
  /** True while the bus is usable (connected, not closed). */
  isConnected(): boolean;
  /** Closes the connection; safe to call twice. */
  close(): Promise<void>;
}
