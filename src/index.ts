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
