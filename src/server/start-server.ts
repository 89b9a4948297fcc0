import type { AuditSink } from '../audit/audit-sink.js';
import type { LineageEmitter } from '../lineage/lineage-emitter.js';
import { createNatsBus } from '../bus/nats-bus.js';
import type { Bus } from '../bus/bus.js';
import type { BusPacking } from '../bus/bus-ingest-target.js';
import type { LoadedConfig } from '../config/config.js';
import { projectPath, resolveSecret } from '../config/config.js';
import type { ContractResolver } from '../contracts/types.js';
import type { Source } from '../ingest/source.js';
import { openLake } from '../lake/lake.js';
import { openProjectLake } from '../project/project-lake.js';
import type { Lake } from '../lake/types.js';
import { createServer, type VerityServer } from './create-server.js';
import type { RoutePlugin, ServerLake } from './server-context.js';
import { createServerSources } from './server-sources.js';

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** The project's loaded configuration (lake dir, server host/port/limit, secrets, bus). */
  config: LoadedConfig;
  /** Overrides `server.port` (0 picks a free port). */
  port?: number;
  /** Overrides `server.host`. */
  host?: string;
  /** Scale-out: a NATS URL (`nats://…`); overrides `bus` in the config. */
  busUrl?: string;
  /** In bus mode: `event` (default) or `batch` packing. */
  busPacking?: BusPacking;
  /** Validates payloads in the lake's gate (embedded mode); default the project's `contracts.dir`. */
  contracts?: ContractResolver;
  /** Records ingest batches (embedded mode); default the project's audit log. */
  audit?: AuditSink;
  /** Reports ingest runs (embedded mode); default the project's lineage emitter. */
  lineage?: LineageEmitter;
  /** Source adapters (default: every webhook source and native envelopes, with the config's secrets). */
  sources?: readonly Source[];
  /** Extra route plugins (feature serving…). */
  plugins?: readonly RoutePlugin[];
  /** The URL senders sign against (HubSpot v3 covers the URL); default the request's own. */
  publicBaseUrl?: string;
  /** pino logging (default false). */
  logger?: boolean | { level: string };
  /** The clock (signature freshness); default the wall clock. */
  now?: () => Date;
  /** Wraps the opened lake before the server ingests into it (e.g. `withMaterialization` for fresh online features). */
  wrapLake?: (lake: Lake) => ServerLake;
}

/** A started server: its URL, and what it opened. `close()` drains and closes everything. */
export interface StartedServer {
  url: string;
  server: VerityServer;
  /** The lake, in embedded mode. */
  lake: Lake | undefined;
  /** The bus, in scale-out mode. */
  bus: Bus | undefined;
  close(): Promise<void>;
}

/**
 * Opens the lake (or connects the bus) named by the configuration, builds the sources with their
 * secrets, and starts the HTTP server: what `verity serve` runs, and what a demo or a test embeds.
 * @example
 * const started = await startServer({ config: loadConfig({ cwd: dir }), port: 0 });
 * await fetch(`${started.url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
 * await started.close();
 */
export async function startServer(options: StartServerOptions): Promise<StartedServer> {
  const { config } = options.config;
  const secrets = {
    hubspot: resolveSecret(config.secrets.hubspot),
    salesforce: resolveSecret(config.secrets.salesforce),
    debezium: resolveSecret(config.secrets.debezium),
  };
  const busUrl = options.busUrl ?? (config.bus.type === 'nats' ? config.bus.url : undefined);
  const bus = busUrl
    ? createNatsBus({ url: busUrl, ...(config.bus.type === 'nats' && config.bus.stream ? { stream: config.bus.stream } : {}), name: 'verity-serve' })
    : undefined;
  let lake: Lake | undefined;
  try {
    if (bus) await bus.maxMessageBytes(); // connect now: a wrong URL fails at start, not at the first request
    else if (options.contracts)
      lake = await openLake({
        dir: projectPath(options.config, config.lake.dir),
        actor: 'verity serve',
        contracts: options.contracts,
        ...(options.audit ? { audit: options.audit } : {}),
        ...(options.lineage ? { lineage: options.lineage } : {}),
      });
    else
      lake = (await openProjectLake(options.config, { actor: 'verity serve', provenance: true, ...(options.audit ? { audit: options.audit } : {}), ...(options.lineage ? { lineage: options.lineage } : {}) })).lake;
    const server = createServer({
      ...(lake ? { lake: options.wrapLake ? options.wrapLake(lake) : lake } : {}),
      ...(bus ? { bus, busPacking: options.busPacking ?? 'event' } : {}),
      sources: options.sources ?? createServerSources(),
      tenantDefault: config.tenant,
      bodyLimitBytes: config.server.bodyLimitBytes,
      secrets,
      ...(options.plugins ? { plugins: options.plugins } : {}),
      ...(options.publicBaseUrl ? { publicBaseUrl: options.publicBaseUrl } : {}),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.now ? { now: options.now } : {}),
    });
    const url = await server.listen({ port: options.port ?? config.server.port, host: options.host ?? config.server.host });
    return { url, server, lake, bus, close: () => server.close() };
  } catch (error) {
    await lake?.close();
    await bus?.close();
    throw error;
  }
}
