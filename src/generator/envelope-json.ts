import type { Envelope } from '../envelope.js';
import { jsonObject, jsonString, jsonText, quoted } from './json-text.js';

/** The JSON text of the last string seen: most envelope fields repeat from one envelope to the next. */
class LastString {
  private last = '';
  private json = '""';

  of(s: string): string {
    if (s !== this.last) {
      this.json = jsonString(s);
      this.last = s;
    }
    return this.json;
  }
}

const tenantIds = new LastString();
const entities = new LastString();
const ops = new LastString();
const systems = new LastString();
const connectors = new LastString();

/**
 * Serialises a generated envelope given its payload's JSON text: the same bytes as
 * `JSON.stringify(envelope)` for envelopes built in the generator's canonical key order
 * (event_id, tenant_id, entity, entity_key, op, merged_into?, event_time, source, payload,
 * changed_fields?, consent?), without serialising a payload twice when the record line and the
 * native event carry the same object. A test checks byte equality on whole data sets.
 */
export function envelopeJson(e: Envelope, payloadJson: string): string {
  const src = e.source;
  let s = `{"event_id":${jsonString(e.event_id)},"tenant_id":${tenantIds.of(e.tenant_id)},"entity":${entities.of(e.entity)},"entity_key":${jsonObject(e.entity_key)},"op":${ops.of(e.op)}`;
  if (e.merged_into !== undefined) s += `,"merged_into":${jsonText(e.merged_into)}`;
  s += `,"event_time":${jsonString(e.event_time)},"source":{"system":${systems.of(src.system)},"connector":${connectors.of(src.connector)},"position":${jsonString(src.position)}},"payload":${payloadJson}`;
  if (e.changed_fields !== undefined) s += `,"changed_fields":${jsonText(e.changed_fields)}`;
  if (e.consent !== undefined) s += `,"consent":${jsonText(e.consent)}`;
  return `${s}}`;
}

/**
 * Envelope lines for one (tenant, entity, source system, connector): the constant parts are
 * serialised once, the rest per envelope. The same bytes as `JSON.stringify` of an envelope built
 * in the canonical key order (a test compares them on whole data sets).
 */
export class EnvelopeText {
  private readonly head: string;
  private readonly sourceHead: string;
  private readonly op = new LastString();

  constructor(tenant_id: string, entity: string, system: string, connector: string) {
    this.head = `,"tenant_id":${jsonString(tenant_id)},"entity":${jsonString(entity)},"entity_key":`;
    this.sourceHead = `,"source":{"system":${jsonString(system)},"connector":${jsonString(connector)},"position":`;
  }

  /**
   * The line of an envelope from its varying parts: `keyJson`, `mergedIntoJson` and `payloadJson`
   * are JSON texts, `tail` is `,"changed_fields":…,"consent":…` (as present) or `''`. The event
   * id (`<system>-<hex>`), the event time (ISO) and the position (digits) are generated: quoted
   * without a check.
   */
  line(event_id: string, keyJson: string, op: string, mergedIntoJson: string | undefined, event_time: string, position: string, payloadJson: string, tail: string): string {
    const merged = mergedIntoJson === undefined ? '' : `,"merged_into":${mergedIntoJson}`;
    return `{"event_id":${quoted(event_id)}${this.head}${keyJson},"op":${this.op.of(op)}${merged},"event_time":${quoted(event_time)}${this.sourceHead}${quoted(position)}},"payload":${payloadJson}${tail}}`;
  }
}

/** A one-entry memo of JSON text by object identity (consecutive lines often share an object). */
export class JsonMemo {
  private last: object | undefined;
  private lastJson = '';

  /** Records `json` as the JSON text of `value` (known from elsewhere). */
  prime(value: object, json: string): void {
    this.last = value;
    this.lastJson = json;
  }

  /** The JSON text of `value` (as `JSON.stringify`). */
  of(value: object): string {
    if (value !== this.last) {
      this.last = value;
      this.lastJson = jsonObject(value);
    }
    return this.lastJson;
  }
}

/** A record line: `base` plus `_event_id` and `_op`, reusing the base's JSON text. */
export function recordJson(baseJson: string, eventId: string, op: string): string {
  return baseJson === '{}' ? `{"_event_id":${jsonString(eventId)},"_op":${jsonString(op)}}` : `${baseJson.slice(0, -1)},"_event_id":${jsonString(eventId)},"_op":${jsonString(op)}}`;
}
