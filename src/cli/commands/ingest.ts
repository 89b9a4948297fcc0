import type { Command } from 'commander';
import { resolveSecret } from '../../config/config.js';
import { VerityError } from '../../errors.js';
import { ingestFiles, type IngestFilesReport } from '../../ingest/ingest-files.js';
import { openProjectLake } from '../../project/project-lake.js';
import { SOURCE_NAMES, createSource, isSourceName } from '../../ingest/sources/source-registry.js';
import { TENANT_PATTERN } from '../../server/tenant.js';
import type { CliContext } from '../context.js';

/** Renders an ingest report for humans. */
export function renderIngestReport(r: IngestFilesReport): string {
  const lines = [`${r.files} file(s), ${r.lines} line(s): ${r.accepted} accepted, ${r.duplicates} duplicate(s), ${r.quarantined} quarantined`];
  for (const [reason, n] of Object.entries(r.byReason).sort((a, b) => b[1] - a[1])) lines.push(`  quarantined ${reason}: ${n}`);
  if (r.signals.length) lines.push(`  ${r.signals.length} re-sync signal(s) (e.g. ${r.signals[0]!.entity}: ${r.signals[0]!.kind})`);
  return lines.join('\n');
}

/** `verity ingest <file|dir>…`: streams files through a source into the lake. */
export function registerIngest(program: Command, context: () => CliContext): void {
  program
    .command('ingest')
    .description('ingest files (CSV/NDJSON exports, recorded webhook deliveries, CDC events, envelopes) into the lake in durable batches')
    .argument('<paths...>', 'files or directories')
    .requiredOption('--source <name>', 'csv | ndjson | hubspot | salesforce | debezium | envelopes')
    .option('--entity <entity>', 'entity of the rows (csv, ndjson)')
    .option('--tenant <tenant>', 'tenant (default: tenant in the config)')
    .option('--no-verify', 'do not verify signatures of recorded deliveries even when a secret is configured')
    .option('--batch <n>', 'events per durable lake batch', (v) => Number(v), 2000)
    .action(async (paths: string[], opts: { source: string; entity?: string; tenant?: string; verify: boolean; batch: number }) => {
      const ctx = context();
      const loaded = ctx.config();
      const { config } = loaded;
      const tenant_id = opts.tenant ?? config.tenant;
      if (!TENANT_PATTERN.test(tenant_id)) throw new VerityError('INVALID_ARGUMENT', `--tenant "${tenant_id}" is not valid: use 1–64 letters, digits, "_", "." or "-".`);
      if (!Number.isInteger(opts.batch) || opts.batch < 1) throw new VerityError('INVALID_ARGUMENT', `--batch must be a positive integer, got ${opts.batch}.`);
      const name = opts.source === 'envelopes' ? 'verity' : opts.source;
      if (!isSourceName(name)) throw new VerityError('USAGE', `Unknown --source "${opts.source}". Use one of: ${SOURCE_NAMES.join(', ')} (envelopes = verity).`);
      const sourceOptions: Record<string, unknown> = name === 'hubspot' ? { allowUnsigned: true } : {};
      if (opts.entity) sourceOptions.entity = opts.entity;
      const source = createSource(name as string, sourceOptions);
      const secret = resolveSecret(config.secrets[source.name as keyof typeof config.secrets]);
      const { lake } = await openProjectLake(loaded, { actor: 'verity ingest' });
      let bar: ReturnType<CliContext['progress']> | undefined;
      try {
        const report = await ingestFiles({
          paths,
          source,
          target: lake,
          tenant_id,
          batchSize: opts.batch,
          verify: opts.verify,
          secret,
          maxLineBytes: config.server.bodyLimitBytes,
          onProgress(done, total) {
            bar ??= ctx.progress(total, `ingest ${source.name}`);
            bar.update(done);
          },
        });
        bar?.stop();
        ctx.print(report, renderIngestReport);
      } finally {
        bar?.stop();
        await lake.close();
      }
    });
}
