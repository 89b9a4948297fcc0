import { VerityError } from '../errors.js';
import { canonicalJson } from '../util/canonical-json.js';
import type { AuditFact } from './audit-sink.js';
import type { AuditEntry } from './audit-log.js';
import { hashLeaf } from './merkle.js';

/** Largest serialised entry accepted (1 MiB). */
export const MAX_ENTRY_BYTES = 1024 * 1024;

const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * The leaf bytes of an entry: canonical JSON of `{index, type, actor, tenant_id?, time, data}`.
 * The index is inside the leaf so an entry cannot be moved to another position unnoticed.
 * @throws VerityError INVALID_ARGUMENT when the fact is malformed or too large.
 */
export function encodeEntry(index: number, fact: AuditFact): Buffer {
  const where = `Audit fact #${index}`;
  if (!fact || typeof fact !== 'object') throw new VerityError('INVALID_ARGUMENT', `${where} is not an object.`);
  if (typeof fact.type !== 'string' || fact.type.length === 0 || fact.type.length > 200) throw new VerityError('INVALID_ARGUMENT', `${where}: "type" must be a non-empty string (e.g. "snapshot.created").`);
  if (typeof fact.actor !== 'string' || fact.actor.length === 0 || fact.actor.length > 200) throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): "actor" must be a non-empty string.`);
  if (typeof fact.time !== 'string' || !TIME.test(fact.time)) throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): "time" must be an ISO 8601 date-time, got ${JSON.stringify(fact.time)}.`);
  if (fact.tenant_id !== undefined && typeof fact.tenant_id !== 'string') throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): "tenant_id" must be a string.`);
  if (!fact.data || typeof fact.data !== 'object' || Array.isArray(fact.data)) throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): "data" must be an object.`);
  const bad = firstNonJson(fact.data, 'data');
  if (bad) throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): ${bad} is not JSON-safe (finite numbers, strings, booleans, null, arrays, plain objects only).`);
  let text: string;
  try {
    text = canonicalJson({ index, type: fact.type, actor: fact.actor, tenant_id: fact.tenant_id, time: fact.time, data: fact.data });
  } catch (error) {
    throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}): "data" is not JSON-safe: ${(error as Error).message}.`, { cause: error });
  }
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length > MAX_ENTRY_BYTES) throw new VerityError('INVALID_ARGUMENT', `${where} (${fact.type}) is ${bytes.length} bytes; the limit is ${MAX_ENTRY_BYTES}. Record digests and ids, not payloads.`);
  return bytes;
}

/** Parses leaf bytes back into an entry; `expectedIndex` guards against moved entries. */
export function decodeEntry(bytes: Uint8Array, expectedIndex: number): AuditEntry {
  let value: any;
  try {
    value = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (error) {
    throw new VerityError('INTEGRITY_FAILED', `Audit entry ${expectedIndex} is not valid JSON.`, { cause: error });
  }
  if (!value || value.index !== expectedIndex)
    throw new VerityError('INTEGRITY_FAILED', `Audit entry at position ${expectedIndex} says it is entry ${JSON.stringify(value?.index)}.`);
  return { ...value, leaf_hash: hashLeaf(bytes).toString('hex') } as AuditEntry;
}

/** Checks that leaf bytes are a JSON entry carrying `expectedIndex` (verification's cheap check: no re-hash). */
export function checkEntryIndex(bytes: Uint8Array, expectedIndex: number): void {
  let value: any;
  try {
    value = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch (error) {
    throw new VerityError('INTEGRITY_FAILED', `Audit entry ${expectedIndex} is not valid JSON.`, { cause: error });
  }
  if (!value || value.index !== expectedIndex)
    throw new VerityError('INTEGRITY_FAILED', `Audit entry at position ${expectedIndex} says it is entry ${JSON.stringify(value?.index)}.`);
}

/** The path of the first value JSON cannot carry faithfully (NaN, Infinity, bigint, function, Date…), if any. */
function firstNonJson(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean' || value === undefined) return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : path;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = firstNonJson(value[i], `${path}[${i}]`);
      if (bad) return bad;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      const bad = firstNonJson(v, `${path}.${k}`);
      if (bad) return bad;
    }
    return undefined;
  }
  return path;
}
