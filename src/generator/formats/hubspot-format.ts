import { createHmac } from 'node:crypto';
import type { Envelope, EnvelopeOp } from '../../envelope.js';
import { eventIdOfPartsJson } from '../event-ids.js';
import { groundTruth } from '../defects.js';
import { GeneratedRecordLine, NO_TEXT, type DeliveryUnit, type EntityChange, type HubSpotDelivery, type TextOptions } from '../change.js';
import { contactId } from '../ids.js';
import type { Prng } from '../prng.js';
import { EnvelopeText } from '../envelope-json.js';
import { escapedJson, escapedJsonString, jsonNumber, jsonObject, jsonString, jsonText } from '../json-text.js';
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

/** A contact change being rendered: its events, envelopes and record lines so far. */
interface UnitInProgress {
  change: EntityChange;
  /** The record with the change's overrides (the values the events carry). */
  applied: Record<string, unknown>;
  key: { contact_id: string };
  /** `{"contact_id":…` without the closing brace. */
  keyJson: string;
  event_time: string;
  cleanBase: Record<string, unknown>;
  /** The record state of the event that carries the defect. */
  defectBase: Record<string, unknown>;
  events: Array<Record<string, unknown>>;
  /** JSON text of each event. */
  eventJsons: string[];
  /** The same, escaped as the content of a JSON string. */
  eventEscaped: string[];
  /** JSON text of each envelope. */
  envelopeJsons: string[];
  envelopes: Envelope[];
  records: GeneratedRecordLine[];
  defectEventId: string | undefined;
}

/** Renders contact changes as HubSpot webhook events and signs batches of them. */
export class HubSpotFormat {
  private nextEventId: number;
  /** `source.connector` of the envelopes: `portal-<portalId>`. */
  private readonly connector: string;
  private readonly portalJson: string;
  private readonly urlJson: string;
  private readonly envelopeText: EnvelopeText;
  /** Whether POSTs are built (else events carry no JSON text and {@link post} is not called). */
  readonly posts: boolean;

  constructor(
    private readonly tenant_id: string,
    readonly portalId: number,
    private readonly prng: Prng,
    private readonly secret: string,
    readonly url: string,
    /** Which texts to build besides each event's JSON (which the POST body needs). */
    private readonly text: TextOptions = NO_TEXT,
  ) {
    this.posts = text.hubspotPosts || text.hubspot;
    this.nextEventId = 3_816_279_340 + prng.int(1_000_000);
    this.connector = `portal-${portalId}`;
    this.portalJson = jsonNumber(portalId);
    this.urlJson = jsonString(url);
    this.envelopeText = new EnvelopeText(tenant_id, 'contact', 'hubspot', this.connector);
  }

  /**
   * Creates one event (keys in the order of HubSpot's documented payloads,
   * fixtures/hubspot-webhooks/webhook-batch.docs-example.json) and adds it and its JSON text to the unit.
   */
  private event(u: UnitInProgress, type: string, objectId: number, propertyName?: string, propertyValue?: string, merge?: Record<string, unknown>): Record<string, unknown> {
    this.nextEventId += 1 + this.prng.int(40);
    const eventId = this.nextEventId;
    const time = u.change.time;
    const subscriptionId =
      type === 'contact.propertyChange' ? (HUBSPOT_SUBSCRIPTIONS.propertyChange[propertyName ?? ''] ?? 0)
      : type === 'contact.creation' ? HUBSPOT_SUBSCRIPTIONS.creation
      : type === 'contact.deletion' ? HUBSPOT_SUBSCRIPTIONS.deletion
      : HUBSPOT_SUBSCRIPTIONS.merge;
    let e: Record<string, unknown>;
    if (propertyName === undefined || propertyValue === undefined) {
      e =
        propertyName === undefined
          ? { objectId, changeSource: merge ? 'CRM_UI' : 'CRM', eventId, subscriptionId, portalId: this.portalId, appId: HUBSPOT_APP_ID, occurredAt: time, subscriptionType: type, attemptNumber: 0 }
          : { objectId, propertyName, propertyValue, changeSource: 'CRM', eventId, subscriptionId, portalId: this.portalId, appId: HUBSPOT_APP_ID, occurredAt: time, subscriptionType: type, attemptNumber: 0 };
      if (merge) Object.assign(e, merge);
      if (this.posts) {
        const json = jsonObject(e);
        u.eventJsons.push(json);
        if (this.text.hubspot) u.eventEscaped.push(escapedJson(json));
      }
    } else {
      e = { objectId, propertyName, propertyValue, changeSource: 'CRM', eventId, subscriptionId, portalId: this.portalId, appId: HUBSPOT_APP_ID, occurredAt: time, subscriptionType: type, attemptNumber: 0 };
      // The same text as JSON.stringify(e), and that text escaped as a JSON string's content (the
      // body inside the delivery line), both without JSON.stringify's cost (tests compare them).
      if (!this.posts) {
        u.events.push(e);
        return e;
      }
      const n = jsonNumber(eventId);
      const sub = jsonNumber(subscriptionId);
      const at = jsonNumber(time);
      const obj = jsonNumber(objectId);
      u.eventJsons.push(`{"objectId":${obj},"propertyName":${jsonString(propertyName)},"propertyValue":${jsonString(propertyValue)},"changeSource":"CRM","eventId":${n},"subscriptionId":${sub},"portalId":${this.portalJson},"appId":${HUBSPOT_APP_ID},"occurredAt":${at},"subscriptionType":${jsonString(type)},"attemptNumber":0}`);
      if (this.text.hubspot)
        u.eventEscaped.push(`{\\"objectId\\":${obj},\\"propertyName\\":${escapedJsonString(propertyName)},\\"propertyValue\\":${escapedJsonString(propertyValue)},\\"changeSource\\":\\"CRM\\",\\"eventId\\":${n},\\"subscriptionId\\":${sub},\\"portalId\\":${this.portalJson},\\"appId\\":${HUBSPOT_APP_ID},\\"occurredAt\\":${at},\\"subscriptionType\\":${escapedJsonString(type)},\\"attemptNumber\\":0}`);
    }
    u.events.push(e);
    return e;
  }

  /** Renders one contact change as a unit of HubSpot events (creation = creation + one propertyChange per set property). */
  unitFor(change: EntityChange, objectId: number): DeliveryUnit {
    const applied = change.overrides ? { ...change.record, ...change.overrides } : change.record;
    const cleanBase = { ...change.record, updated_at: isoTime(change.time) };
    const u: UnitInProgress = {
      change,
      applied,
      key: { contact_id: contactId(objectId) },
      keyJson: '',
      event_time: cleanBase.updated_at,
      cleanBase,
      defectBase: change.overrides ? { ...applied, updated_at: cleanBase.updated_at } : cleanBase,
      events: [],
      eventJsons: [],
      eventEscaped: [],
      envelopeJsons: [],
      envelopes: [],
      records: [],
      defectEventId: undefined,
    };
    u.keyJson = `{"contact_id":${jsonString(u.key.contact_id)}`;
    if (change.op === 'create') {
      this.push(u, this.event(u, 'contact.creation', objectId), 'upsert', { contact_id: u.key.contact_id }, `${u.keyJson}}`, [], undefined, undefined, undefined);
      for (let i = 0; i < HUBSPOT_CONTACT_PROPERTIES.length; i++) {
        const field = HUBSPOT_CONTACT_PROPERTIES[i]![0];
        const v = applied[field];
        if (v !== null && v !== undefined) this.property(u, objectId, field);
      }
    } else if (change.op === 'delete') {
      this.push(u, this.event(u, 'contact.deletion', objectId), 'delete', { contact_id: u.key.contact_id }, `${u.keyJson}}`, undefined, undefined, undefined, undefined);
    } else if (change.op === 'merge') {
      const survivor = change.survivorObjectId ?? objectId;
      const e = this.event(u, 'contact.merge', survivor, undefined, undefined, { primaryObjectId: survivor, mergedObjectIds: [objectId], newObjectId: survivor, numberOfPropertiesMoved: this.prng.int(9) });
      this.push(u, e, 'merge', { contact_id: u.key.contact_id }, `${u.keyJson}}`, undefined, undefined, { contact_id: contactId(survivor) }, undefined);
    } else {
      for (const field of change.changed) this.property(u, objectId, field);
    }
    const defects = change.defect && u.defectEventId ? [groundTruth(this.tenant_id, 'contact', u.defectEventId, change.defect)] : [];
    return { source: 'hubspot', entity: 'contact', slot: change.slot, time: change.time, deliverAt: change.time, native: u.events, nativeJson: this.posts ? u.eventJsons : undefined, nativeEscaped: this.text.hubspot ? u.eventEscaped : undefined, envelopes: u.envelopes, envelopeJson: this.text.envelopes ? u.envelopeJsons : undefined, records: u.records, defects, reorderable: change.op === 'update' };
  }

  /** Adds a propertyChange event for one field. */
  private property(u: UnitInProgress, objectId: number, field: string): void {
    const name = PROPERTY_OF.get(field) ?? field;
    const value = propertyValue(field, u.applied[field]);
    const e = this.event(u, 'contact.propertyChange', objectId, name, value);
    const payloadValue = canonicalValue(field, value);
    // { ...u.key, [field]: payloadValue }, without the slow path of a computed key after a spread.
    const payload: Record<string, unknown> = { contact_id: u.key.contact_id };
    payload[field] = payloadValue;
    const valueJson = this.text.envelopes ? jsonText(payloadValue) : undefined;
    const payloadJson = !this.text.envelopes ? '' : valueJson !== undefined && field !== 'contact_id' ? `${u.keyJson},${jsonString(field)}:${valueJson}}` : jsonObject(payload);
    this.push(u, e, 'upsert', payload, payloadJson, [field], field === 'consent' ? (payloadValue as string[]) : undefined, undefined, field);
  }

  /** Adds one event with its envelope (keys in the canonical envelope order) and record line. */
  private push(u: UnitInProgress, e: Record<string, unknown>, op: EnvelopeOp, payload: Record<string, unknown>, payloadJson: string, changedFields: string[] | undefined, consent: string[] | undefined, mergedInto: Record<string, string> | undefined, field: string | undefined): void {
    // The id the HubSpot adapter derives (subscriptionId, eventId, occurredAt, objectId, propertyName), from the parts' JSON text.
    const name = e.propertyName as string | undefined;
    const event_id = eventIdOfPartsJson('hubspot', `[${jsonNumber(e.subscriptionId as number)},${jsonNumber(e.eventId as number)},${jsonNumber(e.occurredAt as number)},${jsonNumber(e.objectId as number)},${name === undefined ? 'null' : jsonString(name)}]`);
    const source = { system: 'hubspot', connector: this.connector, position: `${e.eventId as number}` };
    const envelope: Envelope =
      mergedInto === undefined
        ? { event_id, tenant_id: this.tenant_id, entity: 'contact', entity_key: u.key, op, event_time: u.event_time, source, payload }
        : { event_id, tenant_id: this.tenant_id, entity: 'contact', entity_key: u.key, op, merged_into: mergedInto, event_time: u.event_time, source, payload };
    if (changedFields !== undefined) envelope.changed_fields = changedFields;
    if (consent !== undefined) envelope.consent = consent;
    u.envelopes.push(envelope);
    if (this.text.envelopes) this.envelopeLine(u, event_id, op, mergedInto, source.position, payloadJson, changedFields, consent);
    const defect = u.change.defect;
    const isDefectEvent = defect !== undefined && defect.field === field;
    if (isDefectEvent) u.defectEventId ??= event_id;
    u.records.push(new GeneratedRecordLine('contact', isDefectEvent ? u.defectBase : u.cleanBase, event_id, op));
  }

  /** Adds the line of an envelope (keys in the canonical envelope order). */
  private envelopeLine(u: UnitInProgress, event_id: string, op: EnvelopeOp, mergedInto: Record<string, string> | undefined, position: string, payloadJson: string, changedFields: string[] | undefined, consent: string[] | undefined): void {
    let tail = '';
    if (changedFields !== undefined) tail = changedFields.length === 1 ? `,"changed_fields":[${jsonString(changedFields[0]!)}]` : `,"changed_fields":${jsonObject(changedFields)}`;
    if (consent !== undefined) tail += `,"consent":${jsonObject(consent)}`;
    u.envelopeJsons.push(this.envelopeText.line(event_id, `${u.keyJson}}`, op, mergedInto === undefined ? undefined : jsonObject(mergedInto), u.event_time, position, payloadJson, tail));
  }

  /**
   * Builds a signed webhook POST for a batch of events, delivered at `deliveredAt` (ms), given the
   * events' JSON texts when known; and its line of `hubspot/deliveries.ndjson` when the texts
   * escaped as the content of a JSON string (the body's place in the line) are given too.
   */
  post(events: ReadonlyArray<Record<string, unknown>>, deliveredAt: number, json?: readonly string[], escaped?: readonly string[]): { native: HubSpotDelivery; line: string | undefined } {
    const body = json !== undefined && json.length === events.length ? `[${json.join(',')}]` : jsonObject(events);
    const timestamp = String(deliveredAt);
    const signature = signHubSpotV3(this.secret, 'POST', this.url, body, timestamp);
    const native: HubSpotDelivery = {
      method: 'POST',
      url: this.url,
      headers: {
        'content-type': 'application/json',
        'x-hubspot-signature-version': 'v3',
        'x-hubspot-request-timestamp': timestamp,
        'x-hubspot-signature-v3': signature,
      },
      body,
    };
    // JSON.stringify(native), with the body escaped from the events' escaped texts (a test compares them).
    const line =
      escaped !== undefined && escaped.length === events.length && json !== undefined && json.length === events.length
        ? `{"method":"POST","url":${this.urlJson},"headers":{"content-type":"application/json","x-hubspot-signature-version":"v3","x-hubspot-request-timestamp":${jsonString(timestamp)},"x-hubspot-signature-v3":${jsonString(signature)}},"body":"[${escaped.join(',')}]"}`
        : undefined;
    return { native, line };
  }
}
