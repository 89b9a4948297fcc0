import { Counter, Gauge } from 'prom-client';
import { VerityError } from '../../errors.js';
import type { FeatureView } from '../../features/feature-view.js';
import { MAX_ENTITIES_PER_LOOKUP, getOnlineFeatures, type ServingLog } from '../../features/online-features.js';
import { onlineResponseJson } from '../../features/online-response.js';
import type { OnlineStore } from '../../features/online-store.js';
import type { NearCacheStats } from '../../features/online-stores/near-cache.js';
import type { ServerMetrics } from '../server-metrics.js';
import type { RoutePlugin } from '../server-context.js';
import { resolveTenant } from '../tenant.js';

/** Options of {@link createFeatureRoutes}. */
export interface FeatureRoutesOptions {
  store: OnlineStore;
  views: readonly FeatureView[];
  /** Served lookups are logged here for parity. */
  log?: ServingLog;
  /** The read clock (default: the server's). */
  now?: () => Date;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * `POST /v1/features/online`: online feature lookup, row-oriented.
 *
 * Body `{ "view": "contact_engagement", "entities": [{ "contact_id": "con_1" }, …], "features"?: ["lead_score"] }`
 * (tenant by `?tenant=` / `X-Verity-Tenant`, else the default). Answers
 * `{ view, view_version, tenant, rows: [{ entity, features: { name: { value, status, event_time, age_ms } } }] }`
 * in request order. At most 1000 entities and 1 MiB per request.
 */
export function createFeatureRoutes(options: FeatureRoutesOptions): RoutePlugin {
  const byName = new Map(options.views.map((v) => [v.name, v]));
  return async (app, { context }) => {
    const store = options.store as OnlineStore & { nearCacheStats?: () => NearCacheStats | undefined };
    if (store.nearCacheStats?.()) nearCacheMetrics(context.metrics, () => store.nearCacheStats!()!);
    // The serving log buffers lines briefly; closing the server writes what is pending.
    app.addHook('onClose', async () => {
      await options.log?.flush?.();
    });
    app.post('/v1/features/online', async (request, reply) => {
      const tenant = resolveTenant(request.query, request.headers['x-verity-tenant'], context.tenantDefault);
      const type = String(request.headers['content-type'] ?? '');
      if (!/^application\/json\b/i.test(type)) throw new VerityError('UNSUPPORTED_MEDIA_TYPE', `POST /v1/features/online takes application/json, not "${type || '(none)'}".`);
      const raw = request.body;
      const text = Buffer.isBuffer(raw) ? raw.toString('utf8') : typeof raw === 'string' ? raw : JSON.stringify(raw ?? null);
      if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new VerityError('PAYLOAD_TOO_LARGE', `A feature lookup body may be at most ${MAX_BODY_BYTES} bytes.`);
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (error) {
        throw new VerityError('MALFORMED_INPUT', `The body is not valid JSON: ${(error as Error).message}`);
      }
      const { view: viewName, entities, features } = (body ?? {}) as { view?: unknown; entities?: unknown; features?: unknown };
      if (typeof viewName !== 'string') throw new VerityError('UNPROCESSABLE', 'The body needs "view": the feature view name.');
      const view = byName.get(viewName);
      if (!view) throw new VerityError('NOT_FOUND', `Feature view "${viewName.slice(0, 80)}" is not served; served: ${[...byName.keys()].join(', ') || '(none)'}.`);
      if (!Array.isArray(entities) || entities.length === 0 || entities.some((e) => typeof e !== 'object' || e === null || Array.isArray(e)))
        throw new VerityError('UNPROCESSABLE', 'The body needs "entities": a non-empty array of key objects, e.g. [{"contact_id":"con_1"}].');
      if (entities.length > MAX_ENTITIES_PER_LOOKUP) throw new VerityError('UNPROCESSABLE', `At most ${MAX_ENTITIES_PER_LOOKUP} entities per request (got ${entities.length}).`);
      if (features !== undefined && (!Array.isArray(features) || features.some((f) => typeof f !== 'string')))
        throw new VerityError('UNPROCESSABLE', '"features", when given, must be an array of feature names.');
      const rows = await getOnlineFeatures(options.store, view, entities as Array<Record<string, unknown>>, {
        tenant,
        now: (options.now ?? context.now)(),
        ...(features ? { features: features as string[] } : {}),
        ...(options.log ? { log: options.log } : {}),
      });
      // Written directly: the same bytes as JSON.stringify of { view, view_version, tenant, rows: [{ entity, features }] }.
      void reply.header('content-type', 'application/json; charset=utf-8');
      return onlineResponseJson(view, tenant, rows);
    });
    app.get('/v1/features/views', async () => ({
      views: options.views.map((v) => ({ name: v.name, version: v.version, entity: v.entity, keys: v.keys, features: v.features.map((f) => f.name), maxAgeMs: v.maxAgeMs ?? null })),
    }));
  };
}

/** The online store's near cache on `/metrics`: rows held, hits, misses, invalidations and resets. */
function nearCacheMetrics(metrics: ServerMetrics, stats: () => NearCacheStats): void {
  const registers = [metrics.registry];
  new Gauge({ name: 'verity_online_near_cache_rows', help: 'Rows held by the online store near cache.', registers, collect() {
    this.set(stats().rows);
  } });
  new Gauge({ name: 'verity_online_near_cache_enabled', help: '1 while the near cache answers reads (its invalidation channel is armed).', registers, collect() {
    this.set(stats().enabled ? 1 : 0);
  } });
  for (const [key, help] of [
    ['hits', 'Online reads answered from the near cache.'],
    ['misses', 'Online reads the near cache sent to the store.'],
    ['invalidations', 'Near cache rows dropped because the store reported a change.'],
    ['resets', 'Times the whole near cache was dropped (lost connection, stalled invalidations, flush).'],
  ] as const) {
    let seen = 0;
    new Counter({ name: `verity_online_near_cache_${key}_total`, help, registers, collect() {
      const now = stats()[key];
      if (now > seen) this.inc(now - seen);
      seen = now;
    } });
  }
}
