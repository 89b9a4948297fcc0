import type { Envelope } from '../envelope.js';
import type { IngestCallOptions, IngestReport, IngestTarget } from '../ingest/ingest-target.js';
import type { Bus, BusMessage } from './bus.js';

/**
 * An {@link IngestTarget} that publishes to a {@link Bus} instead of writing the lake: what a
 * stateless `verity serve --bus …` hands decoded events to. It resolves once the bus has stored
 * every message, so a 202 still means "durable". Dedupe and validation happen later, in the
 * lake-writer; here `duplicates` counts what the bus itself recognised inside its window and
 * `quarantined` counts undecodable items (sent on for quarantine).
 */
export function createBusIngestTarget(bus: Bus, defaults: { source?: string; tenant_id?: string } = {}): IngestTarget {
  return {
    async ingest(envelopes: Envelope[], options: IngestCallOptions = {}): Promise<IngestReport> {
      const source = options.source ?? defaults.source ?? 'unknown';
      const rejected = options.rejected ?? [];
      const tenant_id = options.tenant_id ?? defaults.tenant_id ?? envelopes[0]?.tenant_id ?? 'default';
      const messages: BusMessage[] = envelopes.map((envelope) => ({ kind: 'envelope', source, envelope }));
      for (const item of rejected) messages.push({ kind: 'rejected', source, tenant_id, item });
      const published = messages.length ? await bus.publish(messages) : { published: 0, duplicates: 0, duplicateFlags: [] };
      const byReason: Record<string, number> = {};
      for (const item of rejected) byReason[item.code] = (byReason[item.code] ?? 0) + 1;
      const results: IngestReport['results'] = envelopes.map((e, i) => ({ event_id: e.event_id, status: published.duplicateFlags[i] ? 'duplicate' : 'accepted' }));
      const duplicates = published.duplicateFlags.slice(0, envelopes.length).filter(Boolean).length;
      return { accepted: envelopes.length - duplicates, duplicates, quarantined: rejected.length, byReason, results };
    },
  };
}
