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
  ReplayOptions,
  CatalogFile,
  CompactionReport,
  LakeStats,
  LakeStatsRow,
} from './lake/types.js';
export { createGate, normaliseEnvelope, referenceKeyOf, stateFieldsOf, TENANT_ID_PATTERN, ENTITY_PATTERN } from './ingest/gate.js';
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

// Data contracts (DESIGN.md section 4): ODCS v3.1, compiled validators, compatibility, registry.
export type { Violation, ValidateOptions, RecordValidator, ContractResolver } from './contracts/types.js';
export type { Contract, FieldSpec, FieldReference, ContractParty, ServiceLevel, LogicalType, Transitions } from './contracts/contract-model.js';
export { readContractText, readContractFile, contractFromDocument, formatFindings } from './contracts/read-contract.js';
export { lintContractText, type LintFinding } from './contracts/lint-contract.js';
export { compileContract, type CompileOptions, type CompiledContract } from './contracts/compile-contract.js';
export { contractToJsonSchema } from './contracts/contract-json-schema.js';
export { createFileContractResolver, createStaticContractResolver, listContractFiles, type ContractCatalog } from './contracts/contract-resolver.js';
export { validateDataFile, readKeySet, type RecordResult, type DataValidationSummary, type ValidateDataOptions } from './contracts/validate-data.js';
export { diffContracts, type ContractDiff, type ContractChange, type ConsumerDeclaration, type ContractDiffOptions } from './contracts/contract-diff.js';
export { contractChangelog } from './contracts/contract-changelog.js';
export { renderCatalogMarkdown, renderCatalogHtml } from './contracts/contract-docs.js';
export {
  checkSchemaCompatibility,
  parseCompatibilityMode,
  parseCompatibilityPolicy,
  COMPATIBILITY_MODES,
  type CompatibilityMode,
  type CompatibilityLevel,
  type CompatibilityPolicy,
  type SchemaCompatibilityResult,
} from './contracts/compat/check-compatibility.js';
export type { SchemaChange } from './contracts/compat/schema-change.js';
export type { Registry, RegistryEntry, RegistryStore, SubjectConfig, PublishOptions, PublishResult, RegistryCapabilities } from './contracts/registry/registry.js';
export { createRegistry, contractDigest, type RegistryOptions } from './contracts/registry/create-registry.js';
export { createFileRegistry, type FileRegistryOptions } from './contracts/registry/file-registry.js';
export { createPostgresRegistry, type PostgresRegistryOptions } from './contracts/registry/postgres-registry.js';
export { openConfiguredRegistry } from './contracts/registry/open-registry.js';
export { writeContractYaml } from './contracts/write-contract.js';

// Source adapters (DESIGN.md sections 3 and 5): native input → envelopes.
export type {
  Source,
  SourceCapabilities,
  SourceDelivery,
  DecodeContext,
  DecodeResult,
  DecodeStreamOptions,
  RejectedItem,
  SourceSignal,
} from './ingest/source.js';
export { deriveEventId } from './ingest/event-id.js';
export { createSource, isSourceName, SOURCE_NAMES } from './ingest/sources/source-registry.js';
export type { SourceName, SourceOptionsByName } from './ingest/sources/source-registry.js';
export { createHubSpotWebhookSource, HUBSPOT_DEFAULT_OBJECTS } from './ingest/sources/hubspot-webhook-source.js';
export type { HubSpotWebhookSourceOptions, HubSpotObjectMapping } from './ingest/sources/hubspot-webhook-source.js';
export { verifyHubSpotSignature, signHubSpotV3, signHubSpotLegacy, hubSpotV3Uri } from './ingest/sources/hubspot-signature.js';
export type { HubSpotSignatureOptions } from './ingest/sources/hubspot-signature.js';
export { createSalesforceCdcSource, SALESFORCE_DEFAULT_OBJECTS, normaliseReplayId } from './ingest/sources/salesforce-cdc-source.js';
export type { SalesforceCdcSourceOptions, SalesforceObjectMapping } from './ingest/sources/salesforce-cdc-source.js';
export { decodeFieldBitmap } from './ingest/sources/salesforce-bitmap.js';
export { createDebeziumSource, DEBEZIUM_DEFAULT_TABLES } from './ingest/sources/debezium-source.js';
export type { DebeziumSourceOptions } from './ingest/sources/debezium-source.js';
export { signStandardWebhook, verifyStandardWebhook, standardWebhooksKey } from './ingest/sources/standard-webhooks.js';
export type { StandardWebhookVerifyOptions } from './ingest/sources/standard-webhooks.js';
export { createFileSource, createNdjsonFileSource, createCsvFileSource, typeCsvValue } from './ingest/sources/file-source.js';
export type { FileSourceOptions, CsvColumnType } from './ingest/sources/file-source.js';
export { createEnvelopeSource, ENVELOPE_JSON_SCHEMA } from './ingest/sources/envelope-source.js';
export type { EnvelopeSourceOptions } from './ingest/sources/envelope-source.js';
export type { FieldMap, FieldTarget, FieldType } from './ingest/sources/field-mapping.js';

// The HTTP server (`verity serve`): routing and mapping only.
export { createServer } from './server/create-server.js';
export type { ServerOptions, VerityServer } from './server/create-server.js';
export { startServer } from './server/start-server.js';
export type { StartServerOptions, StartedServer } from './server/start-server.js';
export { createServerSources } from './server/server-sources.js';
export { toErrorReply } from './server/error-reply.js';
export type { ErrorBody, ErrorReply } from './server/error-reply.js';
export { resolveTenant, TENANT_PATTERN } from './server/tenant.js';
export type { RoutePlugin, RoutePluginOptions, ServerContext, ServerLake } from './server/server-context.js';
export { createServerMetrics } from './server/server-metrics.js';
export type { ServerMetrics } from './server/server-metrics.js';

// Delivering decoded events: to the lake, or to the bus in scale-out mode.
export { ingestDelivery } from './ingest/ingest-delivery.js';
export type { IngestDeliveryOptions, DeliveryIngestReport } from './ingest/ingest-delivery.js';
export { ingestFiles, listIngestFiles } from './ingest/ingest-files.js';
export type { IngestFilesOptions, IngestFilesReport, FileReadMode } from './ingest/ingest-files.js';
export type { IngestTarget, IngestCallOptions, IngestReport as IngestTargetReport } from './ingest/ingest-target.js';

// The ingest bus (scale-out, DESIGN.md section 12): in-process reference and NATS JetStream.
export type { Bus, BusMessage, BusCapabilities, BusConsumer, BusConsumerOptions, BusDelivery, PublishReport } from './bus/bus.js';
export { createMemoryBus } from './bus/memory-bus.js';
export type { MemoryBusOptions } from './bus/memory-bus.js';
export { createNatsBus } from './bus/nats-bus.js';
export type { NatsBus, NatsBusOptions } from './bus/nats-bus.js';
export { createBusIngestTarget } from './bus/bus-ingest-target.js';
export type { BusPacking, BusIngestTargetOptions } from './bus/bus-ingest-target.js';
export { createLakeWriter } from './bus/lake-writer.js';
export type { LakeWriter, LakeWriterOptions, LakeWriterBatch } from './bus/lake-writer.js';
export { encodeBusMessage, decodeBusMessage, busSubject, busMessageId } from './bus/bus-message.js';
// Staging (DESIGN.md section 6) and the feature store (section 7).

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
export { encodeSalesforceBitmap } from './generator/formats/salesforce-bitmap.js';
// Project configuration, needed to start a server from the library.
export { loadConfig } from './config/config.js';
export type { LoadedConfig, VerityConfig } from './config/config.js';
// Provenance: keys, DSSE / in-toto, snapshots, audit log, lineage.
export type { Signer, Verifier } from './keys/signer.js';
export { createEd25519Signer, createEd25519Verifier, ed25519KeyId } from './keys/ed25519-signer.js';
export { generateKeyPair, loadSigner, loadVerifier, exportPublicKey, type KeySourceOptions, type GeneratedKeyPair } from './keys/key-files.js';
export { projectSigner, projectVerifier, tryProjectSigner, projectKeySource } from './keys/project-keys.js';
export { pae, signEnvelope, verifyEnvelope, parseEnvelope, type DsseEnvelope, type DsseVerification } from './snapshots/dsse.js';
export { createStatement, serializeStatement, parseStatement, IN_TOTO_STATEMENT_TYPE, IN_TOTO_PAYLOAD_TYPE, type InTotoStatement, type InTotoSubject } from './snapshots/in-toto.js';
export { createSnapshot, readFrameCsv, type CreateSnapshotOptions, type CreatedSnapshot } from './snapshots/create-snapshot.js';
export { verifySnapshot, type SnapshotVerification, type SnapshotFileCheck } from './snapshots/verify-snapshot.js';
export { listSnapshots, resolveSnapshot, readSignedManifest, type SnapshotSummary } from './snapshots/snapshot-store.js';
export { SNAPSHOT_PREDICATE_TYPE, snapshotId, type SnapshotManifest, type SnapshotFile } from './snapshots/snapshot-manifest.js';
export type { TrainingFrameBuilder, TrainingFrame as SnapshotTrainingFrame, TrainingFrameOptions as SnapshotFrameOptions, FrameRow } from './snapshots/training-frame-builder.js';
export { registerTrainingFrameBuilder, projectTrainingFrameBuilder, type TrainingFrameBuilderFactory } from './snapshots/frame-builder-registry.js';
export { createProjectSnapshot, listProjectSnapshots, showProjectSnapshot, verifyProjectSnapshot, traceProjectSnapshot, projectSnapshotsDir } from './snapshots/project-snapshots.js';
export { hashFile } from './snapshots/hash-file.js';
export type { AuditFact, AuditSink } from './audit/audit-sink.js';
export type { AuditLog, AuditEntry, TreeHead, SignedTreeHead, InclusionProof, ConsistencyProof, AuditVerification, AuditProblem, AuditLogCapabilities } from './audit/audit-log.js';
export { TREE_HEAD_PAYLOAD_TYPE } from './audit/audit-log.js';
export { createFileAuditLog, type FileAuditLogOptions } from './audit/file-audit-log.js';
export type { PostgresAuditLogOptions } from './audit/postgres-audit-log.js';
export { openAuditLog, type OpenAuditLogOptions } from './audit/open-audit-log.js';
export { hashLeaf, hashChildren, verifyInclusion, verifyConsistency, rootFromInclusionProof, EMPTY_ROOT } from './audit/merkle.js';
export { signTreeHead, verifyTreeHead, treeHeadBytes } from './audit/tree-head.js';
export { exportAuditLog, toCef, toNdjson, escapeCefHeader, escapeCefValue, type AuditExportFormat } from './audit/audit-export.js';
export type { LineageEmitter, JobRun, LineageDataset } from './lineage/lineage-emitter.js';
export { createOpenLineageEmitter, readLineageEvents, type OpenLineageEmitter, type OpenLineageEmitterOptions, type OpenLineageRunEvent } from './lineage/openlineage-emitter.js';
export { projectLineageEmitter } from './lineage/project-lineage.js';
export { schemaFacet, dataSourceFacet, dataQualityMetricsFacet, outputStatisticsFacet, columnLineageFacet, datasetVersionFacet, OPENLINEAGE_PRODUCER } from './lineage/openlineage-facets.js';
export { hubspotDataset, salesforceDataset, postgresDataset, fileDataset, sourceDataset, zoneDataset, featureViewDataset, snapshotDataset, lakeNamespace, zoneNameOfPath } from './lineage/dataset-names.js';
export { runWithLineage } from './lineage/run-with-lineage.js';
export { traceSnapshot, type SnapshotTrace, type TraceNode } from './lineage/trace-snapshot.js';
export { lakeProvenance, createRetrievalFrameBuilder, type LakeProvenance, type RetrievedFrame, type RetrievalFrameBuilderOptions } from './snapshots/lake-provenance.js';
export { openProjectProvenance, type ProjectProvenance } from './audit/project-provenance.js';
