import { join } from 'node:path';
import { readCatalog } from '../lake/catalog.js';
import type { FrameRow, TrainingFrame, TrainingFrameBuilder, TrainingFrameOptions } from './training-frame-builder.js';

/** What a snapshot records about the lake it read. */
export interface LakeProvenance {
  filesRead: Array<{ path: string; sha256: string; rows: number }>;
  lakePositions: { compactedThrough: number; maxCatalogSeq: number; lastSeq?: number };
}

/**
 * The raw-zone files a retrieval read, with their SHA-256 and row counts, from the lake catalog
 * (`<lakeDir>/catalog.json`), filtered by tenant and entities; and the lake positions.
 * Events still in the append log (not yet compacted) are covered by `lastSeq` only: compact before
 * a snapshot to name every byte read by file.
 */
export async function lakeProvenance(lakeDir: string, options: { tenant?: string; entities?: string[]; lastSeq?: number } = {}): Promise<LakeProvenance> {
  const catalog = await readCatalog(join(lakeDir, 'catalog.json'));
  const files = catalog.files
    .filter((f) => f.zone === 'raw' && (!options.tenant || f.tenant_id === options.tenant) && (!options.entities || options.entities.includes(f.entity)))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    filesRead: files.map((f) => ({ path: f.path, sha256: f.sha256, rows: f.rows })),
    lakePositions: {
      compactedThrough: catalog.compactedThrough,
      maxCatalogSeq: files.reduce((m, f) => Math.max(m, f.max_seq), 0),
      ...(options.lastSeq !== undefined ? { lastSeq: options.lastSeq } : {}),
    },
  };
}

/** What a point-in-time retrieval returns, as the features module's `getTrainingFrame` does (structurally). */
export interface RetrievedFrame {
  /** Rows in input order. */
  rows: Array<Record<string, unknown>>;
  columns?: string[];
  /** Where each feature landed: `{view, viewVersion, feature, column}`. */
  featureColumns: Array<{ view: string; viewVersion: string; feature: string; column: string }>;
  /** Retrieval parameters as applied (knowledge mode, tenant…). */
  parameters?: Record<string, unknown>;
  /** Rows dropped by a consent filter. */
  consentExcluded?: number;
}

/** Options for {@link createRetrievalFrameBuilder}. */
export interface RetrievalFrameBuilderOptions {
  lakeDir: string;
  /** Runs the retrieval (wrap `getTrainingFrame` here; apply the consent purpose when given). */
  retrieve(frame: FrameRow[], views: string[], options: TrainingFrameOptions): Promise<RetrievedFrame>;
  /** Contract versions of the entities read (e.g. from the contract catalog). */
  contracts?(views: string[]): Array<{ entity: string; version: string }> | Promise<Array<{ entity: string; version: string }>>;
  /** Entities the views read (to list only their files); all raw files when absent. */
  entities?(views: string[]): string[] | Promise<string[]>;
  tenant?: string;
  /** The lake's durable position (`lake.lastSeq()`). */
  lastSeq?(): number;
}

/**
 * Adapts a point-in-time retrieval into a {@link TrainingFrameBuilder}: view versions and column
 * lineage come from the retrieval's feature columns, files read and positions from the lake catalog.
 * @example
 * const builder = createRetrievalFrameBuilder({
 *   lakeDir, tenant: 't01',
 *   retrieve: async (frame, names, o) => { const f = await getTrainingFrame(frame, await loadViews(names), { lakeDir }); try { return { rows: await f.rows(), columns: f.columns, featureColumns: f.featureColumns }; } finally { f.close(); } },
 * });
 */
export function createRetrievalFrameBuilder(options: RetrievalFrameBuilderOptions): TrainingFrameBuilder {
  return {
    async build(frame, views, buildOptions): Promise<TrainingFrame> {
      const r = await options.retrieve(frame, views, buildOptions);
      const versions = new Map<string, string>();
      for (const c of r.featureColumns) versions.set(c.view, c.viewVersion);
      const entities = options.entities ? await options.entities(views) : undefined;
      const lake = await lakeProvenance(options.lakeDir, {
        ...(options.tenant ? { tenant: options.tenant } : {}),
        ...(entities ? { entities } : {}),
        ...(options.lastSeq ? { lastSeq: options.lastSeq() } : {}),
      });
      return {
        rows: r.rows,
        ...(r.columns ? { columns: r.columns } : {}),
        views: views.map((name) => ({ name, version: versions.get(name) ?? 'unknown' })),
        contracts: options.contracts ? await options.contracts(views) : [],
        lakePositions: lake.lakePositions,
        filesRead: lake.filesRead,
        parameters: { ...(options.tenant ? { tenant: options.tenant } : {}), ...(r.parameters ?? {}) },
        columnSources: Object.fromEntries(r.featureColumns.map((c) => [c.column, { view: c.view, field: c.feature }])),
        ...(r.consentExcluded !== undefined ? { consentExcluded: r.consentExcluded } : {}),
      };
    },
  };
}
