import type { LineageDataset } from '../lineage/lineage-emitter.js';
import { columnLineageFacet, dataQualityMetricsFacet, dataSourceFacet, datasetVersionFacet, outputStatisticsFacet, schemaFacet } from '../lineage/openlineage-facets.js';
import { zoneNameOfPath } from '../lineage/dataset-names.js';
import type { SnapshotManifest } from './snapshot-manifest.js';

/**
 * The lineage datasets of a snapshot run: inputs are the lake zones it read (with row and file
 * counts) and the feature views (with their versions); the output is `snapshots.<name>` with its
 * schema, content address as version, statistics and, when known, column lineage.
 */
export function snapshotDatasets(
  manifest: SnapshotManifest,
  namespace: string,
  columnSources?: Record<string, { view: string; field: string }>,
): { inputs: LineageDataset[]; outputs: LineageDataset[] } {
  const zones = new Map<string, { rows: number; files: number }>();
  for (const f of manifest.lake.files_read) {
    const name = zoneNameOfPath(f.path) ?? f.path;
    const z = zones.get(name) ?? { rows: 0, files: 0 };
    z.rows += f.rows;
    z.files += 1;
    zones.set(name, z);
  }
  const inputs: LineageDataset[] = [
    ...[...zones].map(([name, z]) => ({ namespace, name, facets: { dataQualityMetrics: dataQualityMetricsFacet({ rowCount: z.rows, fileCount: z.files }) } })),
    ...manifest.feature_views.map((v) => ({ namespace, name: `features.${v.name}`, facets: { version: datasetVersionFacet(v.version) } })),
  ];
  const lineage: Record<string, { inputFields: Array<{ namespace: string; name: string; field: string }>; transformationType: 'IDENTITY' }> = {};
  for (const [column, src] of Object.entries(columnSources ?? {})) lineage[column] = { inputFields: [{ namespace, name: `features.${src.view}`, field: src.field }], transformationType: 'IDENTITY' };
  const output: LineageDataset = {
    namespace,
    name: `snapshots.${manifest.snapshot.name}`,
    facets: {
      schema: schemaFacet(manifest.data.columns),
      dataSource: dataSourceFacet('verity', namespace),
      version: datasetVersionFacet(manifest.snapshot.id),
      outputStatistics: outputStatisticsFacet({ rowCount: manifest.data.rows, size: manifest.data.files.reduce((a, f) => a + f.bytes, 0), fileCount: manifest.data.files.length }),
      ...(Object.keys(lineage).length ? { columnLineage: columnLineageFacet(lineage) } : {}),
    },
  };
  return { inputs, outputs: [output] };
}
