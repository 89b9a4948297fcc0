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

  /** Counts `n` rows for `dataset`. */
  add(dataset: LineageDataset, n = 1): void {
    const k = `${dataset.namespace}\u0000${dataset.name}`;
    const hit = this.rows.get(k);
    if (hit) hit.rows += n;
    else this.rows.set(k, { dataset, rows: n });
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
  // Counted per distinct key first (one map lookup per event), then tallied per dataset.
  const sources = new Map<string, { system: string; connector: string; entity: string; rows: number }>();
  const zones = new Map<string, { rows: number }>();
  // A batch is mostly runs of events of one source and entity: an event like the one before it
  // counts on that one's entries, without building and hashing its keys again.
  let lastSource: { system: string; connector: string; entity: string; rows: number } | undefined;
  let lastZone: { rows: number } | undefined;
  let lastZoneName = '';
  let lastTenant = '';
  let lastEntity = '';
  for (const item of items) {
    const e = (typeof item.input === 'object' && item.input !== null ? item.input : {}) as { tenant_id?: unknown; entity?: unknown; source?: { system?: unknown; connector?: unknown } };
    const tenant = item.tenant ?? str(e.tenant_id) ?? '_invalid';
    const entity = item.entity ?? str(e.entity) ?? '_invalid';
    const system = str(e.source?.system);
    if (system) {
      const connector = str(e.source?.connector) ?? '';
      if (lastSource !== undefined && lastSource.system === system && lastSource.connector === connector && lastSource.entity === entity) lastSource.rows++;
      else {
        const key = `${system}\u0000${connector}\u0000${entity}`;
        lastSource = sources.get(key);
        if (lastSource) lastSource.rows++;
        else sources.set(key, (lastSource = { system, connector, entity, rows: 1 }));
      }
    }
    if (lastZone !== undefined && item.zone === lastZoneName && tenant === lastTenant && entity === lastEntity) lastZone.rows++;
    else {
      const name = `${item.zone}.${tenant}.${entity}`;
      lastZone = zones.get(name);
      if (lastZone) lastZone.rows++;
      else zones.set(name, (lastZone = { rows: 1 }));
      lastZoneName = item.zone;
      lastTenant = tenant;
      lastEntity = entity;
    }
  }
  const inputs = new DatasetTally();
  for (const { system, connector, entity, rows } of sources.values()) inputs.add(sourceDataset({ system, connector }, entity), rows);
  // zoneDataset(lakeDir, zone, tenant, entity), with the namespace resolved once per batch.
  const namespace = lakeNamespace(lakeDir);
  const outputs = new DatasetTally();
  for (const [name, { rows }] of zones) outputs.add({ namespace, name }, rows);
  return { inputs: inputs.list(), outputs: outputs.list(true) };
}
