import type { Envelope } from '../envelope.js';
import type { SourceSignal } from '../ingest/source.js';
import type { GroundTruthEntry, InjectedDefect } from './defects.js';

/** What a simulated change did to its record. */
export type ChangeOp = 'create' | 'update' | 'delete' | 'merge' | 'snapshot' | 'undelete';

/** The source system that carries each entity in generated data. */
export type GeneratedSource = 'hubspot' | 'salesforce' | 'debezium' | 'file';

/**
 * One simulated change to one record, before it is rendered in a native format. Values are in
 * Verity's canonical field names (BRIEF data model).
 */
export interface EntityChange {
  entity: 'account' | 'contact' | 'lead' | 'opportunity' | 'activity';
  /** The record's scheduling slot within its tenant (unique across entities). */
  slot: number;
  op: ChangeOp;
  /** When the change happened at the source (epoch ms). */
  time: number;
  /** The clean record state after the change (for delete and merge: the state before). */
  record: Record<string, unknown>;
  /** The clean state before the change (Debezium `before`). */
  previous?: Record<string, unknown>;
  /** Canonical fields an update sets (always includes `updated_at` for Salesforce and Debezium). */
  changed: string[];
  /** Values only this event carries: the injected defect (bad email, string employee count…). */
  overrides?: Record<string, unknown>;
  /** Source-only fields this change sets (Salesforce names), e.g. `IsClosed`, `NextStep`. */
  extra?: Record<string, unknown>;
  /** Source-only fields this change sets to null (Salesforce names). */
  nulledExtra?: string[];
  /** The record-level defect this event carries, if any. */
  defect?: InjectedDefect;
  /** For a contact merge: the surviving contact's HubSpot object id. */
  survivorObjectId?: number;
  /** Replace the change by a Salesforce GAP event (the change happened, its content is not delivered). */
  gap?: boolean;
}

/**
 * Which JSON texts the formats build alongside the objects: what the file writer will write
 * (nothing extra for the in-memory stream).
 */
export interface TextOptions {
  /** Envelope lines (`envelopes/events.ndjson`). */
  readonly envelopes: boolean;
  /** HubSpot POST lines (`hubspot/deliveries.ndjson`). */
  readonly hubspot: boolean;
  /** Activity rows: the ndjson line, also the envelope payload and the record base. */
  readonly rows: boolean;
  /**
   * HubSpot POSTs (body and signature) in the items. When false, HubSpot deliveries carry an
   * empty `native` and the events no JSON text: for a file writer that writes no HubSpot file.
   */
  readonly hubspotPosts: boolean;
}

/** No texts beyond what the objects need (the in-memory stream). */
export const NO_TEXT: TextOptions = { envelopes: false, hubspot: false, rows: false, hubspotPosts: true };

/** A record line of `records/<entity>.ndjson`: the full state at one event, with `_event_id` and `_op`. */
export interface RecordLine {
  entity: string;
  record: Record<string, unknown>;
  /** `record` without `_event_id` and `_op`, shared by the lines of one change (lets writers serialise it once). */
  base?: Record<string, unknown>;
}

/**
 * The generator's {@link RecordLine}: `record` (`base` plus `_event_id` and `_op`) is built only
 * when read, since the file writer serialises `base` once per change and appends the two fields.
 */
export class GeneratedRecordLine implements RecordLine {
  private full: Record<string, unknown> | undefined;

  constructor(
    readonly entity: string,
    readonly base: Record<string, unknown>,
    /** The event id (file rows get theirs when delivered). */
    public eventId: string,
    readonly op: string,
  ) {}

  /** The full record line. */
  get record(): Record<string, unknown> {
    if (this.full === undefined || this.full._event_id !== this.eventId) this.full = { ...this.base, _event_id: this.eventId, _op: this.op };
    return this.full;
  }
}

/** A HubSpot webhook POST as written to `hubspot/deliveries.ndjson`. */
export interface HubSpotDelivery {
  method: 'POST';
  url: string;
  /** Lower-case header names: content-type, x-hubspot-signature-v3, x-hubspot-request-timestamp, x-hubspot-signature-version. */
  headers: Record<string, string>;
  /** The raw JSON body (an array of events), exactly as signed. */
  body: string;
}

/** One rendered native event (or HubSpot event group) on its way to delivery. */
export interface DeliveryUnit {
  source: GeneratedSource;
  entity: string;
  slot: number;
  /** Event time (epoch ms). */
  time: number;
  /** Delivery time (epoch ms), set when it is delivered. */
  deliverAt: number;
  /** Native objects: HubSpot events, one Salesforce event, one Debezium value, or one activity row. */
  native: Array<Record<string, unknown>>;
  /** The JSON text of each native object, when the format built it (HubSpot events). */
  nativeJson?: string[] | undefined;
  /** The same, escaped as the content of a JSON string (HubSpot events, for the body in a delivery line). */
  nativeEscaped?: string[] | undefined;
  envelopes: Envelope[];
  /** `JSON.stringify` of each envelope, when the format built them (set once event ids are known). */
  envelopeJson?: string[] | undefined;
  records: GeneratedRecordLine[];
  defects: GroundTruthEntry[];
  /** May be delivered late or out of order (updates only; never creates, deletes or merges). */
  reorderable: boolean;
}

/** An item of the generated stream (see {@link generateChanges}). */
export type GeneratedItem =
  | { type: 'tenant'; tenant_id: string; index: number }
  | {
      type: 'delivery';
      tenant_id: string;
      source: GeneratedSource;
      /** HubSpot: a {@link HubSpotDelivery}; Salesforce: the CDC event; Debezium: the change event value; file: the activity row. */
      native: HubSpotDelivery | Record<string, unknown>;
      /** The envelopes the source adapter computes for this delivery (same event ids). */
      envelopes: Envelope[];
      /** `JSON.stringify(native)`, when the generator built it already (lets writers skip serialising it again). */
      nativeJson?: string | undefined;
      /** `JSON.stringify` of each envelope, when the generator built them already. */
      envelopeJson?: readonly string[] | undefined;
      /** Full record states (empty for duplicates). */
      records: RecordLine[];
      /** Ground truth for the defects this delivery carries. */
      defects: GroundTruthEntry[];
      /** A re-delivery of something already delivered. */
      duplicate: boolean;
      /** Delivery time (epoch ms). */
      deliveredAt: number;
    }
  | { type: 'signal'; tenant_id: string; source: 'salesforce'; native: Record<string, unknown>; signal: SourceSignal }
  | { type: 'progress'; tenant_id: string; day: number; days: number }
  | { type: 'tenant-end'; tenant_id: string; eligible: Record<string, number> };
