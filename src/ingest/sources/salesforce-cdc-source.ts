import type { Envelope } from '../../envelope.js';
import { isVerityError } from '../../errors.js';
import { deriveEventId } from '../event-id.js';
import type { DecodeContext, DecodeResult, Source, SourceDelivery } from '../source.js';
import { putMappedField, type FieldMap } from './field-mapping.js';
import { decodeFieldBitmap } from './salesforce-bitmap.js';
import { checkBody, checkContext, decodeUtf8, emptyResult, isRecord, parseJsonItems, reject, resolveLimits, toIsoTime, type BodyLimits } from './source-helpers.js';

/** How one Salesforce object (`entityName`) becomes a Verity entity. */
export interface SalesforceObjectMapping {
  /** The Verity entity, e.g. `account`. */
  entity: string;
  /** The key field that receives the record Id, e.g. `account_id`. */
  keyField: string;
  /** Salesforce field (or `Compound.Child`) → Verity field (and type). */
  fields: FieldMap;
}

/** Options of {@link createSalesforceCdcSource}. */
export interface SalesforceCdcSourceOptions extends BodyLimits {
  /** Per Salesforce object name (`Account`, `Opportunity`, …), replacing the default mapping of that object. */
  objects?: Record<string, SalesforceObjectMapping>;
  /**
   * Avro field order per object, ChangeEventHeader first (as `GetSchema` returns it), for decoding
   * bitmaps. Default: the event's own key order (every schema field is present in decoded events).
   */
  fieldOrder?: Record<string, string[]>;
  /** Nested field order per compound field name (e.g. `BillingAddress`). Default: the value's own key order, else Salesforce's address/name order. */
  nestedFieldOrder?: Record<string, string[]>;
  /** Fields missing from the object's map: dropped (default; CDC events carry every system field) or kept under their Salesforce name. */
  unmappedFields?: 'drop' | 'keep';
  /** The connector name put in `source.connector` (default: the CometD channel, else `/data/<Object>ChangeEvent`). */
  channel?: string;
}

const DATETIME = 'datetime' as const;

/** The default object mappings (BRIEF: accounts and opportunities come from Salesforce CDC). */
export const SALESFORCE_DEFAULT_OBJECTS: Record<string, SalesforceObjectMapping> = {
  Account: {
    entity: 'account',
    keyField: 'account_id',
    fields: {
      Name: 'name',
      Website: 'domain',
      Industry: 'industry',
      NumberOfEmployees: { field: 'employee_count', type: 'integer' },
      AnnualRevenue: { field: 'annual_revenue', type: 'number' },
      BillingCountry: 'country',
      'BillingAddress.Country': 'country',
      OwnerId: 'owner_id',
      CreatedDate: { field: 'created_at', type: DATETIME },
      LastModifiedDate: { field: 'updated_at', type: DATETIME },
    },
  },
  Opportunity: {
    entity: 'opportunity',
    keyField: 'opportunity_id',
    fields: {
      AccountId: 'account_id',
      Name: 'name',
      StageName: 'stage',
      Amount: { field: 'amount', type: 'number' },
      CurrencyIsoCode: 'currency',
      CloseDate: { field: 'close_date', type: 'date' },
      Probability: { field: 'probability', type: 'integer' },
      OwnerId: 'owner_id',
      CreatedDate: { field: 'created_at', type: DATETIME },
      LastModifiedDate: { field: 'updated_at', type: DATETIME },
    },
  },
  Contact: {
    entity: 'contact',
    keyField: 'contact_id',
    fields: {
      AccountId: 'account_id',
      Email: 'email',
      FirstName: 'first_name',
      LastName: 'last_name',
      'Name.FirstName': 'first_name',
      'Name.LastName': 'last_name',
      Phone: 'phone',
      Title: 'title',
      MailingCountry: 'country',
      'MailingAddress.Country': 'country',
      CreatedDate: { field: 'created_at', type: DATETIME },
      LastModifiedDate: { field: 'updated_at', type: DATETIME },
    },
  },
  Lead: {
    entity: 'lead',
    keyField: 'lead_id',
    fields: {
      Email: 'email',
      Company: 'company',
      Status: 'status',
      LeadSource: 'source',
      OwnerId: 'owner_id',
      Country: 'country',
      'Address.Country': 'country',
      CreatedDate: { field: 'created_at', type: DATETIME },
      LastModifiedDate: { field: 'updated_at', type: DATETIME },
    },
  },
};

// Salesforce's compound field layouts, used when the compound's value is null in the event.
const ADDRESS_ORDER = ['Street', 'City', 'State', 'PostalCode', 'Country', 'Latitude', 'Longitude', 'GeocodeAccuracy'];
const NAME_ORDER = ['Salutation', 'FirstName', 'LastName', 'MiddleName', 'InformalName', 'Suffix'];
// GAP_OVERFLOW carries the empty record Id.
const EMPTY_ID = /^0{15}(AAA)?$/;
const WRAPPER_KEYS = new Set(['replayId', 'schemaId']);
const DATA_TYPES = new Set(['CREATE', 'UPDATE', 'DELETE', 'UNDELETE']);
const GAP_TYPES = new Set(['GAP_CREATE', 'GAP_UPDATE', 'GAP_DELETE', 'GAP_UNDELETE', 'GAP_OVERFLOW']);
const WHERE = 'Salesforce CDC';

/** Why one item of a delivery cannot be decoded (becomes a RejectedItem, never escapes decode). */
class ItemError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Normalises a replay id: a number or digit string stays decimal; the Pub/Sub API's 8-byte
 * big-endian `bytes` (base64 in JSON) becomes its unsigned decimal value.
 */
export function normaliseReplayId(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return value;
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
    const bytes = Buffer.from(value, 'base64');
    if (bytes.length === 8) return bytes.readBigUInt64BE(0).toString();
  }
  return value;
}

/**
 * A source for Salesforce Change Data Capture events as decoded JSON from the Pub/Sub API (one event
 * or an array per delivery, or NDJSON) or in the Streaming API/CometD shape
 * `{data:{schema, payload, event:{replayId}}}`.
 *
 * One envelope per record id. CREATE/UNDELETE → full `upsert`; UPDATE → partial `upsert` with
 * `changed_fields` (bitmaps decoded; nulled fields set to null); DELETE → `delete`. GAP_* events are
 * never data: they become `resync_needed` signals. Fields listed in `diffFields` carry a diff, not a
 * value, so they are left out of the payload and reported in a `resync_needed` signal with
 * `detail.reason = "diff_fields"`.
 *
 * Event id: `deriveEventId('salesforce', [entityName, transactionKey, sequenceNumber, recordId])`.
 * @example
 * const source = createSalesforceCdcSource();
 * const { envelopes, signals } = source.decode({ body, headers: {} }, { tenant_id: 't01', now: new Date() });
 */
export function createSalesforceCdcSource(options: SalesforceCdcSourceOptions = {}): Source {
  const limits = resolveLimits(options);
  const objects = { ...SALESFORCE_DEFAULT_OBJECTS, ...(options.objects ?? {}) };
  const keepUnmapped = options.unmappedFields === 'keep';

  function decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult {
    checkContext(context, WHERE);
    const text = decodeUtf8(checkBody(delivery, limits, WHERE), WHERE);
    const result = emptyResult();
    for (const item of parseJsonItems(text, limits, WHERE)) {
      if ('error' in item) {
        result.rejected.push(item.error);
        continue;
      }
      try {
        decodeEvent(item.value, context.tenant_id, result);
      } catch (error) {
        if (error instanceof ItemError) result.rejected.push(reject(item.index, item.raw, error.code, error.message));
        else if (isVerityError(error)) result.rejected.push(reject(item.index, item.raw, 'UNDECODABLE_FIELDS', error.message));
        else throw error;
      }
    }
    return result;
  }

  function fail(code: string, message: string): never {
    throw new ItemError(code, message);
  }

  function decodeEvent(item: unknown, tenant: string, result: DecodeResult): void {
    if (!isRecord(item)) fail('INVALID_EVENT', 'A CDC event must be a JSON object.');
    let event: unknown = item;
    let replay: unknown = item.replayId;
    let channel: string | undefined;
    if (isRecord(item.data) && isRecord(item.data.payload)) {
      event = item.data.payload;
      replay = isRecord(item.data.event) ? item.data.event.replayId : undefined;
      if (typeof item.channel === 'string') channel = item.channel;
    } else if (!isRecord(item.ChangeEventHeader) && isRecord(item.payload)) event = item.payload;
    if (!isRecord(event) || !isRecord(event.ChangeEventHeader)) fail('MISSING_FIELD', 'The event has no ChangeEventHeader.');
    const h = event.ChangeEventHeader;
    if (typeof h.entityName !== 'string' || h.entityName === '') fail('MISSING_FIELD', 'ChangeEventHeader.entityName is missing.');
    if (typeof h.changeType !== 'string') fail('MISSING_FIELD', 'ChangeEventHeader.changeType is missing.');
    if (!Array.isArray(h.recordIds) || !h.recordIds.every((r) => typeof r === 'string' && r.length <= 255))
      fail('MISSING_FIELD', 'ChangeEventHeader.recordIds must be an array of record Ids.');
    const recordIds = h.recordIds as string[];
    const changeType = h.changeType;
    const replayId = normaliseReplayId(replay ?? event.replayId);
    const position = replayId ?? `${String(h.commitNumber ?? h.transactionKey)}:${String(h.sequenceNumber)}`;
    const detail = { changeType, transactionKey: h.transactionKey, sequenceNumber: h.sequenceNumber, commitTimestamp: h.commitTimestamp, commitNumber: h.commitNumber, ...(replayId ? { replayId } : {}) };
    const mapping = objects[h.entityName];

    if (GAP_TYPES.has(changeType)) {
      result.signals.push({ kind: 'resync_needed', entity: mapping?.entity ?? h.entityName, record_ids: recordIds.filter((r) => !EMPTY_ID.test(r)), detail });
      return;
    }
    if (!DATA_TYPES.has(changeType)) fail('UNSUPPORTED_CHANGE_TYPE', `changeType "${changeType.slice(0, 40)}" is not supported.`);
    if (!mapping) fail('UNKNOWN_ENTITY', `No entity is mapped for Salesforce object "${h.entityName.slice(0, 80)}" (option objects).`);
    if (typeof h.transactionKey !== 'string' || typeof h.sequenceNumber !== 'number') fail('MISSING_FIELD', 'ChangeEventHeader needs transactionKey and sequenceNumber.');
    if (recordIds.length === 0) fail('MISSING_FIELD', 'ChangeEventHeader.recordIds is empty.');
    const eventTime = toIsoTime(h.commitTimestamp);
    if (!eventTime) fail('MISSING_FIELD', 'ChangeEventHeader.commitTimestamp is missing or not epoch milliseconds.');

    // Wrapper keys some clients put beside the fields are not schema fields: counting them would shift every bit.
    const topLevel = options.fieldOrder?.[h.entityName] ?? Object.keys(event).filter((k) => !WRAPPER_KEYS.has(k));
    const nested = (parent: string): readonly string[] | undefined => {
      const given = options.nestedFieldOrder?.[parent];
      if (given) return given;
      const value = event[parent];
      if (isRecord(value)) return Object.keys(value);
      if (/Address$/.test(parent)) return ADDRESS_ORDER;
      if (parent === 'Name') return NAME_ORDER;
      return undefined;
    };
    const decodeList = (name: string): string[] => {
      const v = h[name];
      if (v === undefined || v === null) return [];
      if (!Array.isArray(v)) fail('INVALID_FIELD', `ChangeEventHeader.${name} must be an array.`);
      return decodeFieldBitmap(v, topLevel, nested);
    };

    const payload: Record<string, unknown> = {};
    let changed: string[] | undefined;
    const put = (name: string, value: unknown): string | undefined => putMappedField(mapping.fields, name, value, payload, keepUnmapped);
    const putFull = (name: string, value: unknown): void => {
      if (isRecord(value)) {
        for (const [child, v] of Object.entries(value)) if (v !== null && v !== undefined) put(`${name}.${child}`, v);
      } else if (value !== null && value !== undefined) put(name, value);
    };

    if (changeType === 'CREATE' || changeType === 'UNDELETE') {
      for (const [name, value] of Object.entries(event)) if (name !== 'ChangeEventHeader' && !WRAPPER_KEYS.has(name)) putFull(name, value);
    } else if (changeType === 'UPDATE') {
      const changedNames = decodeList('changedFields');
      const nulled = new Set(decodeList('nulledFields'));
      const diff = new Set(decodeList('diffFields'));
      const fields = new Set<string>();
      for (const name of [...changedNames, ...nulled]) {
        if (diff.has(name) || name === 'ChangeEventHeader') continue;
        const dot = name.indexOf('.');
        let value: unknown;
        if (nulled.has(name)) value = null;
        else if (dot > 0) {
          const parent = event[name.slice(0, dot)];
          value = isRecord(parent) ? (parent[name.slice(dot + 1)] ?? null) : null;
        } else value = event[name] ?? null;
        if (isRecord(value)) {
          for (const [child, v] of Object.entries(value)) {
            const f = put(`${name}.${child}`, v);
            if (f) fields.add(f);
          }
        } else {
          const f = put(name, value);
          if (f) fields.add(f);
        }
      }
      changed = [...fields];
      if (diff.size > 0)
        result.signals.push({ kind: 'resync_needed', entity: mapping.entity, record_ids: [...recordIds], detail: { ...detail, reason: 'diff_fields', fields: [...diff] } });
    }

    for (const recordId of recordIds) {
      const env: Envelope = {
        event_id: deriveEventId('salesforce', [h.entityName, h.transactionKey, h.sequenceNumber, recordId]),
        tenant_id: tenant,
        entity: mapping.entity,
        entity_key: { [mapping.keyField]: recordId },
        op: changeType === 'DELETE' ? 'delete' : 'upsert',
        event_time: eventTime,
        source: { system: 'salesforce', connector: options.channel ?? channel ?? `/data/${h.entityName}ChangeEvent`, position },
        payload: changeType === 'DELETE' ? { [mapping.keyField]: recordId } : { [mapping.keyField]: recordId, ...payload },
      };
      if (changed) env.changed_fields = [...changed];
      result.envelopes.push(env);
    }
  }

  return {
    name: 'salesforce',
    capabilities: { signatures: false, batches: true, deletes: true, merges: false, resyncSignals: true },
    decode,
  };
}
