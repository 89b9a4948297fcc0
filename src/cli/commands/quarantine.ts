import type { Command } from 'commander';
import type { QuarantineDetail, QuarantineEntry, ReplayReport } from '../../lake/types.js';
import type { CliContext } from '../context.js';
import { renderTable, withLake } from './lake.js';

function renderList(entries: QuarantineEntry[]): string {
  return renderTable(
    entries.map((e) => ({ id: e.quarantine_id, tenant: e.tenant_id, entity: e.entity, event_id: e.event_id, reasons: e.reasons.join(','), contract: e.contract_version, ingest_time: e.ingest_time, replayed_seq: e.replayed_seq })),
  );
}

function renderDetail(d: QuarantineDetail): string {
  return [
    `${d.quarantine_id}  ${d.tenant_id}/${d.entity}  event ${d.event_id ?? '(none)'}  seq ${d.ingest_seq}  ${d.ingest_time}`,
    `  source: ${d.source ?? '-'}   contract: ${d.contract_version ?? '-'}   ${d.replayed_seq === null ? 'pending replay' : `replayed as ingest_seq ${d.replayed_seq}`}`,
    `  reasons: ${d.reasons.join(', ')}`,
    '  violations:',
    ...d.violations.map((v) => `    - ${v.field || '(record)'} [${v.rule}] ${v.message}`),
    '  original:',
    `    ${d.raw}`,
  ].join('\n');
}

function renderReplay(r: ReplayReport): string {
  const reasons = Object.entries(r.byReason).map(([k, n]) => `    ${k}: ${n}`);
  return [
    `Replayed ${r.replayed} of ${r.examined} quarantined events into the raw zone; ${r.stillQuarantined} still fail, ${r.skipped} undecodable skipped.${r.validated ? '' : ' (no contracts: envelopes checked only)'}`,
    ...(reasons.length > 0 ? ['  still failing by reason:', ...reasons] : []),
  ].join('\n');
}

/** `verity quarantine list|show|replay`. */
export function registerQuarantine(program: Command, context: () => CliContext): void {
  const q = program.command('quarantine').description('events the gate kept out of the raw zone: list, inspect, replay after a contract or data fix');
  q.command('list')
    .description('list quarantined events (pending replay unless --all)')
    .option('--entity <entity>', 'only this entity')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--reason <reason>', 'only this reason code, e.g. contract:enum')
    .option('--all', 'include entries already replayed')
    .option('--limit <n>', 'at most n entries', '1000')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { entity?: string; tenant?: string; reason?: string; all?: boolean; limit: string; json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      const limit = Number(opts.limit);
      const entries = await withLake(ctx, { readOnly: true }, (l) =>
        l.quarantine.list({
          ...(opts.entity ? { entity: opts.entity } : {}),
          ...(opts.tenant ? { tenant_id: opts.tenant } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
          includeReplayed: opts.all === true,
          ...(Number.isSafeInteger(limit) && limit > 0 ? { limit } : {}),
        }),
      );
      ctx.print(entries, renderList);
    });
  q.command('show')
    .description('show one entry: violations, contract version and the original bytes')
    .argument('<id>', 'quarantine id, e.g. q42')
    .option('--json', 'print machine-readable JSON')
    .action(async (id: string, opts: { json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      ctx.print(await withLake(ctx, { readOnly: true }, (l) => l.quarantine.show(id)), renderDetail);
    });
  q.command('replay')
    .description('re-validate pending entries with the current contracts and move those that pass into the raw zone (exactly once)')
    .option('--entity <entity>', 'only this entity')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--reason <reason>', 'only entries with this reason code')
    .option('--without-contracts', 're-check envelopes only (no contract validation): every well-formed entry moves to the raw zone')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { entity?: string; tenant?: string; reason?: string; withoutContracts?: boolean; json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      const report = await withLake(ctx, { readOnly: false }, (l) =>
        l.quarantine.replay({
          ...(opts.entity ? { entity: opts.entity } : {}),
          ...(opts.tenant ? { tenant_id: opts.tenant } : {}),
          ...(opts.reason ? { reason: opts.reason } : {}),
        }, { withoutContracts: opts.withoutContracts === true }),
      );
      ctx.print(report, renderReplay);
    });
}
