import type { Command } from 'commander';
import { runDemo, type DemoReport } from '../../demo/run-demo.js';
import type { CliContext } from '../context.js';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const reasons = (byReason: Record<string, number>) =>
  Object.entries(byReason)
    .sort((a, b) => b[1] - a[1])
    .map(([r, n]) => `      ${String(n).padStart(5)}  ${r}`);

/** Renders the demo report for people. */
export function renderDemoReport(r: DemoReport): string {
  const out: string[] = [];
  out.push(`Verity demo in ${r.dir} (${r.seconds.toFixed(1)} s)`, '');
  out.push(
    `1. Generated ${r.generated.events} CRM events (HubSpot ${r.generated.deliveries.hubspot} webhook deliveries, Salesforce ${r.generated.deliveries.salesforce} CDC events, Debezium ${r.generated.deliveries.debezium} change events, ${r.generated.deliveries.file} activity rows)`,
    `   with ${r.generated.duplicates} re-deliveries and injected dirt: ${Object.entries(r.generated.defects)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ')}`,
    `   → data/ (native formats), data/ground-truth.ndjson (every injected defect)`,
  );
  out.push(`2. Contracts: ${r.contracts.files} ODCS v3.1 contracts in contracts/, ${r.contracts.findings} lint errors`);
  out.push('3. Ingest (every accepted event is durable before it is acknowledged):');
  for (const [name, p] of Object.entries(r.ingest.http)) {
    const refused = Object.entries(p.refused).map(([k, n]) => `${n}× ${k}`).join(', ');
    out.push(`   HTTP ${name}: ${p.requests} requests → ${p.accepted} accepted, ${p.duplicates} duplicates dropped, ${p.quarantined} quarantined${refused ? `; refused: ${refused}` : ''}`);
  }
  for (const [name, f] of Object.entries(r.ingest.files))
    out.push(`   file ${name}: ${f.lines} lines → ${f.accepted} accepted, ${f.duplicates} duplicates dropped, ${f.quarantined} quarantined${f.signals ? `, ${f.signals} re-sync signals` : ''}`);
  out.push('4. Quarantine (kept with original bytes and violations; replayable), by reason:', ...reasons(r.quarantineByReason));
  out.push(
    `   Against the ground truth: ${r.detection.detected}/${r.detection.injected} contract-level defects caught (recall ${pct(r.detection.recall)}), ${r.detection.falsePositives} clean events quarantined`,
  );
  out.push(`5. Contract fix: ${r.contractFix.contract}; quarantine replay moved ${r.contractFix.replay.replayed} of ${r.contractFix.replay.examined} contact events into the raw zone (${r.contractFix.replay.stillQuarantined} still invalid)`);
  out.push(
    `6. Lake: ${r.lake.totals.raw} raw events, ${r.lake.totals.quarantinePending} still in quarantine, ${r.lake.eventIds} distinct event ids; compacted into ${r.lake.parquetFiles} Parquet files (${(r.lake.files.parquetBytes / 1024).toFixed(0)} KiB) under .verity/`,
  );
  const f = r.features;
  out.push(
    `7. Features: ${f.views.map((v) => `${v.name} (${v.version})`).join(', ')}; staging folded ${f.staging.rows} raw events into canonical history; ${f.materialized} online values materialized`,
  );
  if (f.lookup) {
    const values = Object.entries(f.lookup.features)
      .slice(0, 4)
      .map(([k, v]) => `${k}=${JSON.stringify(v.value)} (${v.status})`)
      .join(', ');
    out.push(`   online lookup ${JSON.stringify(f.lookup.entity)}: ${values}${Object.keys(f.lookup.features).length > 4 ? ', …' : ''}`);
  }
  out.push(`   point-in-time training frame: ${f.training.rows} rows × ${f.training.columns.length} columns → ${f.training.path}`);
  out.push(
    `8. Snapshot ${r.snapshot.name} v${r.snapshot.version} (${r.snapshot.id.slice(0, 19)}…): ${r.snapshot.rows} rows, ${r.snapshot.consentExcluded ?? 0} excluded without model_training consent; signed (DSSE, Ed25519), verify: ${r.snapshot.verified ? 'OK' : 'FAILED'}`,
    `   → ${r.snapshot.dir}`,
  );
  out.push(`9. Audit log: ${r.audit.treeSize} entries, Merkle root ${r.audit.rootHash.slice(0, 16)}…${r.audit.signed ? ' (signed tree head)' : ''}; OpenLineage events → ${r.lineageFile}`);
  out.push('', 'Next: cd into the directory and try `npx verity lake query "select entity, count(*) from raw_events group by 1"` `npx verity quarantine list`, `npx verity snapshot verify demo-training` or `npx verity audit verify`.');
  return out.join('\n');
}

/** `verity demo`: the end-to-end main job. */
export function registerDemo(program: Command, context: () => CliContext): void {
  program
    .command('demo')
    .description('run the whole pipeline on generated CRM data in a fresh directory and print a report')
    .option('--dir <dir>', 'directory to run in (a previous demo directory is replaced)', 'verity-demo')
    .option('--seed <n>', 'generator seed', (v) => Number(v), 7)
    .action(async (opts: { dir: string; seed: number }) => {
      const ctx = context();
      const report = await runDemo({ dir: opts.dir, seed: opts.seed, onStep: (s) => ctx.info(`… ${s}`) });
      ctx.print(report, renderDemoReport);
    });
}
