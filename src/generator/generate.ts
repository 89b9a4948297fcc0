import { existsSync, mkdirSync, readdirSync, rmSync, statSync, accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { VerityError } from '../errors.js';
import { packageVersion } from '../util/package-root.js';
import { DEFECT_KINDS, DEFECT_LAYERS, type DefectKind } from './defects.js';
import { FormatThreadRun } from './format-thread.js';
import { splitFormats, TenantFileSet, textOptionsFor } from './format-files.js';
import { activityBasename, generateBatches } from './generate-changes.js';
import { jsonObject } from './json-text.js';
import { LineWriter } from './line-writer.js';
import { resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './options.js';
import { DAY_MS, isoTime } from './time.js';

/** Most GAP signals listed one by one in the manifest (the count is always exact). */
const MAX_LISTED_SIGNALS = 1000;

/** Per-kind defect counts in the manifest and report. */
export interface DefectCount {
  layer: string;
  /** Ground-truth lines of this kind. */
  count: number;
  /** Events that could have carried it (the rate's denominator). */
  eligible: number;
  /** The configured rate. */
  rate: number;
}

/** What {@link generate} wrote. */
export interface GenerateReport {
  /** Absolute output directory. */
  out: string;
  seed: number;
  tenants: string[];
  /** Envelopes written (every delivery, duplicates included). */
  events: number;
  /** Native deliveries per source (HubSpot: POSTs; others: events/rows), duplicates included. */
  deliveries: Record<string, number>;
  /** Re-deliveries among them. */
  duplicates: number;
  /** Envelopes per entity. */
  entities: Record<string, number>;
  /** Ground-truth lines per defect kind. */
  defects: Record<DefectKind, DefectCount>;
  /** Salesforce GAP_* signals emitted. */
  signals: number;
  /** Files written: relative path → lines and bytes. */
  files: Record<string, { lines: number; bytes: number }>;
  /** Wall-clock seconds the run took (never written to the output). */
  seconds: number;
}

/** Options of {@link generate}: {@link GenerateOptions} plus a progress callback. */
export interface GenerateRunOptions extends GenerateOptions {
  /** Output directory (required). */
  out: string;
  /** Called as simulated days complete: `done` of `total` (tenants × days). */
  onProgress?: (done: number, total: number) => void;
  /**
   * `2` (default): a second thread writes part of the formats, running the same simulation (faster
   * on a machine with a free core, about 1.5× the CPU time and up to twice the memory); `1`: one
   * thread writes everything. The files are the same either way.
   */
  threads?: number;
}

/** `mkdir -p` one level at a time: Node's recursive mkdir can spin forever under /proc. */
function makeDirectories(dir: string): void {
  const missing: string[] = [];
  let d = dir;
  while (!existsSync(d)) {
    missing.unshift(d);
    const parent = dirname(d);
    if (parent === d) break;
    d = parent;
  }
  for (const m of missing) mkdirSync(m);
}

function prepareOut(out: string): string {
  const dir = resolve(out);
  try {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new VerityError('IO_ERROR', `--out ${out} exists and is not a directory; choose another path.`);
      const entries = readdirSync(dir);
      if (entries.length > 0 && !entries.includes('manifest.json'))
        throw new VerityError('INVALID_ARGUMENT', `--out ${out} is not empty and holds no previous generator output (manifest.json); choose an empty or new directory.`);
      for (const name of ['tenants', 'manifest.json', 'ground-truth.ndjson']) rmSync(join(dir, name), { recursive: true, force: true });
    } else makeDirectories(dir);
    accessSync(dir, constants.W_OK);
  } catch (error) {
    if (error instanceof VerityError) throw error;
    const e = error as NodeJS.ErrnoException;
    throw new VerityError('IO_ERROR', `Cannot write to --out ${out} (${e.code ?? 'error'}): choose a writable directory.`, { cause: error });
  }
  return dir;
}

function manifestOptions(o: ResolvedGenerateOptions): Record<string, unknown> {
  return {
    tenants: o.tenants, accounts: o.accounts, contacts: o.contacts, leads: o.leads, opportunities: o.opportunities, days: o.days,
    start: o.start, formats: o.formats, defect_rate: o.defectRate, rates: o.rates, webhook_base_url: o.webhookBaseUrl,
  };
}

/**
 * Generates a seeded, deterministic CRM data set into `options.out` (layout in docs/generator.md):
 * native-format deliveries per tenant, Verity envelopes, full record states, `ground-truth.ndjson`
 * and `manifest.json`. Streams in constant memory (bounded write buffers). Same options (whatever the
 * directory) ⇒ byte-identical files.
 * @example
 * const report = await generate({ seed: 7, contacts: 500, out: 'data' });
 * console.log(report.events, report.defects.malformed_email.count);
 */
export async function generate(options: GenerateRunOptions): Promise<GenerateReport> {
  const resolved = resolveGenerateOptions(options);
  if (typeof options.out !== 'string' || options.out.trim() === '') throw new VerityError('INVALID_ARGUMENT', '--out DIR is required: the directory to write the data set to.');
  const threads = options.threads ?? 2;
  if (threads !== 1 && threads !== 2) throw new VerityError('INVALID_ARGUMENT', `--threads must be 1 or 2, got "${String(options.threads)}".`);
  const started = performance.now();
  const dir = prepareOut(options.out);
  const groundTruth = new LineWriter(join(dir, 'ground-truth.ndjson'));
  const counts = Object.fromEntries(DEFECT_KINDS.map((k) => [k, 0])) as Record<DefectKind, number>;
  const eligible: Record<string, number> = {};
  const deliveries: Record<string, number> = { hubspot: 0, salesforce: 0, debezium: 0, file: 0 };
  const entities: Record<string, number> = {};
  const signals: unknown[] = [];
  let signalCount = 0;
  let events = 0;
  let duplicates = 0;
  const tenants: string[] = [];
  const total = resolved.tenants * resolved.days;
  // With two threads, a second one writes part of the formats (running the same seeded
  // simulation) when the formats split in two groups.
  const split = threads === 2 ? splitFormats(resolved.formats) : { main: resolved.formats, second: [] };
  const second = split.second.length > 0 ? new FormatThreadRun(resolved, dir, split.second) : undefined;
  const tenantFiles = new TenantFileSet(dir, split.main);
  try {
    for (const batch of generateBatches(resolved, textOptionsFor(split.main))) {
      for (const item of batch) {
        switch (item.type) {
          case 'delivery': {
            tenantFiles.write(item);
            deliveries[item.source] = (deliveries[item.source] ?? 0) + 1;
            const envelopes = item.envelopes;
            events += envelopes.length;
            if (item.duplicate) duplicates++;
            for (let i = 0; i < envelopes.length; i++) {
              const entity = envelopes[i]!.entity;
              entities[entity] = (entities[entity] ?? 0) + 1;
            }
            for (const d of item.defects) {
              counts[d.kind]++;
              groundTruth.write(jsonObject(d));
            }
            break;
          }
          case 'tenant':
            tenantFiles.write(item);
            tenants.push(item.tenant_id);
            break;
          case 'signal':
            tenantFiles.write(item);
            signalCount++;
            if (signals.length < MAX_LISTED_SIGNALS) signals.push({ tenant_id: item.tenant_id, ...item.signal });
            break;
          case 'progress':
            options.onProgress?.(tenants.length === 0 ? 0 : (tenants.length - 1) * resolved.days + item.day, total);
            // Writes are synchronous: let timers and I/O run once per simulated day.
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (second?.failed) await second.files;
            break;
          case 'tenant-end':
            for (const [k, v] of Object.entries(item.eligible)) eligible[k] = (eligible[k] ?? 0) + v;
            break;
        }
      }
    }
    tenantFiles.close();
    if (second) Object.assign(tenantFiles.files, await second.files);
  } catch (error) {
    // The first error is the one to report; the files are closed either way.
    tenantFiles.abandon();
    try {
      groundTruth.close();
    } catch {
      // already failing
    }
    await second?.stop();
    throw error;
  }
  const files = tenantFiles.files;
  groundTruth.close();
  files['ground-truth.ndjson'] = { lines: groundTruth.lines, bytes: groundTruth.bytes };
  const defects = Object.fromEntries(
    DEFECT_KINDS.map((k) => [k, { layer: DEFECT_LAYERS[k], count: counts[k], eligible: eligible[k] ?? 0, rate: resolved.rates[k] }]),
  ) as Record<DefectKind, DefectCount>;
  const end = resolved.startMs + resolved.days * DAY_MS;
  const manifest = {
    generator: { name: 'verity-generator', version: packageVersion() },
    seed: resolved.seed,
    options: manifestOptions(resolved),
    timeline: { start: resolved.start, midpoint: isoTime(resolved.startMs + (end - resolved.startMs) / 2), end: isoTime(end) },
    tenants,
    activity_file: activityBasename(resolved),
    counts: { events, duplicates, deliveries, entities },
    defects,
    signals: { count: signalCount, items: signals },
    files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))),
  };
  try {
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  } catch (error) {
    throw new VerityError('IO_ERROR', `Cannot write ${join(dir, 'manifest.json')}: ${(error as Error).message}`, { cause: error });
  }
  return { out: dir, seed: resolved.seed, tenants, events, deliveries, duplicates, entities, defects, signals: signalCount, files: manifest.files, seconds: (performance.now() - started) / 1000 };
}
