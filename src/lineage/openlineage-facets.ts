/**
 * Builders for the standard OpenLineage facets Verity emits, each with its `_producer` and the
 * `_schemaURL` of the facet version in the 2-0-2 spec (validated in test/lineage).
 */

/** The producer URI stamped on every event and facet. */
export const OPENLINEAGE_PRODUCER = 'https://github.com/verity-dev/verity';
/** The core schema of the events Verity emits. */
export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

const facet = (file: string, def: string) => ({ _producer: OPENLINEAGE_PRODUCER, _schemaURL: `https://openlineage.io/spec/facets/${file}#/$defs/${def}` });

/** `schema` dataset facet: the columns of a dataset. */
export function schemaFacet(fields: Array<{ name: string; type?: string; description?: string }>) {
  return { ...facet('1-2-0/SchemaDatasetFacet.json', 'SchemaDatasetFacet'), fields: fields.map((f, i) => ({ name: f.name, ...(f.type ? { type: f.type } : {}), ...(f.description ? { description: f.description } : {}), ordinal_position: i + 1 })) };
}

/** `dataSource` dataset facet: where the dataset lives (a URI). */
export function dataSourceFacet(name: string, uri: string) {
  return { ...facet('1-0-1/DatasourceDatasetFacet.json', 'DatasourceDatasetFacet'), name, uri };
}

/** `dataQualityMetrics` input dataset facet: rows, bytes, files and per-column metrics. */
export function dataQualityMetricsFacet(metrics: { rowCount?: number; bytes?: number; fileCount?: number; columnMetrics?: Record<string, { nullCount?: number; distinctCount?: number; count?: number; min?: number; max?: number }> }) {
  return {
    ...facet('1-0-3/DataQualityMetricsInputDatasetFacet.json', 'DataQualityMetricsInputDatasetFacet'),
    ...(metrics.rowCount !== undefined ? { rowCount: metrics.rowCount } : {}),
    ...(metrics.bytes !== undefined ? { bytes: metrics.bytes } : {}),
    ...(metrics.fileCount !== undefined ? { fileCount: metrics.fileCount } : {}),
    columnMetrics: metrics.columnMetrics ?? {},
  };
}

/** `outputStatistics` output dataset facet. */
export function outputStatisticsFacet(stats: { rowCount?: number; size?: number; fileCount?: number }) {
  return { ...facet('1-0-2/OutputStatisticsOutputDatasetFacet.json', 'OutputStatisticsOutputDatasetFacet'), ...stats };
}

/** `columnLineage` dataset facet: each output column with the input columns it came from. */
export function columnLineageFacet(fields: Record<string, { inputFields: Array<{ namespace: string; name: string; field: string }>; transformationType?: 'IDENTITY' | 'MASKED'; transformationDescription?: string }>) {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(fields))
    out[k] = {
      inputFields: v.inputFields.map((f) => ({ namespace: f.namespace, name: f.name, field: f.field })),
      ...(v.transformationType ? { transformationType: v.transformationType } : {}),
      ...(v.transformationDescription ? { transformationDescription: v.transformationDescription } : {}),
    };
  return { ...facet('1-2-0/ColumnLineageDatasetFacet.json', 'ColumnLineageDatasetFacet'), fields: out };
}

/** `version` dataset facet: e.g. a snapshot's content address or a feature view's version. */
export function datasetVersionFacet(datasetVersion: string) {
  return { ...facet('1-0-1/DatasetVersionDatasetFacet.json', 'DatasetVersionDatasetFacet'), datasetVersion };
}

/** `errorMessage` run facet for FAIL events. */
export function errorMessageFacet(error: Error) {
  return { ...facet('1-0-1/ErrorMessageRunFacet.json', 'ErrorMessageRunFacet'), message: error.message, programmingLanguage: 'TypeScript', ...(error.stack ? { stackTrace: error.stack } : {}) };
}

/** `jobType` job facet. */
export function jobTypeFacet(jobType: string, processingType: 'BATCH' | 'STREAMING' = 'BATCH') {
  return { ...facet('2-0-4/JobTypeJobFacet.json', 'JobTypeJobFacet'), processingType, integration: 'VERITY', jobType };
}

/** `processing_engine` run facet. */
export function processingEngineFacet(version: string) {
  return { ...facet('1-1-1/ProcessingEngineRunFacet.json', 'ProcessingEngineRunFacet'), name: 'verity', version };
}

/** Facet keys that belong in `inputFacets` of an input dataset rather than `facets`. */
export const INPUT_FACET_KEYS = new Set(['dataQualityMetrics', 'inputStatistics']);
/** Facet keys that belong in `outputFacets` of an output dataset rather than `facets`. */
export const OUTPUT_FACET_KEYS = new Set(['outputStatistics']);
