import type { Envelope, EnvelopeOp } from '../../envelope.js';
import { VerityError } from '../../errors.js';
import { deriveEventId, numberText } from '../event-id.js';
import type { DecodeContext, DecodeResult, Source, SourceDelivery } from '../source.js';
import { putMappedField, type FieldMap } from './field-mapping.js';
import { verifyHubSpotSignature } from './hubspot-signature.js';
import {
  checkBody,
  checkContext,
  decodeUtf8,
  emptyResult,
  isRecord,
  keyValue,
  parseJsonItems,
  reject,
  resolveLimits,
  toIsoTime,
  type BodyLimits,
} from './source-helpers.js';

/** How one HubSpot object type becomes a Verity entity. */
export interface HubSpotObjectMapping {
  /** The Verity entity, e.g. `contact`. */
  entity: string;
  /** The entity's key field, e.g. `contact_id`. */
  keyField: string;
  /** Prefix put before HubSpot's numeric `objectId` to make the key, e.g. `con_`. */
  keyPrefix: string;
  /** HubSpot property name → Verity field (and type). Unmapped properties keep their HubSpot name. */
  properties: FieldMap;
}

/** Options of {@link createHubSpotWebhookSource}. */
export interface HubSpotWebhookSourceOptions extends BodyLimits {
  /** The app's client secret (else `context.secret` is used). */
  secret?: string;
  /** Decode without a secret: `verify` then passes unsigned deliveries (default false: no secret fails). */
  allowUnsigned?: boolean;
  /** Accept v1/v2 signatures when no v3 header is present (default true). */
  allowLegacySignatures?: boolean;
  /** Oldest accepted v3 timestamp in ms (default 300 000). */
  maxAgeMs?: number;
  /** Allowed clock skew for future v3 timestamps in ms (default 60 000). */
  clockSkewMs?: number;
  /** Per HubSpot object type (`contact`, `company`, `deal`, …), merged over the defaults. */
  objects?: Record<string, Partial<HubSpotObjectMapping>>;
  /**
   * associationChange handling: association type (e.g. `CONTACT_TO_COMPANY`) → field of the
   * `from` object that holds the associated record's key. Mapped changes become upserts of that field
   * (null when removed); unmapped ones are rejected with `UNMAPPED_ASSOCIATION` (kept in quarantine).
   */
  associationFields?: Record<string, { field: string; targetObject: string }>;
  /** What to do with properties missing from the map: keep under the HubSpot name (default) or drop. */
  unmappedProperties?: 'keep' | 'drop';
  /**
   * HubSpot account (`portalId`) → tenant. A public app has one webhook URL for every account that
   * installs it; with this map an event whose portal belongs to another tenant than the delivery's
   * is rejected (`TENANT_MISMATCH`) instead of landing in the wrong tenant. Unlisted portals too.
   */
  portalTenants?: Record<string, string>;
}

/** The default object mappings (BRIEF: contacts come from HubSpot with HubSpot property names). */
export const HUBSPOT_DEFAULT_OBJECTS: Record<string, HubSpotObjectMapping> = {
  contact: {
    entity: 'contact',
    keyField: 'contact_id',
    keyPrefix: 'con_',
    properties: {
      email: 'email',
      firstname: 'first_name',
      lastname: 'last_name',
      phone: 'phone',
      jobtitle: 'title',
      country: 'country',
      lifecyclestage: 'lifecycle_stage',
      hubspotscore: { field: 'lead_score', type: 'integer' },
      salesforceaccountid: 'account_id',
      verity_consent: { field: 'consent', type: 'list' },
      createdate: { field: 'created_at', type: 'datetime' },
      lastmodifieddate: { field: 'updated_at', type: 'datetime' },
    },
  },
  company: {
    entity: 'account',
    keyField: 'account_id',
    keyPrefix: 'hs_company_',
    properties: {
      name: 'name',
      domain: 'domain',
      industry: 'industry',
      numberofemployees: { field: 'employee_count', type: 'integer' },
      annualrevenue: { field: 'annual_revenue', type: 'number' },
      country: 'country',
      hubspot_owner_id: 'owner_id',
      createdate: { field: 'created_at', type: 'datetime' },
      hs_lastmodifieddate: { field: 'updated_at', type: 'datetime' },
    },
  },
  deal: {
    entity: 'opportunity',
    keyField: 'opportunity_id',
    keyPrefix: 'hs_deal_',
    properties: {
      dealname: 'name',
      dealstage: 'stage',
      amount: { field: 'amount', type: 'number' },
      deal_currency_code: 'currency',
      closedate: { field: 'close_date', type: 'date' },
      hs_deal_stage_probability: { field: 'probability', type: 'number' },
      hubspot_owner_id: 'owner_id',
      createdate: { field: 'created_at', type: 'datetime' },
      hs_lastmodifieddate: { field: 'updated_at', type: 'datetime' },
    },
  },
};

/** `String(v)`, with numbers converted by {@link numberText} (epoch milliseconds are slow to convert otherwise). */
const textOf = (v: unknown): string => (typeof v === 'number' ? numberText(v) : String(v));

/** What every envelope of one HubSpot event shares. */
interface EventBase {
  e: Record<string, unknown>;
  tenant: string;
  mapping: HubSpotObjectMapping;
  objectId: string | number;
  eventTime: string;
  propertyName: string | null;
}

const REQUIRED_FIELDS = ['eventId', 'subscriptionId', 'occurredAt'] as const;
const isString = (c: unknown) => typeof c === 'string';

// The developer platform's generic `object.*` subscriptions name the type by id.
const OBJECT_TYPE_IDS: Record<string, string> = { '0-1': 'contact', '0-2': 'company', '0-3': 'deal' };

const WHERE = 'HubSpot webhook';

/**
 * A source for HubSpot webhook deliveries: a JSON array of events per POST, signed with
 * `X-HubSpot-Signature-v3` (or v1/v2).
 *
 * Event id: `deriveEventId('hubspot', [subscriptionId, eventId, occurredAt, objectId, propertyName ?? null])`
 * (HubSpot's `eventId` alone is not unique). Ops: creation/propertyChange/restore → `upsert` (partial,
 * with `changed_fields`); deletion → `delete`; privacyDeletion → `delete` with payload
 * `{_privacy_deletion: true}`; merge → `merge` per merged id with `merged_into`.
 * @example
 * const source = createHubSpotWebhookSource({ secret: process.env.HUBSPOT_SECRET });
 * source.verify?.(delivery, { tenant_id: 't01', now: new Date() });
 * const { envelopes, rejected } = source.decode(delivery, { tenant_id: 't01', now: new Date() });
 */
export function createHubSpotWebhookSource(options: HubSpotWebhookSourceOptions = {}): Source {
  const limits = resolveLimits(options);
  const objects: Record<string, HubSpotObjectMapping> = {};
  for (const [type, def] of Object.entries(HUBSPOT_DEFAULT_OBJECTS)) objects[type] = { ...def };
  for (const [type, o] of Object.entries(options.objects ?? {})) {
    const base = objects[type];
    const merged = { ...(base ?? {}), ...o } as Partial<HubSpotObjectMapping>;
    if (!merged.entity || !merged.keyField || merged.keyPrefix === undefined)
      throw new VerityError('INVALID_ARGUMENT', `HubSpot source option objects.${type} needs entity, keyField and keyPrefix.`);
    objects[type] = { entity: merged.entity, keyField: merged.keyField, keyPrefix: merged.keyPrefix, properties: merged.properties ?? {} };
  }
  const keepUnmapped = options.unmappedProperties !== 'drop';

  function verify(delivery: SourceDelivery, context: DecodeContext): void {
    const secret = options.secret ?? context.secret;
    if (!secret) {
      if (options.allowUnsigned) return;
      throw new VerityError('SIGNATURE_INVALID', `${WHERE}: no client secret is configured, so the delivery cannot be verified. Set the HubSpot webhook secret (or allowUnsigned for local tests).`);
    }
    checkBody(delivery, limits, WHERE);
    verifyHubSpotSignature(delivery, {
      secret,
      now: context.now,
      allowLegacy: options.allowLegacySignatures !== false,
      ...(options.maxAgeMs === undefined ? {} : { maxAgeMs: options.maxAgeMs }),
      ...(options.clockSkewMs === undefined ? {} : { clockSkewMs: options.clockSkewMs }),
    });
  }

  function decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult {
    checkContext(context, WHERE);
    const text = decodeUtf8(checkBody(delivery, limits, WHERE), WHERE);
    const result = emptyResult();
    for (const item of parseJsonItems(text, limits, WHERE)) {
      if ('error' in item) {
        result.rejected.push(item.error);
        continue;
      }
      const problem = decodeEvent(item.value, context.tenant_id, result.envelopes);
      if (problem) result.rejected.push(reject(item.index, item.raw, problem.code, problem.message));
    }
    return result;
  }

  type Problem = { code: string; message: string };
  let lastType: string | undefined;
  let lastObjectType = '';
  let lastAction = '';

  /** Decodes one event into `out` (one envelope, or one per merged record); returns why it cannot be decoded, if it cannot. */
  function decodeEvent(e: unknown, tenant: string, out: Envelope[]): Problem | undefined {
    if (!isRecord(e)) return { code: 'INVALID_EVENT', message: 'A HubSpot event must be a JSON object.' };
    const type = e.subscriptionType ?? e.eventType;
    if (typeof type !== 'string') return { code: 'MISSING_FIELD', message: 'Event has no subscriptionType like "contact.propertyChange".' };
    // A delivery repeats a few types: split each once (a fresh slice is also slower to look up).
    if (type !== lastType) {
      const dot = type.indexOf('.');
      if (dot < 0) return { code: 'MISSING_FIELD', message: 'Event has no subscriptionType like "contact.propertyChange".' };
      lastObjectType = type.slice(0, dot);
      lastAction = type.slice(dot + 1);
      lastType = type;
    }
    let objectType = lastObjectType;
    const action = lastAction;
    if (objectType === 'object' && typeof e.objectTypeId === 'string') objectType = OBJECT_TYPE_IDS[e.objectTypeId] ?? e.objectTypeId;
    const mapping = objects[objectType];
    if (!mapping) return { code: 'UNKNOWN_ENTITY', message: `No entity is mapped for HubSpot object type "${objectType.slice(0, 60)}" (option objects).` };
    for (const f of REQUIRED_FIELDS) if (keyValue(e[f]) === undefined) return { code: 'MISSING_FIELD', message: `Event ${type} has no ${f}.` };
    if (options.portalTenants) {
      const owner = options.portalTenants[String(e.portalId)];
      if (owner !== tenant) return { code: 'TENANT_MISMATCH', message: `HubSpot portal ${String(e.portalId).slice(0, 20)} belongs to ${owner === undefined ? 'no configured tenant' : `tenant "${owner}"`}, not "${tenant}" (option portalTenants).` };
    }
    const eventTime = toIsoTime(e.occurredAt);
    if (!eventTime) return { code: 'INVALID_FIELD', message: `occurredAt ${String(e.occurredAt).slice(0, 40)} is not epoch milliseconds.` };
    const objectIdField = action === 'associationChange' ? 'fromObjectId' : 'objectId';
    const objectId = keyValue(e[objectIdField]);
    if (objectId === undefined) return { code: 'MISSING_FIELD', message: `Event ${type} has no ${objectIdField}.` };
    const propertyName = typeof e.propertyName === 'string' ? e.propertyName : null;
    const base: EventBase = { e, tenant, mapping, objectId, eventTime, propertyName };

    switch (action) {
      case 'creation':
      case 'propertyChange':
      case 'restore': {
        const payload: Record<string, unknown> = {};
        if (action === 'propertyChange') {
          if (propertyName === null) return { code: 'MISSING_FIELD', message: `Event ${type} has no propertyName.` };
          if (!mapProperty(mapping, propertyName, e.propertyValue ?? null, payload))
            return { code: 'UNMAPPED_PROPERTY', message: `Property "${propertyName.slice(0, 60)}" is not mapped and unmappedProperties is "drop".` };
        }
        // Some senders (and Verity's generator) attach the full property set to creation events.
        if (isRecord(e.properties)) for (const [k, v] of Object.entries(e.properties)) mapProperty(mapping, k, isRecord(v) && 'value' in v ? v.value : v, payload);
        out.push(envelopeOf(base, objectId, 'upsert', payload, Object.keys(payload), propertyName));
        return undefined;
      }
      case 'deletion':
        out.push(envelopeOf(base, objectId, 'delete', {}, undefined, propertyName));
        return undefined;
      case 'privacyDeletion':
        out.push(envelopeOf(base, objectId, 'delete', { _privacy_deletion: true }, undefined, propertyName));
        return undefined;
      case 'merge': {
        const survivor = keyValue(e.newObjectId) ?? keyValue(e.primaryObjectId);
        if (survivor === undefined) return { code: 'MISSING_FIELD', message: `Event ${type} has neither newObjectId nor primaryObjectId.` };
        const merged = Array.isArray(e.mergedObjectIds) ? e.mergedObjectIds.map(keyValue) : [objectId];
        if (merged.some((m) => m === undefined)) return { code: 'INVALID_FIELD', message: 'mergedObjectIds must be an array of ids.' };
        // The primary is merged too when HubSpot created a new record for the result.
        const primary = keyValue(e.primaryObjectId);
        if (primary !== undefined && String(primary) !== String(survivor)) merged.push(primary);
        const losers = [...new Set(merged.map(String))].filter((m) => m !== String(survivor));
        if (losers.length === 0) return { code: 'INVALID_FIELD', message: `Merge event ${String(e.eventId)} names no record merged into ${String(survivor)}.` };
        // The id uses the event's own objectId (the BRIEF rule); a second and further merged record
        // of the same event are told apart in the propertyName slot.
        losers.forEach((loser, i) => {
          const env = envelopeOf(base, merged.find((m) => String(m) === loser)!, 'merge', {}, undefined, i === 0 ? null : `merged:${loser}`);
          env.merged_into = { [mapping.keyField]: `${mapping.keyPrefix}${survivor}` };
          out.push(env);
        });
        return undefined;
      }
      case 'associationChange': {
        const assocType = typeof e.associationType === 'string' ? e.associationType : '';
        const assoc = options.associationFields?.[assocType];
        const to = keyValue(e.toObjectId);
        if (!assoc) return { code: 'UNMAPPED_ASSOCIATION', message: `Association type "${assocType.slice(0, 60)}" is not mapped to a field (option associationFields).` };
        if (to === undefined) return { code: 'MISSING_FIELD', message: `Event ${type} has no toObjectId.` };
        const targetMapping = objects[assoc.targetObject];
        const value = e.associationRemoved === true ? null : `${targetMapping?.keyPrefix ?? ''}${to}`;
        out.push(envelopeOf(base, objectId, 'upsert', { [assoc.field]: value }, [assoc.field], propertyName));
        return undefined;
      }
      default:
        return { code: 'UNSUPPORTED_EVENT', message: `HubSpot subscription type "${type.slice(0, 80)}" is not supported.` };
    }
  }

  /** The envelope of one decoded change (a function of its own, not a closure made per event). */
  function envelopeOf(base: EventBase, recordId: string | number, op: EnvelopeOp, payload: Record<string, unknown>, changed: string[] | undefined, idPart: string | null): Envelope {
    const { e, mapping } = base;
    const key = `${mapping.keyPrefix}${recordId}`;
    const env: Envelope = {
      event_id: deriveEventId('hubspot', [e.subscriptionId as string | number, e.eventId as string | number, e.occurredAt as string | number, base.objectId, idPart]),
      tenant_id: base.tenant,
      entity: mapping.entity,
      entity_key: { [mapping.keyField]: key },
      op,
      event_time: base.eventTime,
      source: { system: 'hubspot', connector: textOf(keyValue(e.appId) ?? keyValue(e.portalId) ?? 'hubspot'), position: `${textOf(e.occurredAt)}:${textOf(e.eventId)}` },
      payload: { [mapping.keyField]: key, ...payload },
    };
    if (changed) env.changed_fields = changed;
    const consent = env.payload.consent;
    if (Array.isArray(consent) && consent.every(isString)) env.consent = consent;
    return env;
  }

  function mapProperty(mapping: HubSpotObjectMapping, name: string, value: unknown, payload: Record<string, unknown>): boolean {
    return putMappedField(mapping.properties, name, value, payload, keepUnmapped) !== undefined;
  }

  return {
    name: 'hubspot',
    capabilities: { signatures: true, batches: true, deletes: true, merges: true, resyncSignals: false },
    verify,
    decode,
  };
}
