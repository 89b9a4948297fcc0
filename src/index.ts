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
export type { TrainingFrameBuilder, TrainingFrame, TrainingFrameOptions, FrameRow } from './snapshots/training-frame-builder.js';
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
export { hubspotDataset, salesforceDataset, postgresDataset, fileDataset, zoneDataset, featureViewDataset, snapshotDataset, lakeNamespace, zoneNameOfPath } from './lineage/dataset-names.js';
export { traceSnapshot, type SnapshotTrace, type TraceNode } from './lineage/trace-snapshot.js';
export { lakeProvenance, createRetrievalFrameBuilder, type LakeProvenance, type RetrievedFrame, type RetrievalFrameBuilderOptions } from './snapshots/lake-provenance.js';
export { openProjectProvenance, type ProjectProvenance } from './audit/project-provenance.js';
