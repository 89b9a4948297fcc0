import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { VerityError } from '../errors.js';
import type { FeatureView } from './feature-view.js';
import { getTrainingFrame } from './offline-retrieval.js';
import type { ServingLogEntry } from './online-features.js';

/** Options for {@link runParity}. */
export interface ParityOptions {
  lakeDir: string;
  views: readonly FeatureView[];
  /** The NDJSON serving log (see `createServingLog`). */
  logFile: string;
  /** Only the newest N logged lookups per view (default 100 000). */
  limit?: number;
  /** Numbers closer than this (relative) count as equal (default 1e-6). */
  tolerance?: number;
}

/** Parity of one feature. */
export interface FeatureParity {
  view: string;
  feature: string;
  compared: number;
  mismatches: number;
  mismatch_rate: number;
  /** Up to 3 examples: entity, served time, online value, offline value. */
  examples: Array<{ entity: Record<string, unknown>; at: string; online: unknown; offline: unknown }>;
}

/** The result of {@link runParity}. */
export interface ParityReport {
  lookups: number;
  /** Logged lookups skipped because their view version differs from the current definition. */
  skippedOtherVersion: number;
  features: FeatureParity[];
}

type Line = Omit<ServingLogEntry, 'rows'> & { entity: Record<string, unknown>; features: Record<string, unknown> };

const same = (a: unknown, b: unknown, tol: number) => {
  if (typeof a === 'number' && typeof b === 'number') return Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
};

/**
 * Online/offline parity: replays offline retrieval (as known at each logged serving time) for every
 * logged lookup and reports, per feature, how often the served value differed. Staging must be
 * built up to the serving times (the CLI builds it first).
 */
export async function runParity(options: ParityOptions): Promise<ParityReport> {
  if (!existsSync(options.logFile)) throw new VerityError('NOT_FOUND', `Serving log ${options.logFile} does not exist: serve some lookups first (POST /v1/features/online or \`verity features get\`).`);
  const limit = options.limit ?? 100_000;
  const tol = options.tolerance ?? 1e-6;
  const byView = new Map<string, Line[]>();
  let skipped = 0;
  const lines = createInterface({ input: createReadStream(options.logFile, 'utf8'), crlfDelay: Infinity });
  for await (const text of lines) {
    if (!text.trim()) continue;
    let line: Line;
    try {
      line = JSON.parse(text) as Line;
    } catch {
      continue; // a torn line from a crash mid-append
    }
    const view = options.views.find((v) => v.name === line.view);
    if (!view) continue;
    if (line.view_version !== view.version) {
      skipped++;
      continue;
    }
    const list = byView.get(view.name) ?? [];
    list.push(line);
    if (list.length > limit) list.shift();
    byView.set(view.name, list);
  }
  const report: ParityReport = { lookups: 0, skippedOtherVersion: skipped, features: [] };
  for (const view of options.views) {
    const list = byView.get(view.name);
    if (!list?.length) continue;
    report.lookups += list.length;
    const frame = await getTrainingFrame(
      list.map((l) => ({ ...Object.fromEntries(view.keys.map((k) => [k, l.entity[k]])), tenant_id: l.tenant, timestamp: l.at })),
      [view],
      { lakeDir: options.lakeDir },
    );
    const offline = await frame.rows();
    frame.close();
    for (const f of view.features) {
      const p: FeatureParity = { view: view.name, feature: f.name, compared: 0, mismatches: 0, mismatch_rate: 0, examples: [] };
      list.forEach((l, i) => {
        if (!(f.name in l.features)) return;
        p.compared++;
        const off = offline[i]![f.name];
        if (!same(l.features[f.name], off, tol)) {
          p.mismatches++;
          if (p.examples.length < 3) p.examples.push({ entity: l.entity, at: l.at, online: l.features[f.name], offline: off });
        }
      });
      p.mismatch_rate = p.compared ? p.mismatches / p.compared : 0;
      report.features.push(p);
    }
  }
  return report;
}
