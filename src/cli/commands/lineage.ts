import type { Command } from 'commander';
import type { SnapshotTrace } from '../../lineage/trace-snapshot.js';
import { traceProjectSnapshot } from '../../snapshots/project-snapshots.js';
import type { CliContext } from '../context.js';

/** `verity lineage trace <snapshot>`. */
export function registerLineage(program: Command, context: () => CliContext): void {
  const lineage = program.command('lineage').description('OpenLineage run events of every job');
  lineage
    .command('trace')
    .description('walk back from a snapshot to the raw files, contract versions and sources it came from')
    .argument('<snapshot>', 'snapshot id (prefix), name or name@version')
    .action(async (ref: string) => {
      const ctx = context();
      const trace = await traceProjectSnapshot(ctx.config(), ref);
      ctx.print(trace, (t: SnapshotTrace) =>
        [
          `Snapshot ${t.snapshot.name}@v${t.snapshot.version} ${t.snapshot.id}`,
          'Feature views:',
          ...t.feature_views.map((v) => `  ${v.name} ${v.version}`),
          'Contracts:',
          ...t.contracts.map((c) => `  ${c.entity} ${c.version}`),
          'Lake files read:',
          ...t.files_read.map((f) => `  ${f.path} (${f.rows} rows) sha256 ${f.sha256}`),
          'Lineage (dataset <- job <- inputs):',
          ...t.nodes.map((n) => `  ${'  '.repeat(n.depth)}${n.name} [${n.namespace}]${n.producedBy ? ` <- ${n.jobs.join(', ')} (${n.runs} run${n.runs === 1 ? '' : 's'}, newest ${n.producedBy.eventTime})` : ' (source)'}`),
        ].join('\n'),
      );
    });
}
