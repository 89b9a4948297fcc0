import type { Envelope } from '../envelope.js';

const q = JSON.stringify;

/**
 * Serialises a generated envelope given its payload's JSON text: the same bytes as
 * `JSON.stringify(envelope)` for envelopes built in the generator's canonical key order
 * (event_id, tenant_id, entity, entity_key, op, merged_into?, event_time, source, payload,
 * changed_fields?, consent?), without serialising a payload twice when the record line and the
 * native event carry the same object. A test checks byte equality on whole data sets.
 */
export function envelopeJson(e: Envelope, payloadJson: string): string {
  let s = `{"event_id":${q(e.event_id)},"tenant_id":${q(e.tenant_id)},"entity":${q(e.entity)},"entity_key":${q(e.entity_key)},"op":${q(e.op)}`;
  if (e.merged_into !== undefined) s += `,"merged_into":${q(e.merged_into)}`;
  s += `,"event_time":${q(e.event_time)},"source":${q(e.source)},"payload":${payloadJson}`;
  if (e.changed_fields !== undefined) s += `,"changed_fields":${q(e.changed_fields)}`;
  if (e.consent !== undefined) s += `,"consent":${q(e.consent)}`;
  return `${s}}`;
}

/** A one-entry memo of `JSON.stringify` by object identity (consecutive lines often share an object). */
export class JsonMemo {
  private last: object | undefined;
  private lastJson = '';

  /** The JSON text of `value`. */
  of(value: object): string {
    if (value !== this.last) {
      this.last = value;
      this.lastJson = JSON.stringify(value);
    }
    return this.lastJson;
  }
}

/** A record line: `base` plus `_event_id` and `_op`, reusing the base's JSON text. */
export function recordJson(baseJson: string, eventId: unknown, op: unknown): string {
  return `${baseJson.slice(0, -1)},"_event_id":${q(eventId)},"_op":${q(op)}}`;
}
