import type { Envelope } from '../envelope.js';

/**
 * The Source contract: turns one source's native input (a webhook delivery, a CDC message, a file)
 * into envelopes with deterministic `event_id`s. Adapters live in `sources/`, one file each, and
 * all run the shared conformance suite in `test/conformance/source.ts`.
 */

/** What a source can do; the core branches on these, never on names. */
export interface SourceCapabilities {
  /** Deliveries carry a signature that {@link Source.verify} checks. */
  readonly signatures: boolean;
  /** One delivery may carry many events. */
  readonly batches: boolean;
  /** Emits deletes. */
  readonly deletes: boolean;
  /** Emits merges. */
  readonly merges: boolean;
  /** May emit "re-sync needed" signals (gaps, overflows) that are not data. */
  readonly resyncSignals: boolean;
  /** Implements {@link Source.decodeStream}: reads a whole file or stream of any size in constant memory. */
  readonly streaming?: boolean;
}

/** One delivery as received over HTTP or from a bus: raw bytes plus what is needed to verify it. */
export interface SourceDelivery {
  /** The raw body, exactly as received (signatures are over these bytes). */
  body: Buffer;
  /** Request headers, lower-cased names. */
  headers: Record<string, string | undefined>;
  /** HTTP method, for signatures that cover it (HubSpot). */
  method?: string;
  /** The full URL as the sender addressed it (scheme://host/path?query), for signatures that cover it. */
  url?: string;
}

/** What decoding needs to know. */
export interface DecodeContext {
  /** The tenant the delivery belongs to. */
  tenant_id: string;
  /** The clock, for signature freshness windows (injected so tests are deterministic). */
  now: Date;
  /** Shared secret for signature verification, when the source is configured with one. */
  secret?: string;
}

/** An item of a delivery that could not be turned into an envelope: kept, never dropped. */
export interface RejectedItem {
  /** Index of the item within the delivery (or row number in a file). */
  index: number;
  /** The item's original text. */
  raw: string;
  /** Stable reason code, e.g. `MALFORMED_JSON`, `UNKNOWN_ENTITY`, `MISSING_FIELD`. */
  code: string;
  message: string;
}

/** A signal that is not data: e.g. Salesforce GAP_* events mean "re-sync this entity from the source". */
export interface SourceSignal {
  kind: 'resync_needed';
  entity: string;
  /** Record ids concerned, when known (empty for overflow). */
  record_ids: string[];
  /** The source's own words (change type, replay id…). */
  detail: Record<string, unknown>;
}

/** The outcome of decoding one delivery. */
export interface DecodeResult {
  envelopes: Envelope[];
  rejected: RejectedItem[];
  signals: SourceSignal[];
  /**
   * Items deliberately not turned into envelopes because they are not data (Debezium tombstones,
   * transaction markers, schema-change events, blank lines…), counted by kind so nothing disappears
   * unaccounted. Absent when nothing was skipped.
   */
  skipped?: Record<string, number>;
}

/** Options for {@link Source.decodeStream}. */
export interface DecodeStreamOptions {
  /** The file name used in event ids (defaults to the basename of the path, required for a bare stream). */
  fileName?: string;
  /** Envelopes + rejected items per yielded batch (default 1000). */
  batchSize?: number;
}

/** A source adapter. */
export interface Source {
  /** Stable name: `hubspot`, `salesforce`, `debezium`, `ndjson`, `csv`, `verity`. */
  readonly name: string;
  readonly capabilities: SourceCapabilities;
  /**
   * Checks a delivery's signature. Throws `VerityError('SIGNATURE_INVALID')` when it is missing,
   * stale or wrong. Only present when `capabilities.signatures`.
   */
  verify?(delivery: SourceDelivery, context: DecodeContext): void;
  /**
   * Decodes a delivery into envelopes. A body that is not parseable at all throws
   * `VerityError('MALFORMED_INPUT')`; individual bad items become {@link RejectedItem}s.
   */
  decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult;
  /**
   * Streams a file (a path) or a Readable of any size in constant memory, yielding decode results in
   * batches. Only present when `capabilities.streaming` (the file sources).
   */
  decodeStream?(input: string | NodeJS.ReadableStream, context: DecodeContext, options?: DecodeStreamOptions): AsyncIterable<DecodeResult>;
}
