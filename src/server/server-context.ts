import type { FastifyPluginAsync } from 'fastify';
import type { Bus } from '../bus/bus.js';
import type { IngestTarget } from '../ingest/ingest-target.js';
import type { Source } from '../ingest/source.js';
import type { ServerMetrics } from './server-metrics.js';

/** The lake as the server sees it: something to ingest into, closed on shutdown. */
export interface ServerLake extends IngestTarget {
  close?(): Promise<void>;
}

/** Shared state every route plugin receives as `options.context`. */
export interface ServerContext {
  readonly tenantDefault: string;
  /** Source adapters by name (`hubspot`, `salesforce`, `debezium`, `envelopes`/`verity`). */
  readonly sources: Readonly<Record<string, Source | undefined>>;
  /** Webhook secrets by source name; a source with a secret requires a valid signature. */
  readonly secrets: Readonly<Record<string, string | undefined>>;
  /** Where decoded events go: the lake, or the bus publisher in scale-out mode. */
  readonly target: IngestTarget;
  /** The lake, when the server writes it directly (absent in bus mode). */
  readonly lake: ServerLake | undefined;
  /** The bus, in scale-out mode. */
  readonly bus: Bus | undefined;
  readonly metrics: ServerMetrics;
  /** The URL senders address (scheme://host[:port]), for signatures over the URL; else taken from the request. */
  readonly publicBaseUrl: string | undefined;
  /** The clock (signature freshness). */
  now(): Date;
  /** Why the server is not ready, or undefined when it is. */
  notReadyReason(): string | undefined;
  /** True once shutdown began: ingest routes answer 503. */
  isDraining(): boolean;
  /** Runs a batch as in-flight work, so shutdown waits for it before closing the lake. */
  track<T>(work: () => Promise<T>): Promise<T>;
}

/** Options every route plugin is registered with. */
export interface RoutePluginOptions {
  context: ServerContext;
}

/** A route plugin: `src/server/routes/*.ts` export these; `createServer({ plugins })` registers extra ones. */
export type RoutePlugin = FastifyPluginAsync<RoutePluginOptions>;
