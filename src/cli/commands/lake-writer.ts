import type { Command } from 'commander';
import { createLakeWriter } from '../../bus/lake-writer.js';
import { createNatsBus } from '../../bus/nats-bus.js';
import { VerityError } from '../../errors.js';
import { openProjectLake } from '../../project/project-lake.js';
import { createFeatureServing } from '../../server/feature-serving.js';
import type { CliContext } from '../context.js';

/** `verity lake-writer --bus nats://…`: consumes the ingest stream into the lake. */
export function registerLakeWriter(program: Command, context: () => CliContext): void {
  program
    .command('lake-writer')
    .description('consume accepted events from NATS JetStream into the lake (acks only after each batch is durable) until SIGTERM/SIGINT')
    .option('--bus <url>', 'NATS URL (default: bus.url in the config)')
    .option('--stream <name>', 'JetStream stream (default: bus.stream in the config, VERITY_EVENTS)')
    .option('--durable <name>', 'durable consumer name', 'verity-lake-writer')
    .option('--batch <n>', 'messages per lake batch', (v) => Number(v), 1000)
    .option('--ack-wait <ms>', 'redeliver a message not acked within this many ms (a crashed writer\'s batch)', (v) => Number(v), 30_000)
    .option('--exit-when-idle', 'exit once nothing is left to consume and nothing awaits an ack (batch jobs, tests)')
    .action(async (opts: { bus?: string; stream?: string; durable: string; batch: number; ackWait: number; exitWhenIdle?: boolean }) => {
      const ctx = context();
      const loaded = ctx.config();
      const { config } = loaded;
      const url = opts.bus ?? (config.bus.type === 'nats' ? config.bus.url : undefined);
      if (!url) throw new VerityError('USAGE', 'lake-writer needs a bus: pass --bus nats://127.0.0.1:4222 or set bus: {type: nats, url} in verity.config.yaml.');
      if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new VerityError('INVALID_ARGUMENT', `--batch must be a positive integer, got ${opts.batch}.`);
      const stream = opts.stream ?? (config.bus.type === 'nats' ? config.bus.stream : undefined);
      const bus = createNatsBus({ url, ...(stream ? { stream } : {}), name: 'verity-lake-writer' });
      const { lake } = await openProjectLake(loaded, { actor: 'verity lake-writer', provenance: true });
      if (!Number.isInteger(opts.ackWait) || opts.ackWait < 1000) throw new VerityError('INVALID_ARGUMENT', `--ack-wait must be an integer of at least 1000 ms, got ${opts.ackWait}.`);
      // Feature views and a shared online store (Redis): each durable batch also updates the online
      // features that `verity serve --bus` processes read, as the embedded server does on its own ingest.
      let features = await createFeatureServing(loaded, { onError: (e) => ctx.info(`features: online update failed: ${(e as Error).message}`) });
      if (features && !features.services.store.capabilities.shared) {
        await features.close();
        features = undefined;
      }
      const writer = createLakeWriter({ bus, lake: features ? features.wrapLake(lake) : lake, durable: opts.durable, batchSize: opts.batch, ackWaitMs: opts.ackWait });
      const stop = () => writer.stop();
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
      ctx.info(`lake-writer: consuming ${stream ?? 'VERITY_EVENTS'} on ${url} as "${opts.durable}" into ${lake.dir}${features ? ` and the online store (${features.services.views.length} feature views)` : ''}`);
      try {
        // Idle means caught up: nothing new, and nothing a crashed writer fetched still awaiting redelivery.
        const totals = await writer.run(opts.exitWhenIdle ? { until: async (_totals, last) => last.messages === 0 && (await writer.pending()) === 0 } : {});
        const { results: _results, ...counts } = totals;
        ctx.print(counts, (t: typeof counts) => `lake-writer: ${t.messages} messages, ${t.accepted} accepted, ${t.duplicates} duplicates, ${t.quarantined} quarantined`);
      } finally {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        await bus.close();
        await features?.close();
        await lake.close();
      }
    });
}
