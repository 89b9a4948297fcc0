import type { Command } from 'commander';
import { VerityError } from '../../errors.js';
import { createFeatureServing } from '../../server/feature-serving.js';
import { startServer } from '../../server/start-server.js';
import type { CliContext } from '../context.js';

const parsePort = (value: string): number => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new VerityError('INVALID_ARGUMENT', `--port must be an integer 0–65535, got "${value}".`);
  return n;
};

/** Resolves on the first SIGTERM or SIGINT. */
function waitForShutdownSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (signal: NodeJS.Signals) => {
      process.off('SIGTERM', on);
      process.off('SIGINT', on);
      resolve(signal);
    };
    process.on('SIGTERM', on);
    process.on('SIGINT', on);
  });
}

/** `verity serve`: the HTTP ingest server (embedded lake, or stateless over NATS JetStream with `--bus`). */
export function registerServe(program: Command, context: () => CliContext): void {
  program
    .command('serve')
    .description('serve the HTTP ingest endpoints (webhooks, /v1/events) until SIGTERM/SIGINT, then drain and close')
    .option('--port <port>', 'port to listen on (default: server.port in the config, 8787; 0 = any free port)', parsePort)
    .option('--host <host>', 'interface to bind (default: server.host in the config, 127.0.0.1)')
    .option('--bus <url>', 'scale-out: publish to NATS JetStream at this URL (e.g. nats://127.0.0.1:4222) instead of writing the lake')
    .option('--bus-pack <packing>', 'with --bus: "event" (one JetStream message per event, default) or "batch" (one per request)', 'event')
    .option('--public-url <url>', 'the base URL senders sign against (HubSpot v3 signs the URL), when behind a proxy')
    .option('--log <level>', 'pino log level (info, warn, error, silent)', 'info')
    .action(async (opts: { port?: number; host?: string; bus?: string; busPack: string; publicUrl?: string; log: string }) => {
      const ctx = context();
      if (opts.busPack !== 'event' && opts.busPack !== 'batch') throw new VerityError('INVALID_ARGUMENT', `--bus-pack must be "event" or "batch", got "${opts.busPack}".`);
      // Feature views in the project: serve lookups and keep the online store fresh from ingest. On a
      // bus (--bus, or bus: nats in the config) this process writes no lake: it serves lookups only
      // from a shared online store (Redis), which `verity lake-writer` keeps fresh.
      const busMode = opts.bus !== undefined || ctx.config().config.bus.type === 'nats';
      let features = await createFeatureServing(ctx.config(), { onError: (e) => ctx.info(`features: online update failed: ${(e as Error).message}`) });
      if (busMode && features && !features.services.store.capabilities.shared) {
        ctx.info('features: not served with --bus: the memory online store belongs to one process; set onlineStore: {type: redis, url} so lake-writers fill it and every server reads it.');
        await features.close();
        features = undefined;
      }
      const started = await startServer({
        config: ctx.config(),
        ...(features ? { plugins: features.plugins, ...(busMode ? {} : { wrapLake: features.wrapLake }) } : {}),
        ...(opts.port === undefined ? {} : { port: opts.port }),
        ...(opts.host ? { host: opts.host } : {}),
        ...(opts.bus ? { busUrl: opts.bus } : {}),
        busPacking: opts.busPack,
        ...(opts.publicUrl ? { publicBaseUrl: opts.publicUrl } : {}),
        logger: opts.log === 'silent' ? false : { level: opts.log },
      });
      const mode = started.bus ? `bus ${opts.bus ?? 'nats'}` : `lake ${started.lake?.dir ?? ''}`;
      ctx.print({ url: started.url, mode: started.bus ? 'bus' : 'lake' }, () => `Verity listening on ${started.url} (${mode})`);
      if (!started.server.context.secrets.hubspot) ctx.info('warning: no HubSpot secret is configured (secrets.hubspot): HubSpot webhooks are accepted unsigned.');
      const signal = await waitForShutdownSignal();
      ctx.info(`${signal}: draining in-flight batches and closing…`);
      await started.close();
      await features?.close();
    });
}
