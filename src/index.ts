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
export { createGate, normaliseEnvelope, referenceKeyOf, TENANT_ID_PATTERN, ENTITY_PATTERN } from './ingest/gate.js';
export type { Gate, GateDecision, GateIndex, GateOptions } from './ingest/gate.js';

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
