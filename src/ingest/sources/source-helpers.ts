import { createHash, timingSafeEqual } from 'node:crypto';
import { VerityError } from '../../errors.js';
import type { DecodeContext, DecodeResult, RejectedItem, SourceDelivery } from '../source.js';

/**
 * Helpers shared by the source adapters: strict UTF-8 decoding, JSON/NDJSON body parsing with
 * limits, time normalisation and constant-time comparison. Internal to `src/ingest/sources/`.
 */

/** Limits every JSON-bodied source applies at its boundary. */
export interface BodyLimits {
  /** Largest body accepted, in bytes (default 16 MiB). Bigger bodies throw `PAYLOAD_TOO_LARGE`. */
  maxBodyBytes?: number;
  /** Most items in one delivery (default 100 000). More throw `PAYLOAD_TOO_LARGE`. */
  maxItems?: number;
  /** Deepest JSON nesting accepted per item (default 32). Deeper items are rejected (`TOO_DEEP`). */
  maxDepth?: number;
  /** Longest string value accepted inside an item (default 1 MiB). Longer ones reject the item (`VALUE_TOO_LARGE`). */
  maxStringLength?: number;
}

/** Default limits (see {@link BodyLimits}). */
export const DEFAULT_LIMITS: Required<BodyLimits> = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxItems: 100_000,
  maxDepth: 32,
  maxStringLength: 1024 * 1024,
};

/** Resolves user limits over the defaults, rejecting nonsense values. */
export function resolveLimits(limits: BodyLimits | undefined): Required<BodyLimits> {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as Array<keyof BodyLimits>) {
    const v = limits?.[key];
    if (v === undefined) continue;
    if (!Number.isInteger(v) || v <= 0) throw new VerityError('INVALID_ARGUMENT', `Source option "${key}" must be a positive integer, got ${String(v)}.`);
    out[key] = v;
  }
  return out;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes a body as strict UTF-8 (a BOM is dropped); invalid bytes throw `MALFORMED_INPUT`. */
export function decodeUtf8(body: Buffer | Uint8Array, where: string): string {
  try {
    return UTF8.decode(body);
  } catch (cause) {
    throw new VerityError('MALFORMED_INPUT', `${where}: the body is not valid UTF-8. Send UTF-8 encoded JSON.`, { cause });
  }
}

/** Checks the context every decode needs; a missing tenant is a caller bug, reported clearly. */
export function checkContext(context: DecodeContext, where: string): void {
  if (!context || typeof context.tenant_id !== 'string' || context.tenant_id.trim() === '')
    throw new VerityError('INVALID_ARGUMENT', `${where}: decode needs a non-empty tenant_id in its context (e.g. from ?tenant=t01).`);
}

/** Checks the body is a Buffer within the size limit. */
export function checkBody(delivery: SourceDelivery, limits: Required<BodyLimits>, where: string): Buffer {
  const body = delivery?.body as unknown;
  if (!(body instanceof Uint8Array))
    throw new VerityError('INVALID_ARGUMENT', `${where}: delivery.body must be a Buffer with the raw bytes as received.`);
  if (body.length > limits.maxBodyBytes)
    throw new VerityError('PAYLOAD_TOO_LARGE', `${where}: body of ${body.length} bytes exceeds the limit of ${limits.maxBodyBytes} bytes. Send smaller batches.`);
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

/** One parsed item of a delivery with its original text, or the reason it could not be parsed. */
export type ParsedItem = { index: number; raw: string; value: unknown } | { index: number; raw: string; error: RejectedItem };

/**
 * Parses a body that is one JSON value, a JSON array of items, or NDJSON (one item per line).
 *
 * A body that parses as JSON is used whole (an array gives its elements as items). Otherwise it is
 * read as NDJSON; a line that does not parse becomes a rejected item, but when no line parses at all
 * the body is garbage and `MALFORMED_INPUT` is thrown.
 */
export function parseJsonItems(text: string, limits: Required<BodyLimits>, where: string): ParsedItem[] {
  const trimmed = text.trim();
  if (trimmed === '') throw new VerityError('MALFORMED_INPUT', `${where}: the body is empty. Send a JSON object, a JSON array or NDJSON.`);
  let whole: unknown;
  let wholeOk = false;
  try {
    whole = JSON.parse(trimmed);
    wholeOk = true;
  } catch {
    // not one JSON document: try NDJSON below
  }
  const items: ParsedItem[] = [];
  if (wholeOk) {
    const values = Array.isArray(whole) ? whole : [whole];
    if (values.length > limits.maxItems)
      throw new VerityError('PAYLOAD_TOO_LARGE', `${where}: ${values.length} items exceed the limit of ${limits.maxItems} per delivery. Send smaller batches.`);
    const single = !Array.isArray(whole);
    const check = mayExceedLimits(trimmed, limits);
    values.forEach((value, index) => {
      const problem = check ? measureValue(value, limits) : undefined;
      if (problem) {
        // An item too deep to re-serialise keeps the whole body as its raw text (it is in there).
        const raw = single || problem.code === 'TOO_DEEP' ? trimmed : safeStringify(value);
        items.push({ index, raw, error: reject(index, raw, problem.code, problem.message) });
      } else if (single) items.push({ index, raw: trimmed, value });
      // The raw text of a good array item is only needed if it is rejected later: made on demand.
      else items.push(new ArrayItem(index, value));
    });
    return items;
  }
  const lines = text.split('\n');
  let parsed = 0;
  let index = 0;
  for (const line of lines) {
    const raw = line.endsWith('\r') ? line.slice(0, -1) : line;
    if (raw.trim() === '') continue;
    if (index >= limits.maxItems)
      throw new VerityError('PAYLOAD_TOO_LARGE', `${where}: more than ${limits.maxItems} items in one delivery. Send smaller batches.`);
    try {
      const value: unknown = JSON.parse(raw);
      items.push(checkItem(index, raw, value, limits));
      parsed++;
    } catch (cause) {
      items.push({ index, raw, error: reject(index, raw, 'MALFORMED_JSON', `Line ${index + 1} is not valid JSON: ${(cause as Error).message}`) });
    }
    index++;
  }
  if (parsed === 0) {
    const first = items[0];
    const detail = first && 'error' in first ? ` (${first.error.message})` : '';
    throw new VerityError('MALFORMED_INPUT', `${where}: the body is neither JSON nor NDJSON${detail}. Send a JSON object, a JSON array or one JSON object per line.`);
  }
  return items;
}

/** A good item of a JSON array body: its raw text is made on demand (only a rejected item needs it). */
class ArrayItem {
  constructor(
    readonly index: number,
    readonly value: unknown,
  ) {}

  get raw(): string {
    return safeStringify(this.value);
  }
}

function checkItem(index: number, raw: string, value: unknown, limits: Required<BodyLimits>): ParsedItem {
  const problem = mayExceedLimits(raw, limits) ? measureValue(value, limits) : undefined;
  if (problem) return { index, raw, error: reject(index, raw, problem.code, problem.message) };
  return { index, raw, value };
}

/**
 * True when the text of a JSON value could break the depth or string limits: cheaper than walking
 * the parsed value, and enough for the usual small record (few brackets, short text).
 */
export function mayExceedLimits(raw: string, limits: Required<BodyLimits>): boolean {
  if (raw.length > limits.maxStringLength) return true;
  let re = BRACKETS.get(limits.maxDepth);
  if (!re) {
    // "at least maxDepth opening brackets": linear (the two classes are disjoint), native speed
    re = new RegExp(`^(?:[^[{]*[[{]){${limits.maxDepth}}`);
    BRACKETS.set(limits.maxDepth, re);
  }
  return re.test(raw);
}

const BRACKETS = new Map<number, RegExp>();

/**
 * Checks a parsed value against the depth and string limits, iteratively (hostile nesting cannot
 * overflow the stack). The walk reuses two module-level stacks: no allocation per value.
 */
export function measureValue(value: unknown, limits: Required<BodyLimits>): { code: string; message: string } | undefined {
  const values = WALK_VALUES;
  const depths = WALK_DEPTHS;
  const base = values.length;
  values.push(value);
  depths.push(0);
  try {
    while (values.length > base) {
      const v = values.pop();
      const d = depths.pop()!;
      if (typeof v === 'string') {
        if (v.length > limits.maxStringLength)
          return { code: 'VALUE_TOO_LARGE', message: `A string of ${v.length} characters exceeds the limit of ${limits.maxStringLength}.` };
      } else if (v !== null && typeof v === 'object') {
        if (d >= limits.maxDepth) return { code: 'TOO_DEEP', message: `The item is nested deeper than ${limits.maxDepth} levels.` };
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            values.push(v[i]);
            depths.push(d + 1);
          }
        } else {
          const o = v as Record<string, unknown>;
          for (const k in o) {
            if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
            values.push(o[k]);
            depths.push(d + 1);
          }
        }
      }
    }
    return undefined;
  } finally {
    values.length = base;
    depths.length = base;
  }
}

const WALK_VALUES: unknown[] = [];
const WALK_DEPTHS: number[] = [];

/** JSON.stringify that never throws (used for the `raw` text of rejected items). */
export function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'undefined';
  } catch {
    return '<not serialisable>';
  }
}

/** Builds a {@link RejectedItem}. */
export function reject(index: number, raw: string, code: string, message: string): RejectedItem {
  return { index, raw, code, message };
}

/** An empty {@link DecodeResult}. */
export function emptyResult(): DecodeResult {
  return { envelopes: [], rejected: [], signals: [] };
}

/** Adds one to `result.skipped[kind]`. */
export function countSkipped(result: DecodeResult, kind: string): void {
  result.skipped ??= {};
  result.skipped[kind] = (result.skipped[kind] ?? 0) + 1;
}

/** True for a plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

const CANONICAL_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Range check of the `YYYY-MM-DDTHH:MM:SS` prefix of an ISO date-time (month lengths and leap years included). */
function isRealDateTime(s: string): boolean {
  const y = +s.slice(0, 4);
  const mo = +s.slice(5, 7);
  const d = +s.slice(8, 10);
  if (mo < 1 || mo > 12 || d < 1) return false;
  const leap = mo === 2 && (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
  if (d > DAYS[mo - 1]! + (leap ? 1 : 0)) return false;
  return +s.slice(11, 13) < 24 && +s.slice(14, 16) < 60 && +s.slice(17, 19) < 60;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/**
 * Normalises a time to ISO 8601 UTC with milliseconds. Accepts epoch milliseconds (number or digit
 * string) and ISO 8601 date-times with a zone; anything else gives `undefined`.
 */
export function toIsoTime(value: unknown): string | undefined {
  if (typeof value === 'number') return isoOfEpochMs(value);
  let ms: number | undefined;
  if (typeof value === 'string') {
    // Fast path: already canonical (Date#toISOString costs microseconds per call on bulk files).
    if (CANONICAL_RE.test(value) && isRealDateTime(value)) return value;
    const s = value.trim();
    if (/^-?\d{1,16}$/.test(s)) ms = Number(s);
    // Date.parse is lenient ("02-30" becomes March 2nd): check the fields are real first.
    else if (ISO_RE.test(s) && isRealDateTime(s.length >= 19 && s[16] === ':' ? s : `${s.slice(0, 16)}:00`)) ms = Date.parse(s);
  }
  return ms === undefined ? undefined : isoOfEpochMs(ms);
}

/**
 * `new Date(ms).toISOString()` for epoch milliseconds (undefined when not a valid time), computed
 * arithmetically for years 0000–9999: the Date round trip costs about a microsecond per call,
 * which a webhook batch pays for every event.
 */
function isoOfEpochMs(value: number): string | undefined {
  if (!Number.isFinite(value) || Math.abs(value) > 8.64e15) return undefined;
  const ms = Math.trunc(value) + 0; // + 0: -0 becomes 0, as Date's TimeClip does
  if (ms < MIN_FAST_MS || ms > MAX_FAST_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return `${PAD4[year] ?? String(year).padStart(4, '0')}-${PAD2[month]}-${PAD2[day]}T${PAD2[hour]}:${PAD2[minute]}:${PAD2[second]}.${PAD3[milli]}Z`;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the four-digit years. */
const MIN_FAST_MS = -62_167_219_200_000;
const MAX_FAST_MS = 253_402_300_799_999;
const PAD2 = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const PAD4: string[] = [];
for (let y = 1970; y < 2100; y++) PAD4[y] = String(y);

/** Normalises a date to `YYYY-MM-DD` (epoch days, epoch ms or a date string); other input is returned unchanged. */
export function toIsoDate(value: unknown): unknown {
  if (typeof value === 'number' && Number.isFinite(value)) {
    const ms = Math.abs(value) < 1e6 ? value * 86_400_000 : value;
    return new Date(ms).toISOString().slice(0, 10);
  }
  return value;
}

/** Reads a header case-insensitively (headers should already be lower-cased; this also tolerates arrays). */
export function header(delivery: SourceDelivery, name: string): string | undefined {
  const headers = delivery.headers ?? {};
  const v = (headers as Record<string, unknown>)[name.toLowerCase()];
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** Compares two strings in constant time (for their common length; unequal lengths are simply unequal). */
export function constantTimeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  if (x.length !== y.length) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, y);
}

/** A short content hash (16 hex chars), for names derived from bytes. */
export function shortHash(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex').slice(0, 16);
}

/** A primitive JSON-ish value usable in an entity key, or undefined. */
export function keyValue(value: unknown): string | number | undefined {
  if (typeof value === 'string' && value !== '') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return value.toString();
  return undefined;
}
