import { createHash } from 'node:crypto';
import { VerityError } from '../errors.js';
import type { Envelope } from '../envelope.js';
import type { BusMessage } from './bus.js';

/** Largest bus message the lake-writer will decode (JetStream's own default max_payload is 1 MiB). */
export const MAX_BUS_MESSAGE_BYTES = 64 * 1024 * 1024;

const OPS = new Set(['upsert', 'delete', 'merge', 'snapshot', 'truncate']);
const TOKEN_UNSAFE = /[^A-Za-z0-9_-]/g;

/** A subject token: NATS subjects may not contain `.`, `*`, `>` or whitespace inside a token. */
export function subjectToken(value: string): string {
  return value.replace(TOKEN_UNSAFE, '_').slice(0, 64) || '_';
}

/** The subject a message is published on: `<prefix>.<tenant>.<entity>` (rejected items: `<prefix>.<tenant>._rejected`). */
export function busSubject(prefix: string, message: BusMessage): string {
  if (message.kind === 'envelope') return `${prefix}.${subjectToken(message.envelope.tenant_id)}.${subjectToken(message.envelope.entity)}`;
  if (message.kind === 'batch') return `${prefix}.${subjectToken(message.tenant_id)}._batch`;
  return `${prefix}.${subjectToken(message.tenant_id)}._rejected`;
}

/**
 * The de-duplication id: `tenant_id:event_id` for envelopes; for a batch, a hash of its tenant and
 * event ids (a retried identical batch is stored once); none for rejected items (each is kept).
 */
export function busMessageId(message: BusMessage): string | undefined {
  if (message.kind === 'envelope') return `${message.envelope.tenant_id}:${message.envelope.event_id}`;
  if (message.kind === 'batch') {
    const h = createHash('sha256').update(message.tenant_id);
    for (const e of message.envelopes) h.update('\u0000').update(e.event_id);
    return `batch:${message.tenant_id}:${h.digest('hex').slice(0, 40)}`;
  }
  return undefined;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Encodes a message as UTF-8 JSON. */
export function encodeBusMessage(message: BusMessage): Uint8Array {
  return encoder.encode(JSON.stringify(message));
}

/** The outcome of {@link decodeBusMessage}: the message, or why it is unusable. */
export type DecodedBusMessage = { ok: true; message: BusMessage } | { ok: false; code: string; message: string; raw: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

function envelopeProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'envelope is not an object';
  if (!isText(e.event_id)) return 'envelope.event_id must be a non-empty string';
  if (!isText(e.tenant_id)) return 'envelope.tenant_id must be a non-empty string';
  if (!isText(e.entity)) return 'envelope.entity must be a non-empty string';
  if (!isObject(e.entity_key) || !Object.values(e.entity_key).every((v) => typeof v === 'string' || typeof v === 'number'))
    return 'envelope.entity_key must be an object of strings and numbers';
  if (typeof e.op !== 'string' || !OPS.has(e.op)) return 'envelope.op must be one of upsert, delete, merge, snapshot, truncate';
  if (!isText(e.event_time) || Number.isNaN(Date.parse(e.event_time))) return 'envelope.event_time must be an ISO 8601 date-time';
  if (!isObject(e.source) || typeof e.source.system !== 'string' || typeof e.source.connector !== 'string' || typeof e.source.position !== 'string')
    return 'envelope.source must be {system, connector, position} strings';
  if (!isObject(e.payload)) return 'envelope.payload must be an object';
  return undefined;
}

/**
 * Validates a message read from the bus (an external input): size, UTF-8, JSON and shape. Never
 * throws; an unusable message comes back with a stable reason code so the writer can quarantine it.
 */
export function decodeBusMessage(data: Uint8Array): DecodedBusMessage {
  const preview = () => Buffer.from(data.subarray(0, 4096)).toString('utf8');
  if (data.byteLength > MAX_BUS_MESSAGE_BYTES) return { ok: false, code: 'BUS_MESSAGE_TOO_LARGE', message: `Bus message of ${data.byteLength} bytes exceeds ${MAX_BUS_MESSAGE_BYTES}.`, raw: preview() };
  let text: string;
  try {
    text = decoder.decode(data);
  } catch {
    return { ok: false, code: 'BUS_MESSAGE_INVALID', message: 'Bus message is not valid UTF-8.', raw: preview() };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: 'BUS_MESSAGE_INVALID', message: `Bus message is not JSON: ${(error as Error).message}`, raw: text };
  }
  if (!isObject(value) || !isText(value.source)) return { ok: false, code: 'BUS_MESSAGE_INVALID', message: 'Bus message must be an object with a "source" string.', raw: text };
  if (value.kind === 'envelope') {
    const problem = envelopeProblem(value.envelope);
    if (problem) return { ok: false, code: 'BUS_MESSAGE_INVALID', message: `Bus message: ${problem}.`, raw: text };
    return { ok: true, message: { kind: 'envelope', source: value.source, envelope: value.envelope as Envelope } };
  }
  if (value.kind === 'batch') {
    if (!isText(value.tenant_id) || !Array.isArray(value.envelopes) || value.envelopes.length === 0)
      return { ok: false, code: 'BUS_MESSAGE_INVALID', message: 'Bus message: a batch needs tenant_id and a non-empty envelopes array.', raw: text };
    for (let i = 0; i < value.envelopes.length; i++) {
      const problem = envelopeProblem(value.envelopes[i]);
      if (problem) return { ok: false, code: 'BUS_MESSAGE_INVALID', message: `Bus message: batch item ${i}: ${problem}.`, raw: text };
    }
    return { ok: true, message: { kind: 'batch', source: value.source, tenant_id: value.tenant_id, envelopes: value.envelopes as Envelope[] } };
  }
  if (value.kind === 'rejected') {
    const item = value.item;
    if (!isText(value.tenant_id) || !isObject(item) || typeof item.index !== 'number' || typeof item.raw !== 'string' || !isText(item.code) || typeof item.message !== 'string')
      return { ok: false, code: 'BUS_MESSAGE_INVALID', message: 'Bus message: a rejected item needs tenant_id and item {index, raw, code, message}.', raw: text };
    return {
      ok: true,
      message: { kind: 'rejected', source: value.source, tenant_id: value.tenant_id, item: { index: item.index, raw: item.raw, code: item.code, message: item.message } },
    };
  }
  return { ok: false, code: 'BUS_MESSAGE_INVALID', message: 'Bus message "kind" must be "envelope", "batch" or "rejected".', raw: text };
}

/** Throws PAYLOAD_TOO_LARGE when an encoded message is over the bus's limit (checked before anything is published). */
export function assertMessageFits(encoded: Uint8Array, limit: number, message: BusMessage): void {
  if (encoded.byteLength > limit) {
    const what =
      message.kind === 'envelope' ? `Event ${message.envelope.event_id}` : message.kind === 'batch' ? `A batch of ${message.envelopes.length} events` : `Rejected item ${message.item.index}`;
    throw new VerityError('PAYLOAD_TOO_LARGE', `${what} encodes to ${encoded.byteLength} bytes, over the bus's message limit of ${limit} bytes. Send smaller records or raise the NATS server's max_payload.`);
  }
}
