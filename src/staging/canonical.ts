import type { EntityKey } from '../envelope.js';

/**
 * The canonical string of an entity key used in staging, the online store and retrieval: the key's
 * values as strings, ordered by key field name, JSON-encoded (`{contact_id: 7}` → `["7"]`). Keys from
 * a CSV frame (strings) and from envelopes (strings or numbers) therefore meet.
 */
export function canonicalKey(key: EntityKey | Record<string, unknown>): string {
  return canonicalKeyOf(key, Object.keys(key).sort());
}

/** {@link canonicalKey} of the fields `sortedFields` (already in name order) of a larger record. */
export function canonicalKeyOf(record: Record<string, unknown>, sortedFields: readonly string[]): string {
  return JSON.stringify(sortedFields.map((k) => String(record[k])));
}

/** An entity key's JSON with its fields in name order (deterministic). */
export function canonicalKeyJson(key: EntityKey | Record<string, unknown>): string {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(key).sort()) out[k] = key[k];
  return JSON.stringify(out);
}

/** JSON with object keys sorted at every level, so equal values give equal bytes. */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortDeep(value));
}

function sortDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) out[k] = sortDeep((value as Record<string, unknown>)[k]);
    return out;
  }
  return value;
}

/** Parses an ISO timestamp to epoch milliseconds, or undefined when it is not one. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value !== 'string' || value.length < 10) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}
