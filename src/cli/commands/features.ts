import type { Command } from 'commander';
import { projectPath } from '../../config/config.js';
import { VerityError } from '../../errors.js';
import { openFeatureServices } from '../../features/feature-services.js';
import { loadFeatureViews, selectViews } from '../../features/load-feature-views.js';
import { createMaterializer } from '../../features/materializer.js';
import { getTrainingFrame } from '../../features/offline-retrieval.js';
import { getOnlineFeatures } from '../../features/online-features.js';
import { runParity, type ParityReport } from '../../features/parity.js';
import { buildStaging, type BuildStagingResult } from '../../staging/build-staging.js';
import { projectLineageEmitter } from '../../lineage/project-lineage.js';
import type { CliContext } from '../context.js';
import { renderTable, withLake } from './lake.js';

const list = (value: string): string[] =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const collect = (value: string, previous: string[] = []) => [...previous, value];

async function stage(ctx: CliContext, full = false): Promise<BuildStagingResult> {
  const loaded = ctx.config();
  const dir = projectPath(loaded, loaded.config.lake.dir);
  return withLake(ctx, { readOnly: true }, (lake) => buildStaging({ source: lake, dir, full, lineage: projectLineageEmitter(loaded) }));
}

/** `verity staging build` and `verity features list|retrieve|materialize|get|parity`. */
export function registerFeatures(program: Command, context: () => CliContext): void {
  const staging = program.command('staging').description('canonical history per entity (bitemporal Parquet under <lake>/staging/)');
  staging
    .command('build')
    .description('replay new raw events into staging (incremental; --full rebuilds from position 0)')
    .option('--full', 'discard staging and rebuild it')
    .action(async (opts: { full?: boolean }) => {
      const ctx = context();
      const r = await stage(ctx, opts.full === true);
      ctx.print(r, (x: BuildStagingResult) => (x.events === 0 ? `Staging is up to date (position ${x.toSeq}).` : `Staged ${x.events} raw events (positions ${x.fromSeq}–${x.toSeq}): ${x.keys} records refolded, ${x.files.length} files written.`));
    });

  const features = program.command('features').description('feature views: list, retrieve training data, materialize, serve lookups, parity');
  features
    .command('list')
    .description('list the feature views defined in the project')
    .action(async () => {
      const ctx = context();
      const loaded = ctx.config();
      const views = await loadFeatureViews(projectPath(loaded, loaded.config.features.dir));
      const rows = views.map((v) => ({ name: v.name, version: v.version, entity: v.entity, keys: v.keys.join(','), features: v.features.length, owner: v.owner ?? '', description: v.description ?? '' }));
      ctx.print({ views: views.map((v) => ({ ...rows.find((r) => r.name === v.name), features: v.features.map((f) => ({ name: f.name, kind: f.kind, contract: f.contract })) })) }, () => renderTable(rows));
    });

  features
    .command('retrieve')
    .description('point-in-time correct training data: one row per frame row, features as known at its timestamp')
    .requiredOption('--frame <file>', 'the frame: CSV, Parquet or NDJSON with entity keys, a timestamp column and optional labels')
    .requiredOption('--out <file>', 'output Parquet file')
    .option('--views <names>', 'comma-separated feature views (default: all)', list)
    .option('--knowledge <mode>', 'as-known (default: no late corrections leak) or latest', 'as-known')
    .option('--timestamp-column <name>', 'the frame timestamp column (default: timestamp, event_timestamp, ts or as_of)')
    .option('--tenant <id>', 'tenant when the frame has no tenant_id column (default: the config tenant)')
    .option('--no-build', 'do not bring staging up to date first')
    .action(async (opts: { frame: string; out: string; views?: string[]; knowledge: string; timestampColumn?: string; tenant?: string; build: boolean }) => {
      const ctx = context();
      if (opts.knowledge !== 'as-known' && opts.knowledge !== 'latest') throw new VerityError('INVALID_ARGUMENT', `--knowledge must be as-known or latest, not "${opts.knowledge}".`);
      const loaded = ctx.config();
      const views = selectViews(await loadFeatureViews(projectPath(loaded, loaded.config.features.dir)), opts.views);
      if (opts.build) await stage(ctx);
      const frame = await getTrainingFrame({ path: opts.frame }, views, {
        lakeDir: projectPath(loaded, loaded.config.lake.dir),
        knowledge: opts.knowledge,
        tenant: opts.tenant ?? loaded.config.tenant,
        ...(opts.timestampColumn ? { timestampColumn: opts.timestampColumn } : {}),
      });
      try {
        const written = await frame.writeParquet(opts.out);
        const result = { ...written, columns: frame.columns, views: views.map((v) => ({ name: v.name, version: v.version })), knowledge: opts.knowledge, violations: frame.violations };
        ctx.print(result, (r: typeof result) =>
          [`Wrote ${r.rows} rows × ${r.columns.length} columns to ${r.path}`, `  sha256 ${r.sha256}`, ...Object.entries(r.violations).filter(([, n]) => n > 0).map(([c, n]) => `  contract: ${n} value(s) of ${c} break the feature contract`)].join('\n'),
        );
      } finally {
        frame.close();
      }
    });

  features
    .command('materialize')
    .description('write the latest feature values to the online store from lake positions (incremental, idempotent)')
    .option('--views <names>', 'comma-separated feature views (default: all)', list)
    .option('--full', 'recompute every entity (refreshes decayed windows), not only those changed since the last run')
    .option('--tenant <id>', 'only this tenant')
    .action(async (opts: { views?: string[]; full?: boolean; tenant?: string }) => {
      const ctx = context();
      const services = await openFeatureServices(ctx.config(), opts.views ? { viewNames: opts.views } : {});
      try {
        const report = await withLake(ctx, { readOnly: true }, (lake) =>
          createMaterializer({ lakeDir: services.lakeDir, source: lake, store: services.store, views: services.views, lineage: services.lineage }).materialize({ full: opts.full === true, ...(opts.tenant ? { tenant: opts.tenant } : {}) }),
        );
        ctx.print(report, (r: typeof report) =>
          renderTable(r.views.map((v) => ({ view: v.view, tenant: v.tenant, mode: v.full ? 'full' : 'incremental', positions: `${v.fromSeq + 1}–${v.toSeq}`, entities: v.keys, written: v.cells.applied, unchanged: v.cells.skipped }))),
        );
      } finally {
        await services.close();
      }
    });

  features
    .command('get')
    .description('online lookup from the store (logged for parity), e.g. --view contact_engagement --key contact_id=con_1')
    .requiredOption('--view <name>', 'the feature view')
    .requiredOption('--key <field=value>', 'an entity key part; repeat for composite keys', collect)
    .option('--tenant <id>', 'tenant (default: the config tenant)')
    .action(async (opts: { view: string; key: string[]; tenant?: string }) => {
      const ctx = context();
      const services = await openFeatureServices(ctx.config(), { viewNames: [opts.view] });
      try {
        const entity: Record<string, string> = {};
        for (const part of opts.key) {
          const i = part.indexOf('=');
          if (i <= 0) throw new VerityError('INVALID_ARGUMENT', `--key takes field=value, got "${part}".`);
          entity[part.slice(0, i)] = part.slice(i + 1);
        }
        const [row] = await getOnlineFeatures(services.store, services.views[0]!, [entity], { tenant: opts.tenant ?? ctx.config().config.tenant, log: services.log });
        ctx.print(row, (r: NonNullable<typeof row>) => renderTable(Object.entries(r.features).map(([feature, v]) => ({ feature, value: v.value, status: v.status, event_time: v.event_time ?? '', age_ms: v.age_ms ?? '' }))));
      } finally {
        await services.close();
      }
    });

  features
    .command('parity')
    .description('replay offline retrieval at logged serving times; report the mismatch rate per feature')
    .option('--views <names>', 'comma-separated feature views (default: all)', list)
    .option('--log <file>', 'the serving log (default <lake>/features/serving-log.ndjson)')
    .option('--no-build', 'do not bring staging up to date first')
    .action(async (opts: { views?: string[]; log?: string; build: boolean }) => {
      const ctx = context();
      const services = await openFeatureServices(ctx.config(), opts.views ? { viewNames: opts.views } : {});
      try {
        if (opts.build) await stage(ctx);
        const report = await runParity({ lakeDir: services.lakeDir, views: services.views, logFile: opts.log ?? services.logFile });
        ctx.print(report, (r: ParityReport) =>
          [`${r.lookups} logged lookups replayed${r.skippedOtherVersion ? ` (${r.skippedOtherVersion} of older view versions skipped)` : ''}`, renderTable(r.features.map((f) => ({ view: f.view, feature: f.feature, compared: f.compared, mismatches: f.mismatches, rate: f.mismatch_rate.toFixed(4) })))].join('\n'),
        );
      } finally {
        await services.close();
      }
    });
}
