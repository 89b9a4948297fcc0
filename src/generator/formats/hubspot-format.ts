import { createHmac } from 'node:crypto';
import type { Envelope } from '../../envelope.js';
import { fastEventId } from '../event-ids.js';
import { groundTruth } from '../defects.js';
import type { DeliveryUnit, EntityChange, HubSpotDelivery, RecordLine } from '../change.js';
import { contactId } from '../ids.js';
import type { Prng } from '../prng.js';
import { isoTime } from '../time.js';

/** Canonical contact field → HubSpot property name, in the order creation events list them. */
export const HUBSPOT_CONTACT_PROPERTIES: ReadonlyArray<readonly [string, string]> = [
  ['email', 'email'],
  ['first_name', 'firstname'],
  ['last_name', 'lastname'],
  ['phone', 'phone'],
  ['title', 'jobtitle'],
  ['country', 'country'],
  ['lifecycle_stage', 'lifecyclestage'],
  ['lead_score', 'hubspotscore'],
  ['account_id', 'salesforceaccountid'],
  ['consent', 'verity_consent'],
  ['created_at', 'createdate'],
  ['linkedin_url', 'linkedin_url'],
];

const PROPERTY_OF = new Map(HUBSPOT_CONTACT_PROPERTIES);

/** Subscription ids of the generated HubSpot app: one per event type, one per subscribed property. */
export const HUBSPOT_SUBSCRIPTIONS = {
  creation: 1101,
  deletion: 1102,
  merge: 1103,
  propertyChange: Object.fromEntries(HUBSPOT_CONTACT_PROPERTIES.map(([, p], i) => [p, 1201 + i])) as Record<string, number>,
};

/** The generated HubSpot app id. */
export const HUBSPOT_APP_ID = 1160452;

/** A HubSpot property value is always a string: numbers as digits, multi-checkboxes `a;b`, dates epoch ms. */
function propertyValue(field: string, value: unknown): string {
  if (value === null || value === undefined) return '';
  if (Array.isArray(value)) return value.join(';');
  if (field === 'created_at' && typeof value === 'string') return String(Date.parse(value));
  return String(value);
}

/** What the HubSpot adapter is expected to make of a property value (documented in docs/generator.md). */
function canonicalValue(field: string, value: string): unknown {
  if (field === 'lead_score') return /^-?\d+$/.test(value) ? Number(value) : value;
  if (field === 'consent') return value === '' ? [] : value.split(';');
  if (field === 'created_at') return /^\d+$/.test(value) ? isoTime(Number(value)) : value;
  return value;
}

/** Signs a HubSpot webhook body with v3: base64(HMAC-SHA256(secret, method + uri + body + timestamp)). */
export function signHubSpotV3(secret: string, method: string, url: string, body: string, timestamp: string): string {
  return createHmac('sha256', secret).update(method + url + body + timestamp).digest('base64');
}

/** Renders contact changes as HubSpot webhook events and signs batches of them. */
export class HubSpotFormat {
  private nextEventId: number;

  constructor(
    private readonly tenant_id: string,
    readonly portalId: number,
    private readonly prng: Prng,
    private readonly secret: string,
    readonly url: string,
  ) {
    this.nextEventId = 3_816_279_340 + prng.int(1_000_000);
  }

  private event(type: string, objectId: number, time: number, propertyName?: string, propertyValue?: string, merge?: Record<string, unknown>): Record<string, unknown> {
    this.nextEventId += 1 + this.prng.int(40);
    const subscriptionId =
      type === 'contact.propertyChange' ? (HUBSPOT_SUBSCRIPTIONS.propertyChange[propertyName ?? ''] ?? 0)
      : type === 'contact.creation' ? HUBSPOT_SUBSCRIPTIONS.creation
      : type === 'contact.deletion' ? HUBSPOT_SUBSCRIPTIONS.deletion
      : HUBSPOT_SUBSCRIPTIONS.merge;
    // Key order as in HubSpot's documented payloads (fixtures/hubspot-webhooks/webhook-batch.docs-example.json).
    const e: Record<string, unknown> =
      propertyName === undefined
        ? { objectId, changeSource: merge ? 'CRM_UI' : 'CRM', eventId: this.nextEventId, subscriptionId, portalId: this.portalId, appId: HUBSPOT_APP_ID, occurredAt: time, subscriptionType: type, attemptNumber: 0 }
        : { objectId, propertyName, propertyValue, changeSource: 'CRM', eventId: this.nextEventId, subscriptionId, portalId: this.portalId, appId: HUBSPOT_APP_ID, occurredAt: time, subscriptionType: type, attemptNumber: 0 };
    if (merge) Object.assign(e, merge);
    return e;
  }

  /** The event id the HubSpot adapter derives for one event. */
  static eventIdOf(e: Record<string, unknown>): string {
    return fastEventId('hubspot', [e.subscriptionId as number, e.eventId as number, e.occurredAt as number, e.objectId as number, (e.propertyName as string | undefined) ?? null]);
  }

  /** Renders one contact change as a unit of HubSpot events (creation = creation + one propertyChange per set property). */
  unitFor(change: EntityChange, objectId: number): DeliveryUnit {
    const applied = change.overrides ? { ...change.record, ...change.overrides } : change.record;
    const key = { contact_id: contactId(objectId) };
    const events: Array<Record<string, unknown>> = [];
    const envelopes: Envelope[] = [];
    const records: RecordLine[] = [];
    let defectEventId: string | undefined;
    const source = (e: Record<string, unknown>) => ({ system: 'hubspot', connector: `portal-${this.portalId}`, position: String(e.eventId) });
    const cleanBase = { ...change.record, updated_at: isoTime(change.time) };
    const defectBase = change.overrides ? { ...applied, updated_at: cleanBase.updated_at } : cleanBase;
    const event_time = cleanBase.updated_at;
    const push = (e: Record<string, unknown>, env: Pick<Envelope, 'op' | 'payload' | 'changed_fields' | 'consent' | 'merged_into'>, field?: string) => {
      const event_id = HubSpotFormat.eventIdOf(e);
      events.push(e);
      envelopes.push({
        event_id,
        tenant_id: this.tenant_id,
        entity: 'contact',
        entity_key: key,
        op: env.op,
        ...(env.merged_into ? { merged_into: env.merged_into } : {}),
        event_time,
        source: source(e),
        payload: env.payload,
        ...(env.changed_fields ? { changed_fields: env.changed_fields } : {}),
        ...(env.consent ? { consent: env.consent } : {}),
      });
      const isDefectEvent = change.defect !== undefined && (field === undefined ? change.defect.field === undefined : change.defect.field === field);
      if (isDefectEvent) defectEventId ??= event_id;
      const base = isDefectEvent ? defectBase : cleanBase;
      records.push({ entity: 'contact', record: { ...base, _event_id: event_id, _op: env.op }, base });
    };
    const property = (field: string) => {
      const name = PROPERTY_OF.get(field) ?? field;
      const value = propertyValue(field, applied[field]);
      const e = this.event('contact.propertyChange', objectId, change.time, name, value);
      const payloadValue = canonicalValue(field, value);
      push(e, { op: 'upsert', payload: { ...key, [field]: payloadValue }, changed_fields: [field], ...(field === 'consent' ? { consent: payloadValue as string[] } : {}) }, field);
    };
    if (change.op === 'create') {
      push(this.event('contact.creation', objectId, change.time), { op: 'upsert', payload: { ...key }, changed_fields: [] });
      for (const [field] of HUBSPOT_CONTACT_PROPERTIES) {
        const v = applied[field];
        if (v !== null && v !== undefined) property(field);
      }
    } else if (change.op === 'delete') {
      push(this.event('contact.deletion', objectId, change.time), { op: 'delete', payload: { ...key } });
    } else if (change.op === 'merge') {
      const survivor = change.survivorObjectId ?? objectId;
      const e = this.event('contact.merge', survivor, change.time, undefined, undefined, { primaryObjectId: survivor, mergedObjectIds: [objectId], newObjectId: survivor, numberOfPropertiesMoved: this.prng.int(9) });
      push(e, { op: 'merge', merged_into: { contact_id: contactId(survivor) }, payload: { ...key } });
    } else {
      for (const field of change.changed) property(field);
    }
    const defects = change.defect && defectEventId ? [groundTruth(this.tenant_id, 'contact', defectEventId, change.defect)] : [];
    return { source: 'hubspot', entity: 'contact', slot: change.slot, time: change.time, deliverAt: change.time, native: events, envelopes, records, defects, reorderable: change.op === 'update' };
  }

  /** Builds a signed webhook POST for a batch of events, delivered at `deliveredAt` (ms). */
  delivery(events: ReadonlyArray<Record<string, unknown>>, deliveredAt: number): HubSpotDelivery {
    const body = JSON.stringify(events);
    const timestamp = String(deliveredAt);
    return {
      method: 'POST',
      url: this.url,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-version': 'v3',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': signHubSpotV3(this.secret, 'POST', this.url, body, timestamp),
      },
      body,
    };
  }
}
