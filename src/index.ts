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
