import type { Envelope } from '../envelope.js';
import type { IngestTarget } from '../ingest/ingest-target.js';
import type { Materializer } from './materializer.js';

/**
 * Wraps an ingest target (the lake) so every batch's ACCEPTED envelopes reach the materializer's
 * continuous hook as soon as the batch is durable: the freshness path from webhook to online store.
 * The hook runs before `ingest` resolves, so a sender's 202 means "visible online". A failing hook
 * never fails the ingest (the batch is already durable; `verity features materialize` catches up):
 * it is reported through `onError`.
 * @example
 * const lake = withMaterialization(await openLake({ dir }), materializer);
 * createServer({ lake, sources, plugins: [createFeatureRoutes({ store, views })] });
 */
export function withMaterialization<T extends IngestTarget>(target: T, materializer: Materializer, onError: (error: unknown) => void = () => {}): T {
  return new Proxy(target, {
    get(obj, prop, receiver) {
      if (prop !== 'ingest') {
        const v = Reflect.get(obj, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(obj) : v;
      }
      return async (envelopes: Envelope[], options?: Parameters<IngestTarget['ingest']>[1]) => {
        const report = await obj.ingest(envelopes, options);
        const seqs = new Map(report.results.filter((r) => r.status === 'accepted' && r.ingest_seq !== undefined).map((r) => [r.event_id, r.ingest_seq!]));
        if (seqs.size > 0) {
          const now = new Date().toISOString();
          const accepted = envelopes.filter((e) => seqs.has(e.event_id)).map((e) => ({ ...e, ingest_seq: seqs.get(e.event_id)!, ingest_time: e.ingest_time ?? now }));
          try {
            await materializer.onAccepted(accepted);
          } catch (error) {
            onError(error);
          }
        }
        return report;
      };
    },
  });
}
