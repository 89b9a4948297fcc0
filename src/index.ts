/**
 * Verity's public API: explicit named exports.
 */

// The event lake (DESIGN.md section 6) and the ingest gate (section 5).
export { openLake } from './lake/lake.js';
export type {
  Lake,
  LakeOptions,
  IngestOptions,
  IngestReport,
  IngestResult,
  ScanOptions,
  QuarantineZone,
  QuarantineEntry,
  QuarantineDetail,
  QuarantineFilter,
  ReplayReport,
  CatalogFile,
  CompactionReport,
  LakeStats,
  LakeStatsRow,
} from './lake/types.js';
export { createGate, normaliseEnvelope, referenceKeyOf, TENANT_ID_PATTERN, ENTITY_PATTERN } from './ingest/gate.js';
export type { Gate, GateDecision, GateIndex, GateOptions } from './ingest/gate.js';

// Staging (DESIGN.md section 6) and the feature store (section 7).
export { buildStaging, readStagingCheckpoint, stagingDir, stagingGlob } from './staging/build-staging.js';
export type { BuildStagingOptions, BuildStagingResult, StagingCheckpoint } from './staging/build-staging.js';
export { createMemoryRawEventSource } from './staging/raw-event-source.js';
export type { RawEventSource, RawScanOptions } from './staging/raw-event-source.js';
export { foldRecordHistory } from './staging/fold-history.js';
export type { StagingRow } from './staging/fold-history.js';
export { canonicalKey } from './staging/canonical.js';
export { defineFeatureView, lastValue, timeSince, count, sum, avg, min, max, distinct, timeSinceLast, derived, isFeatureView } from './features/feature-view.js';
export type { FeatureView, FeatureViewDefinition, Feature, FeatureSpec, FeatureContract, FeatureType, EventSelection, AggregateFunction } from './features/feature-view.js';
export { parseDuration } from './features/duration.js';
export type { Duration } from './features/duration.js';
export { loadFeatureViews, selectViews } from './features/load-feature-views.js';
export { getTrainingFrame } from './features/offline-retrieval.js';
export type { FrameInput, TrainingFrame, TrainingFrameOptions, FeatureColumn } from './features/offline-retrieval.js';
export type { Knowledge } from './features/feature-sql.js';
export { isNewer } from './features/online-store.js';
export type { OnlineStore, OnlineCell, OnlineWrite, OnlineWriteResult, OnlineStoreCapabilities } from './features/online-store.js';
export { createMemoryOnlineStore } from './features/online-stores/memory-online-store.js';
export type { MemoryOnlineStoreOptions } from './features/online-stores/memory-online-store.js';
export { createRedisOnlineStore } from './features/online-stores/redis-online-store.js';
export type { RedisOnlineStoreOptions } from './features/online-stores/redis-online-store.js';
export { createMaterializer } from './features/materializer.js';
export type { Materializer, MaterializerOptions, MaterializeReport } from './features/materializer.js';
export { withMaterialization } from './features/materialize-on-ingest.js';
export { getOnlineFeatures, createServingLog, MAX_ENTITIES_PER_LOOKUP } from './features/online-features.js';
export type { OnlineFeatureRow, OnlineFeatureValue, FeatureStatus, GetOnlineFeaturesOptions, ServingLog, ServingLogEntry } from './features/online-features.js';
export { runParity } from './features/parity.js';
export type { ParityOptions, ParityReport, FeatureParity } from './features/parity.js';
export { openFeatureServices, servingLogPath } from './features/feature-services.js';
export type { FeatureServices } from './features/feature-services.js';
export { createFeatureRoutes } from './server/routes/features.js';
export type { FeatureRoutesOptions } from './server/routes/features.js';
export { createFeatureServing } from './server/feature-serving.js';
export type { FeatureServing } from './server/feature-serving.js';
export { runFeatureDemo } from './features/feature-demo.js';
export type { FeatureDemoOptions, FeatureDemoReport } from './features/feature-demo.js';

// The seeded CRM data generator (docs/generator.md).
export { generate } from './generator/generate.js';
export type { GenerateReport, GenerateRunOptions, DefectCount } from './generator/generate.js';
export { generateChanges } from './generator/generate-changes.js';
export type { GeneratedItem, GeneratedSource, HubSpotDelivery, RecordLine } from './generator/change.js';
export { resolveGenerateOptions, GENERATOR_FORMATS, DEFAULT_FORMATS } from './generator/options.js';
export type { GenerateOptions, ResolvedGenerateOptions, GeneratorFormat } from './generator/options.js';
export { DEFECT_KINDS, DEFECT_LAYERS } from './generator/defects.js';
export type { DefectKind, DefectLayer, GroundTruthEntry } from './generator/defects.js';
export { createPrng, hashSeed } from './generator/prng.js';
export type { Prng } from './generator/prng.js';
export { signHubSpotV3 } from './generator/formats/hubspot-format.js';
export { encodeSalesforceBitmap } from './generator/formats/salesforce-bitmap.js';
