import type { Envelope } from '../envelope.js';

/** Which raw events to scan: the same options the lake's `scanRaw` takes. */
export interface RawScanOptions {
  tenant_id?: string;
  entity?: string;
  /** First `ingest_seq` to return (inclusive). */
  fromSeq?: number;
  /** Last `ingest_seq` to return (inclusive). */
  toSeq?: number;
}

/**
 * The narrow view of the lake that staging and materialization read: raw envelopes in `ingest_seq`
 * order and the last assigned position. The lake's `Lake` satisfies it structurally.
 */
export interface RawEventSource {
  /** Accepted envelopes (with `ingest_seq` and `ingest_time` set) in `ingest_seq` order. */
  scanRaw(options?: RawScanOptions): AsyncIterable<Envelope>;
  /** The last `ingest_seq` assigned, 0 when empty. */
  lastSeq(): number;
}

/**
 * An in-memory {@link RawEventSource} over an array of envelopes: the test double and the
 * documentation example. Envelopes without `ingest_seq` get consecutive positions (from 1, in array
 * order); without `ingest_time` they get their `event_time`.
 * @example
 * const source = createMemoryRawEventSource(envelopes);
 * await buildStaging({ source, dir: '.verity' });
 */
export function createMemoryRawEventSource(envelopes: Envelope[] = []): RawEventSource & { append(more: Envelope[]): void } {
  const events: Envelope[] = [];
  const append = (more: Envelope[]) => {
    for (const e of more) {
      const seq = e.ingest_seq ?? (events.at(-1)?.ingest_seq ?? 0) + 1;
      events.push({ ...e, ingest_seq: seq, ingest_time: e.ingest_time ?? e.event_time });
    }
    events.sort((a, b) => a.ingest_seq! - b.ingest_seq!);
  };
  append(envelopes);
  return {
    append,
    lastSeq: () => events.at(-1)?.ingest_seq ?? 0,
    async *scanRaw(options: RawScanOptions = {}) {
      for (const e of events) {
        if (options.tenant_id !== undefined && e.tenant_id !== options.tenant_id) continue;
        if (options.entity !== undefined && e.entity !== options.entity) continue;
        if (options.fromSeq !== undefined && e.ingest_seq! < options.fromSeq) continue;
        if (options.toSeq !== undefined && e.ingest_seq! > options.toSeq) continue;
        yield e;
      }
    },
  };
}
