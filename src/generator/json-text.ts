/**
 * JSON text for the generator's hot path, byte-identical to `JSON.stringify`.
 *
 * On Node 20 `JSON.stringify` costs ~130 ns per call even for a short string and ~400 ns for a
 * one-key object, and the generator writes several values per event. These helpers build the same
 * text with template strings: a string that needs no escaping is quoted as is, and anything the
 * fast path does not handle (escapes, lone surrogates, `toJSON`, class instances, non-finite
 * numbers inside arrays…) falls back to `JSON.stringify` itself, so the output never differs.
 * Tests compare whole generated data sets with `JSON.stringify`.
 */

const q = JSON.stringify;

/** Characters `JSON.stringify` escapes in a string (surrogates: conservatively, paired or not). */
// eslint-disable-next-line no-control-regex -- control characters are exactly what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** `"key":` per object key, so keys are checked and quoted once. */
const keyPrefixes = new Map<string, string>();
const MAX_CACHED_KEYS = 4096;

function keyPrefix(key: string): string {
  let p = keyPrefixes.get(key);
  if (p === undefined) {
    p = `${q(key)}:`;
    if (keyPrefixes.size < MAX_CACHED_KEYS) keyPrefixes.set(key, p);
  }
  return p;
}

/** `JSON.stringify(s)` for a string. */
export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? q(s) : `"${s}"`;
}

/**
 * `"s"`, unchecked: only for strings the generator builds from characters JSON never escapes
 * (record ids, event ids, hex, digits, ISO timestamps). Tests compare the lines it ends up in
 * with `JSON.stringify` on whole data sets.
 */
export function quoted(s: string): string {
  return `"${s}"`;
}

/** `JSON.stringify(JSON.stringify(s)).slice(1, -1)`: a string's JSON text, escaped as the content of another JSON string. */
export function escapedJsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? q(q(s)).slice(1, -1) : `\\"${s}\\"`;
}

/** `JSON.stringify(json).slice(1, -1)`: JSON text escaped as the content of a JSON string. */
export function escapedJson(json: string): string {
  return q(json).slice(1, -1);
}

/** `JSON.stringify(n)` for a number. */
export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? `${n}` : 'null';
}

/**
 * `JSON.stringify(value)` for JSON-like data (plain objects, arrays, strings, numbers, booleans,
 * null); returns `undefined` where `JSON.stringify` would (undefined, functions, symbols).
 * @example
 * jsonText({ a: 1, b: ['x'], c: undefined }) // '{"a":1,"b":["x"]}'
 */
export function jsonText(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return NEEDS_ESCAPE.test(value) ? q(value) : `"${value}"`;
    case 'number':
      return Number.isFinite(value) ? `${value}` : 'null';
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object':
      if (value === null) return 'null';
      return Array.isArray(value) ? arrayText(value) : objectText(value as Record<string, unknown>);
    default:
      return q(value);
  }
}

/** `JSON.stringify(o)` for a plain object or array (always a string). */
export function jsonObject(o: object): string {
  return Array.isArray(o) ? arrayText(o) : objectText(o as Record<string, unknown>);
}

function arrayText(a: readonly unknown[]): string {
  const n = a.length;
  if (n === 0) return '[]';
  let s = '[';
  for (let i = 0; i < n; i++) {
    const v = a[i];
    // Array elements that JSON.stringify turns into null (undefined, functions) take the slow path.
    const t = typeof v === 'object' || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? jsonText(v) : undefined;
    if (t === undefined) return q(a);
    s += i === 0 ? t : `,${t}`;
  }
  return `${s}]`;
}

function objectText(o: Record<string, unknown>): string {
  const proto = Object.getPrototypeOf(o) as unknown;
  if (proto !== Object.prototype && proto !== null) return q(o);
  let s = '';
  for (const k in o) {
    if (k === 'toJSON') return q(o);
    const v = o[k];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    const t = jsonText(v);
    s += s === '' ? `{${keyPrefix(k)}${t}` : `,${keyPrefix(k)}${t}`;
  }
  return s === '' ? '{}' : `${s}}`;
}
