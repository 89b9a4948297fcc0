import type { Command } from 'commander';
import { openProjectLake } from '../../project/project-lake.js';
import type { CompactionReport, Lake, LakeStats } from '../../lake/types.js';
import type { CliContext } from '../context.js';

/**
 * Runs `fn` on the project's lake and closes it. The lake is opened through
 * {@link openProjectLake}, so the project's contracts validate (and re-validate on replay);
 * commands that only read open it read-only, so they work beside `verity serve`.
 */
export async function withLake<T>(context: CliContext, options: { readOnly: boolean }, fn: (lake: Lake) => Promise<T>): Promise<T> {
  const { lake } = await openProjectLake(context.config(), { actor: 'verity-cli', readOnly: options.readOnly });
  try {
    return await fn(lake);
  } finally {
    await lake.close();
  }
}

const cell = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v));

/** Renders rows as an aligned text table (long cells cut at 60 characters). */
export function renderTable(rows: Array<Record<string, unknown>>): string {
  if (rows.length === 0) return '(0 rows)';
  const columns = Object.keys(rows[0]!);
  const text = rows.map((r) => columns.map((c) => {
    const s = cell(r[c]);
    return s.length > 60 ? s.slice(0, 57) + '...' : s;
  }));
  const widths = columns.map((c, i) => Math.max(c.length, ...text.map((t) => t[i]!.length)));
  const line = (cells: string[]) => cells.map((s, i) => s.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(columns), line(widths.map((w) => '-'.repeat(w))), ...text.map(line), `(${rows.length} row${rows.length === 1 ? '' : 's'})`].join('\n');
}

function renderStats(s: LakeStats): string {
  return [
    `Lake ${s.dir}`,
    `  last ingest_seq ${s.lastSeq}, compacted through ${s.compactedThrough}`,
    `  raw ${s.totals.raw} events; quarantine ${s.totals.quarantine} (${s.totals.quarantinePending} pending replay); ${s.eventIds} distinct event ids`,
    `  files: ${s.files.parquet} Parquet (${s.files.parquetBytes} bytes), ${s.files.segments} log segments (${s.files.segmentBytes} bytes)`,
    '',
    renderTable(s.rows as unknown as Array<Record<string, unknown>>),
  ].join('\n');
}

function renderCompaction(r: CompactionReport): string {
  if (r.segments === 0) return `Nothing to compact (compacted through ingest_seq ${r.compactedThrough}).`;
  return [
    `Compacted ${r.segments} segment${r.segments === 1 ? '' : 's'}: ${r.rawRows} raw and ${r.quarantineRows} quarantined events into ${r.files.length} Parquet files (through ingest_seq ${r.compactedThrough}).`,
    ...r.files.map((f) => `  ${f.path}  ${f.rows} rows  ${f.bytes} bytes`),
  ].join('\n');
}

/** `verity lake query|stats|compact`. */
export function registerLake(program: Command, context: () => CliContext): void {
  const lake = program.command('lake').description('the event lake: query it with SQL (DuckDB), see its stats, compact it into Parquet');
  lake
    .command('query')
    .description('run SQL over the views raw_events and quarantine_events (every zone: Parquet and the live log)')
    .argument('<sql>', 'the SQL, e.g. "SELECT entity, count(*) FROM raw_events GROUP BY ALL"')
    .option('--json', 'print machine-readable JSON')
    .action(async (sql: string, opts: { json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      const rows = await withLake(ctx, { readOnly: true }, (l) => l.query(sql));
      ctx.print(rows, renderTable);
    });
  lake
    .command('stats')
    .description('counts per zone, tenant and entity; files, bytes and the last ingest_seq')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      ctx.print(await withLake(ctx, { readOnly: true }, (l) => l.stats()), renderStats);
    });
  lake
    .command('compact')
    .description('compact sealed log segments into Parquet (raw/ and quarantine/, partitioned tenant/entity/date) and update the catalog')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { json?: boolean }) => {
      const ctx = context();
      if (opts.json) ctx.options.json = true;
      ctx.print(await withLake(ctx, { readOnly: false }, (l) => l.compact()), renderCompaction);
    });
}
