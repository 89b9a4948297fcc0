import Fastify, { type FastifyInstance } from 'fastify';
import type { Bus } from '../bus/bus.js';
import { createBusIngestTarget, type BusPacking } from '../bus/bus-ingest-target.js';
import { VerityError } from '../errors.js';
import type { Source } from '../ingest/source.js';
import { toErrorReply } from './error-reply.js';
import { healthRoutes } from './routes/health.js';
import { ingestRoutes } from './routes/ingest.js';
import { metricsRoutes } from './routes/metrics.js';
import type { RoutePlugin, ServerContext, ServerLake } from './server-context.js';
import { createServerMetrics } from './server-metrics.js';
import { TENANT_PATTERN } from './tenant.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** The lake the server writes (embedded mode). Required unless `bus` is given. */
  lake?: ServerLake;
  /** Scale-out mode: publish accepted events to this bus instead of writing the lake. */
  bus?: Bus;
  /** In bus mode: one message per event (default) or one per delivery (see {@link BusPacking}). */
  busPacking?: BusPacking;
  /** Source adapters, by name or as a list (their `name` is the key). */
  sources: Record<string, Source | undefined> | readonly Source[];
  /** Tenant of requests that name none (default `default`). */
  tenantDefault?: string;
  /** Largest request body in bytes (default 5 MiB). */
  bodyLimitBytes?: number;
  /** Webhook secrets by source name; a source with a secret requires a valid signature. */
  secrets?: Record<string, string | undefined>;
  /** `true` for pino's info-level JSON logs, `{ level }` to choose, `false` (default) for none. */
  logger?: boolean | { level: string };
  /** Extra route plugins (e.g. feature serving), registered after the built-in routes. */
  plugins?: readonly RoutePlugin[];
  /** The URL senders address, for signatures over the URL (HubSpot v3) behind proxies or port maps. */
  publicBaseUrl?: string;
  /** The clock (signature freshness windows); default the wall clock. */
  now?: () => Date;
  /** Add Node's process metrics to `/metrics` (default false). */
  defaultMetrics?: boolean;
  /** Close the lake and the bus on {@link VerityServer.close} (default true). */
  closeResources?: boolean;
}

/** A created server: the Fastify app plus lifecycle. */
export interface VerityServer {
  /** The Fastify instance (use `app.inject` in tests). */
  readonly app: FastifyInstance;
  readonly context: ServerContext;
  /** Starts listening and returns the URL (port 0 picks a free port). */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  /**
   * Graceful shutdown: stop accepting (ingest answers 503, `/readyz` says draining), wait for
   * in-flight batches to become durable, then close the lake and the bus. Safe to call twice.
   */
  close(): Promise<void>;
}

/**
 * Creates Verity's HTTP server: routing and mapping only. Ingest endpoints hand raw bodies to the
 * source adapters and their envelopes to the lake (or, with `bus`, to the bus), answering 202 once
 * the batch is durable; every error is mapped to a status and `{error:{code,message}}` in one place.
 * @example
 * const server = createServer({ lake, sources: [hubspot, envelopes], secrets: { hubspot: 'secret' } });
 * const url = await server.listen({ port: 8787 });
 * // … later, on SIGTERM:
 * await server.close();
 */
export function createServer(options: ServerOptions): VerityServer {
  if (!options.lake && !options.bus) throw new VerityError('INVALID_ARGUMENT', 'createServer needs a lake (embedded mode) or a bus (scale-out mode).');
  const tenantDefault = options.tenantDefault ?? 'default';
  if (!TENANT_PATTERN.test(tenantDefault)) throw new VerityError('INVALID_ARGUMENT', `Default tenant "${tenantDefault}" is not valid: use 1–64 letters, digits, "_", "." or "-".`);
  const bodyLimit = options.bodyLimitBytes ?? 5 * 1024 * 1024;
  const sources: Record<string, Source | undefined> = Array.isArray(options.sources)
    ? Object.fromEntries((options.sources as readonly Source[]).map((s) => [s.name, s]))
    : { ...(options.sources as Record<string, Source | undefined>) };
  const metrics = createServerMetrics({ defaultMetrics: options.defaultMetrics ?? false });
  const inFlight = new Set<Promise<unknown>>();
  let draining = false;
  let closing: Promise<void> | undefined;
  const lakeOrBus = options.bus ? createBusIngestTarget(options.bus, { packing: options.busPacking ?? 'event' }) : options.lake!;

  const context: ServerContext = {
    tenantDefault,
    sources,
    secrets: { ...options.secrets },
    target: lakeOrBus,
    lake: options.bus ? undefined : options.lake,
    bus: options.bus,
    metrics,
    publicBaseUrl: options.publicBaseUrl?.replace(/\/+$/, ''),
    now: options.now ?? (() => new Date()),
    notReadyReason() {
      if (draining) return 'draining: the server is shutting down';
      if (options.bus && !options.bus.isConnected()) return `bus ${options.bus.name} is not connected`;
      return undefined;
    },
    isDraining: () => draining,
    track(work) {
      const p = work();
      inFlight.add(p);
      const done = () => inFlight.delete(p);
      p.then(done, done);
      return p;
    },
  };

  const logger = options.logger ?? false;
  const app = Fastify({
    logger: logger === true ? { level: 'info' } : logger === false ? false : logger,
    bodyLimit,
    return503OnClosing: true,
  });
  // While draining, responses ask the client to close its keep-alive connection so shutdown is not held open.
  // (Callback style: no promise per response.)
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
  // Bodies stay raw Buffers: signatures are computed over the exact bytes received.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  app.setErrorHandler((error, request, reply) => {
    const mapped = toErrorReply(error, request.id);
    const source = (request.routeOptions.config as { source?: string } | undefined)?.source ?? 'none';
    metrics.recordError(source, mapped.body.error.code);
    if (mapped.isServerFault) request.log.error({ err: error }, mapped.body.error.message);
    else request.log.info({ code: mapped.body.error.code }, mapped.body.error.message);
    return reply.code(mapped.status).send(mapped.body);
  });
  app.setNotFoundHandler((request, reply) => {
    const mapped = toErrorReply(new VerityError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}. See docs/ingest.md for the endpoints.`));
    return reply.code(mapped.status).send(mapped.body);
  });
  for (const plugin of [healthRoutes, metricsRoutes, ingestRoutes, ...(options.plugins ?? [])]) void app.register(plugin, { context });

  return {
    app,
    context,
    async listen(listenOptions = {}) {
      return app.listen({ port: listenOptions.port ?? 8787, host: listenOptions.host ?? '127.0.0.1' });
    },
    close() {
      closing ??= (async () => {
        draining = true;
        const stopped = app.close();
        while (inFlight.size) await Promise.allSettled([...inFlight]);
        // Let the drained responses flush, then drop keep-alive connections that would hold close() open.
        await new Promise((r) => setTimeout(r, 20));
        app.server.closeIdleConnections?.();
        const force = setTimeout(() => app.server.closeAllConnections?.(), 5000);
        await stopped;
        clearTimeout(force);
        if (options.closeResources !== false) {
          await options.lake?.close?.();
          await options.bus?.close();
        }
      })();
      return closing;
    },
  };
}
