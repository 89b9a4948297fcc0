import type { Envelope } from '../envelope.js';
import type { IngestCallOptions, IngestReport, IngestTarget } from '../ingest/ingest-target.js';
import type { Bus, BusMessage } from './bus.js';

/**
 * How envelopes are put on the bus: `event` (default) publishes one message per envelope, with
 * JetStream de-duplication per `tenant_id:event_id`; `batch` publishes each delivery's envelopes as
 * one message (far fewer publish round trips; de-duplication per identical batch, and the lake's
 * own dedupe per event as always). A batch over the bus's message limit falls back to `event`.
 */
export type BusPacking = 'event' | 'batch';

/** Options of {@link createBusIngestTarget}. */
export interface BusIngestTargetOptions {
  packing?: BusPacking;
  /** Source name when a call names none. */
  source?: string;
  /** Tenant for rejected items when a call names none. */
  tenant_id?: string;
}

/**
 * An {@link IngestTarget} that publishes to a {@link Bus} instead of writing the lake: what a
 * stateless `verity serve --bus …` hands decoded events to. It resolves once the bus has stored
 * every message, so a 202 still means "durable". Dedupe and validation happen later, in the
 * lake-writer; here `duplicates` counts what the bus itself recognised inside its window and
 * `quarantined` counts undecodable items (sent on for quarantine).
 */
export function createBusIngestTarget(bus: Bus, defaults: BusIngestTargetOptions = {}): IngestTarget {
  const packing = defaults.packing ?? 'event';
  return {
    async ingest(envelopes: Envelope[], options: IngestCallOptions = {}): Promise<IngestReport> {
      const source = options.source ?? defaults.source ?? 'unknown';
      const rejected = options.rejected ?? [];
      const tenant_id = options.tenant_id ?? defaults.tenant_id ?? envelopes[0]?.tenant_id ?? 'default';
      let messages: BusMessage[] = envelopes.map((envelope) => ({ kind: 'envelope', source, envelope }));
      let packed = false;
      if (packing === 'batch' && envelopes.length > 1 && envelopes.every((e) => e.tenant_id === tenant_id)) {
        const batch: BusMessage = { kind: 'batch', source, tenant_id, envelopes };
        // Leave headroom for JSON framing differences; an oversize batch goes out event by event.
        if (Buffer.byteLength(JSON.stringify(batch)) + 1024 <= (await bus.maxMessageBytes())) {
          messages = [batch];
          packed = true;
        }
      }
      const dataMessages = messages.length;
      for (const item of rejected) messages.push({ kind: 'rejected', source, tenant_id, item });
      const published = messages.length ? await bus.publish(messages) : { published: 0, duplicates: 0, duplicateFlags: [] };
      const byReason: Record<string, number> = {};
      for (const item of rejected) byReason[item.code] = (byReason[item.code] ?? 0) + 1;
      const flags = packed ? envelopes.map(() => published.duplicateFlags[0] === true) : published.duplicateFlags.slice(0, dataMessages);
      const results: IngestReport['results'] = envelopes.map((e, i) => ({ event_id: e.event_id, status: flags[i] ? 'duplicate' : 'accepted' }));
      const duplicates = flags.filter(Boolean).length;
      return { accepted: envelopes.length - duplicates, duplicates, quarantined: rejected.length, byReason, results };
    },
  };
}
