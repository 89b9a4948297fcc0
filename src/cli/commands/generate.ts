import type { Command } from 'commander';
import { VerityError } from '../../errors.js';
import { generate, type GenerateReport } from '../../generator/generate.js';
import { DEFECT_KINDS } from '../../generator/defects.js';
import { GENERATOR_FORMATS } from '../../generator/options.js';
import type { CliContext } from '../context.js';

interface GenerateCliOptions {
  seed?: string;
  tenants?: string;
  accounts?: string;
  contacts?: string;
  leads?: string;
  opportunities?: string;
  days?: string;
  start?: string;
  out: string;
  formats?: string;
  defectRate?: string;
  rate: string[];
  hubspotSecret?: string;
  threads?: string;
}

function number(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new VerityError('INVALID_ARGUMENT', `--${flag} must be a number, got "${value}".`);
  return n;
}

function rates(pairs: string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([a-z_]+)=(.+)$/.exec(pair.trim());
    if (!m) throw new VerityError('INVALID_ARGUMENT', `--rate expects KIND=RATE (e.g. malformed_email=0.01), got "${pair}".`);
    out[m[1]!] = number(`rate ${m[1]!}`, m[2])!;
  }
  return out;
}

function human(r: GenerateReport): string {
  const injected = Object.entries(r.defects).filter(([, d]) => d.count > 0);
  const total = injected.reduce((s, [, d]) => s + d.count, 0);
  return [
    `Generated ${r.events} events for ${r.tenants.length} tenant(s) into ${r.out} in ${r.seconds.toFixed(1)} s (${Math.round(r.events / Math.max(r.seconds, 1e-9))} events/s)`,
    `  deliveries: hubspot ${r.deliveries.hubspot} POSTs, salesforce ${r.deliveries.salesforce}, debezium ${r.deliveries.debezium}, file rows ${r.deliveries.file} (${r.duplicates} re-deliveries)`,
    `  entities:   ${Object.entries(r.entities).map(([e, n]) => `${e} ${n}`).join(', ')}`,
    `  defects:    ${total} injected, listed in ground-truth.ndjson: ${injected.map(([k, d]) => `${k} ${d.count}`).join(', ') || 'none'}`,
    `  signals:    ${r.signals} Salesforce GAP events (re-sync signals, not defects)`,
    `  manifest:   ${r.out}/manifest.json`,
  ].join('\n');
}

/** `verity generate`: the seeded, deterministic CRM data generator. */
export function registerGenerate(program: Command, context: () => CliContext): void {
  program
    .command('generate')
    .description('generate a seeded, deterministic B2B CRM data set in native source formats, with injected defects and their ground truth')
    .option('--seed <n>', 'seed of every random draw', '1')
    .option('--tenants <n>', 'number of tenants (t01, t02, …)', '1')
    .option('--accounts <n>', 'accounts per tenant', '50')
    .option('--contacts <n>', 'contacts per tenant', '500')
    .option('--leads <n>', 'leads per tenant (default: 40% of contacts)')
    .option('--opportunities <n>', 'opportunities per tenant (default: 1.6 per account)')
    .option('--days <n>', 'length of the timeline in days', '30')
    .option('--start <iso>', 'start of the timeline (ISO date or date-time)', '2026-01-01T00:00:00.000Z')
    .option('--out <dir>', 'output directory (new, empty, or a previous output)', 'generated')
    .option('--formats <list>', `comma-separated formats: ${GENERATOR_FORMATS.join(',')} (default: all but csv)`)
    .option('--defect-rate <r>', 'overall defect rate, the default of every kind (0 = clean data)', '0.02')
    .option('--rate <kind=r>', `per-kind rate override, repeatable; kinds: ${DEFECT_KINDS.join(', ')}`, (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--hubspot-secret <secret>', 'secret the HubSpot v3 signatures use', 'verity-demo-secret')
    .option('--threads <n>', '2: a second thread writes part of the files (faster, more CPU and memory); 1: one thread', '2')
    .action(async (opts: GenerateCliOptions) => {
      const ctx = context();
      const days = number('days', opts.days) ?? 30;
      const tenants = number('tenants', opts.tenants) ?? 1;
      let bar: ReturnType<CliContext['progress']> | undefined;
      const report = await generate({
        seed: number('seed', opts.seed),
        tenants,
        accounts: number('accounts', opts.accounts),
        contacts: number('contacts', opts.contacts),
        leads: number('leads', opts.leads),
        opportunities: number('opportunities', opts.opportunities),
        days,
        ...(opts.start === undefined ? {} : { start: opts.start }),
        out: opts.out,
        ...(opts.formats === undefined ? {} : { formats: opts.formats.split(',') }),
        defectRate: number('defect-rate', opts.defectRate),
        rates: rates(opts.rate),
        ...(opts.hubspotSecret === undefined ? {} : { hubspotSecret: opts.hubspotSecret }),
        threads: number('threads', opts.threads),
        onProgress: (done, total) => {
          bar ??= ctx.progress(total, 'generate');
          bar.update(done);
        },
      } as Parameters<typeof generate>[0]).finally(() => bar?.stop());
      ctx.print(report, human);
    });
}
