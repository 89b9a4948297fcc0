/**
 * The event envelope (DESIGN.md section 3): the one shape every source adapter produces and every
 * later stage consumes. Field names are part of Verity's public format.
 */

/** What a change did to its record. */
export type EnvelopeOp = 'upsert' | 'delete' | 'merge' | 'snapshot' | 'truncate';

/** The record's identity within its entity: named, typed parts (composite keys are first-class). */
export type EntityKey = Record<string, string | number>;

/** Where an event came from and its position in that stream. */
export interface EnvelopeSource {
  /** The source system: `hubspot`, `salesforce`, `debezium`, `file`, `verity`… */
  system: string;
  /** The connector or stream within the system (a HubSpot app id, a CDC channel, a file name…). */
  connector: string;
  /** The position in that stream (replay id, LSN, row number…), as a string so it stays exact. */
  position: string;
}

/** One change to one record. */
export interface Envelope {
  /** Deterministic id derived from the source's own identity of the change. */
  event_id: string;
  tenant_id: string;
  entity: string;
  entity_key: EntityKey;
  op: EnvelopeOp;
  /** For `op: 'merge'`: the surviving record this one was merged into. */
  merged_into?: EntityKey;
  /** When the change happened at the source, ISO 8601 UTC with milliseconds. */
  event_time: string;
  /** When Verity durably accepted it (set by the lake). */
  ingest_time?: string;
  /** Per-lake monotonic sequence number (set by the lake). */
  ingest_seq?: number;
  source: EnvelopeSource;
  /** Contract version the payload was validated against (set by the gate). */
  schema_version?: string;
  /** The record's fields: the full record, or just the changed fields listed in `changed_fields`. */
  payload: Record<string, unknown>;
  /** Present on partial updates: the fields the payload carries. */
  changed_fields?: string[];
  /** Purposes the subject agreed to, e.g. `["analytics", "model_training"]`. */
  consent?: string[];
  /**
   * Input only: the record's values just before this change as the source itself reports them
   * (Debezium's `before` image of an update). The gate judges state transitions from it, because
   * the source knows the transition it committed even when the lake missed or has not yet received
   * the change before it (out-of-order delivery, a quarantined predecessor). Not stored in the raw
   * zone: the record's history already holds its prior versions.
   */
  before?: Record<string, unknown>;
}

/** The entity names Verity's starter contracts and generator use. */
export const CRM_ENTITIES = ['account', 'contact', 'lead', 'opportunity', 'activity'] as const;
/** One of {@link CRM_ENTITIES}. */
export type CrmEntity = (typeof CRM_ENTITIES)[number];

/** A stable string for an entity key: its values in key order, JSON-encoded. */
export function entityKeyString(key: EntityKey): string {
  return JSON.stringify(Object.keys(key).map((k) => key[k]));
}
