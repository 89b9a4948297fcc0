import { resolve } from 'node:path';
import type { Command } from 'commander';
import { VerityError } from '../../errors.js';
import type { CreatedSnapshot } from '../../snapshots/create-snapshot.js';
import { createProjectSnapshot, listProjectSnapshots, showProjectSnapshot, verifyProjectSnapshot } from '../../snapshots/project-snapshots.js';
import type { SnapshotSummary } from '../../snapshots/snapshot-store.js';
import type { SnapshotVerification } from '../../snapshots/verify-snapshot.js';
import type { CliContext } from '../context.js';

/** `verity snapshot create|list|show|verify`. */
export function registerSnapshot(program: Command, context: () => CliContext): void {
  const snapshot = program.command('snapshot').description('signed, immutable training snapshots');
  snapshot
    .command('create')
    .description('build a training frame with point-in-time features, write Parquet and a signed manifest')
    .requiredOption('--name <name>', 'snapshot name (same name again = new version)')
    .requiredOption('--frame <file>', 'CSV of entity keys, timestamps and labels')
    .requiredOption('--views <list>', 'comma-separated feature view names')
    .option('--purpose <purpose>', 'consent purpose rows must carry (e.g. model_training)')
    .action(async (opts: { name: string; frame: string; views: string; purpose?: string }) => {
      const ctx = context();
      const views = opts.views.split(',').map((v) => v.trim()).filter(Boolean);
      if (views.length === 0) throw new VerityError('INVALID_ARGUMENT', '--views needs at least one feature view name.');
      const created = await createProjectSnapshot(ctx.config(), {
        name: opts.name,
        frame: resolve(ctx.options.cwd ?? process.cwd(), opts.frame),
        views,
        ...(opts.purpose ? { purpose: opts.purpose } : {}),
        actor: 'verity snapshot create',
      });
      ctx.print(
        { name: created.name, version: created.version, id: created.id, path: created.path, rows: created.manifest.data.rows, columns: created.manifest.data.column_count },
        (r: Pick<CreatedSnapshot, 'name' | 'version' | 'id' | 'path'> & { rows: number; columns: number }) =>
          `Created snapshot ${r.name}@v${r.version} (${r.rows} rows, ${r.columns} columns)\n  id   ${r.id}\n  path ${r.path}`,
      );
    });
  snapshot
    .command('list')
    .description('list snapshots and their versions')
    .action(() => {
      const ctx = context();
      const list = listProjectSnapshots(ctx.config());
      ctx.print(list, (l: SnapshotSummary[]) =>
        l.length === 0 ? 'No snapshots yet (verity snapshot create).' : l.map((s) => `${`${s.name}@v${s.version}`.padEnd(28)} ${s.id.slice(0, 19)}  ${String(s.rows).padStart(8)} rows  ${s.purpose ?? '-'}  ${s.created_at}`).join('\n'),
      );
    });
  snapshot
    .command('show')
    .description('print the signed manifest of a snapshot (name, name@version or id)')
    .argument('<ref>', 'snapshot name, name@version, or content id (prefix)')
    .action((ref: string) => {
      const ctx = context();
      const m = showProjectSnapshot(ctx.config(), ref);
      ctx.print(m, (x: typeof m) => JSON.stringify(x, null, 2));
    });
  snapshot
    .command('verify')
    .description('recompute every digest and check the signature; exit 1 and say what differs')
    .argument('<ref>', 'snapshot name, name@version, or content id (prefix)')
    .option('--public-key <file>', 'verify with this PEM public key instead of the project key')
    .action(async (ref: string, opts: { publicKey?: string }) => {
      const ctx = context();
      const v = await verifyProjectSnapshot(ctx.config(), ref, opts.publicKey ? resolve(ctx.options.cwd ?? process.cwd(), opts.publicKey) : undefined);
      ctx.print(v, (r: SnapshotVerification) =>
        r.valid
          ? `Snapshot ${r.name}@v${r.version} OK: signature valid (keyid ${r.signature.keyid}), ${r.files.length} file(s) match their digests\n  id ${r.id}`
          : [`Snapshot ${r.name ?? r.path}${r.version ? `@v${r.version}` : ''} FAILED verification:`, ...r.problems.map((p) => `  - ${p}`)].join('\n'),
      );
      if (!v.valid) process.exitCode = 1;
    });
}
