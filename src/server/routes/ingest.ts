import type { FastifyReply, FastifyRequest } from 'fastify';
import { VerityError } from '../../errors.js';
import { ingestDelivery } from '../../ingest/ingest-delivery.js';
import type { SourceDelivery } from '../../ingest/source.js';
import type { RoutePlugin, ServerContext } from '../server-context.js';
import { resolveTenant } from '../tenant.js';

const JSON_TYPES = ['application/json'];
const NDJSON_TYPES = ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'];

/** One ingest endpoint: its path, the source names it looks up (first present wins) and its media types. */
interface IngestEndpoint {
  path: string;
  sources: string[];
  mediaTypes: string[];
}

/** The ingest endpoints. `/v1/events` takes native envelopes as a JSON array or NDJSON. */
export const INGEST_ENDPOINTS: readonly IngestEndpoint[] = [
  { path: '/v1/webhooks/hubspot', sources: ['hubspot'], mediaTypes: JSON_TYPES },
  { path: '/v1/webhooks/salesforce', sources: ['salesforce'], mediaTypes: JSON_TYPES },
  { path: '/v1/webhooks/debezium', sources: ['debezium'], mediaTypes: JSON_TYPES },
  { path: '/v1/events', sources: ['envelopes', 'verity'], mediaTypes: [...JSON_TYPES, ...NDJSON_TYPES] },
];

/** Checks the Content-Type against the endpoint's list (`application/*+json` counts as JSON); charset must be UTF-8. */
export function checkContentType(header: string | undefined, accepted: readonly string[], path: string): void {
  const [type = '', ...params] = (header ?? '').split(';').map((s) => s.trim().toLowerCase());
  const jsonSuffix = accepted.includes('application/json') && /^application\/[a-z0-9.+-]+\+json$/.test(type);
  if (!header || !(accepted.includes(type) || jsonSuffix)) {
    throw new VerityError('UNSUPPORTED_MEDIA_TYPE', `${path} accepts Content-Type ${accepted.join(', ')}; got ${header ? `"${header.slice(0, 100)}"` : 'none'}.`);
  }
  const charset = params.find((p) => p.startsWith('charset='))?.slice(8).replace(/"/g, '');
  if (charset && charset !== 'utf-8' && charset !== 'utf8') {
    throw new VerityError('UNSUPPORTED_MEDIA_TYPE', `${path} accepts UTF-8 bodies only; got charset "${charset.slice(0, 40)}".`);
  }
}

function flatHeaders(request: FastifyRequest): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(request.headers)) out[name] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

const wantsResults = (query: unknown) => {
  const v = (query as Record<string, unknown> | undefined)?.results;
  return v === 'true' || v === '1';
};

function handler(endpoint: IngestEndpoint, context: ServerContext) {
  const sourceName = endpoint.sources.find((n) => context.sources[n]) ?? endpoint.sources[0]!;
  return async (request: FastifyRequest, reply: FastifyReply) => {
    if (context.isDraining()) throw new VerityError('UNAVAILABLE', 'The server is shutting down and accepts no new batches; retry on another instance or later.');
    checkContentType(request.headers['content-type'], endpoint.mediaTypes, endpoint.path);
    const source = context.sources[sourceName];
    if (!source) throw new VerityError('NOT_FOUND', `No "${sourceName}" source is configured on this server, so ${endpoint.path} is not available.`);
    const tenant_id = resolveTenant(request.query, request.headers['x-verity-tenant'], context.tenantDefault);
    const body = request.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new VerityError('MALFORMED_INPUT', `${endpoint.path}: the request body is empty; send a JSON body.`);
    const delivery: SourceDelivery = {
      body,
      headers: flatHeaders(request),
      method: request.method,
      url: `${context.publicBaseUrl ?? `${request.protocol}://${request.host}`}${request.url}`,
    };
    const started = performance.now();
    const report = await context.track(() =>
      ingestDelivery({ source, delivery, target: context.target, tenant_id, now: context.now(), secret: context.secrets[source.name] }),
    );
    context.metrics.recordBatch(source.name, report, (performance.now() - started) / 1000);
    return reply.code(202).send({
      accepted: report.accepted,
      duplicates: report.duplicates,
      quarantined: report.quarantined,
      byReason: report.byReason,
      ...(report.signals.length ? { signals: report.signals } : {}),
      ...(wantsResults(request.query) ? { results: report.results } : {}),
    });
  };
}

/** The ingest routes: webhooks per source and `/v1/events`. Each answers 202 only once the batch is durable. */
export const ingestRoutes: RoutePlugin = async (app, { context }) => {
  for (const endpoint of INGEST_ENDPOINTS) {
    app.post(endpoint.path, { config: { source: endpoint.sources[0] } }, handler(endpoint, context));
  }
};
