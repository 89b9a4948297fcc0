/**
 * The OpenLineage datasets of the lake's own jobs (ingest batches, quarantine replays,
 * compaction), named as docs/provenance.md "Dataset naming" says, so a trace walks from a
 * zone back to the sources that fed it.
 */
import type { LineageDataset } from '../lineage/lineage-emitter.js';
import { outputStatisticsFacet } from '../lineage/openlineage-facets.js';
import { lakeNamespace, sourceDataset } from '../lineage/dataset-names.js';

/** Counts rows per dataset, keeping first-seen order. */
export class DatasetTally {
  private readonly rows = new Map<string, { dataset: LineageDataset; rows: number }>();
  /** The entry of each dataset object already seen (callers that reuse objects skip the key building). */
  private readonly byObject = new WeakMap<LineageDataset, { dataset: LineageDataset; rows: number }>();

  /** Counts `n` rows for `dataset`. */
  add(dataset: LineageDataset, n = 1): void {
    let hit = this.byObject.get(dataset);
    if (!hit) {
      const k = `${dataset.namespace}\u0000${dataset.name}`;
      hit = this.rows.get(k);
      if (hit) hit.rows += n;
      else this.rows.set(k, (hit = { dataset, rows: n }));
      this.byObject.set(dataset, hit);
      return;
    }
    hit.rows += n;
  }

  /** The datasets, each with an `outputStatistics` facet when `withStatistics`. */
  list(withStatistics = false): LineageDataset[] {
    return [...this.rows.values()].map(({ dataset, rows }) => (withStatistics ? { ...dataset, facets: { outputStatistics: outputStatisticsFacet({ rowCount: rows }) } } : dataset));
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v : undefined);

/**
 * The inputs (sources) and outputs (zones) of one ingest batch: for each event, its source
 * dataset and the raw or quarantine zone of its tenant and entity. Dataset objects are built once
 * per distinct (source, entity) and (zone, tenant, entity), not once per event.
 */
export function ingestBatchDatasets(lakeDir: string, items: Array<{ input: unknown; zone: 'raw' | 'quarantine'; tenant?: string; entity?: string }>): { inputs: LineageDataset[]; outputs: LineageDataset[] } {
  const namespace = lakeNamespace(lakeDir);
  const inputs = new DatasetTally();
  const outputs = new DatasetTally();
  const sourceByKey = new Map<string, LineageDataset>();
  const zoneByName = new Map<string, LineageDataset>();
  for (const item of items) {
    const e = (typeof item.input === 'object' && item.input !== null ? item.input : {}) as { tenant_id?: unknown; entity?: unknown; source?: { system?: unknown; connector?: unknown } };
    const tenant = item.tenant ?? str(e.tenant_id) ?? '_invalid';
    const entity = item.entity ?? str(e.entity) ?? '_invalid';
    const system = str(e.source?.system);
    if (system) {
      const connector = str(e.source?.connector) ?? '';
      const key = `${system}\u0000${connector}\u0000${entity}`;
      let dataset = sourceByKey.get(key);
      if (!dataset) sourceByKey.set(key, (dataset = sourceDataset({ system, connector }, entity)));
      inputs.add(dataset);
    }
    // zoneDataset(lakeDir, zone, tenant, entity), with the namespace resolved once per batch.
    const name = `${item.zone}.${tenant}.${entity}`;
    let zone = zoneByName.get(name);
    if (!zone) zoneByName.set(name, (zone = { namespace, name }));
    outputs.add(zone);
  }
  return { inputs: inputs.list(), outputs: outputs.list(true) };
}
