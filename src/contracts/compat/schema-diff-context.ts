/**
 * Shared helpers of the schema diff: the context passed between its parts, keyword classes,
 * deep equality and the generic comparisons of limits and exact-value keywords.
 */
import type { SchemaDocument, SchemaNode } from './schema-document.js';
import { change, type SchemaChange } from './schema-change.js';

/** What every part of the diff needs. */
export interface DiffContext {
  readonly old: SchemaDocument;
  readonly new: SchemaDocument;
  /** LENIENT policy: instances carry no properties their schema does not declare. */
  readonly lenient: boolean;
  /** Compares two (unresolved) subschemas at `path`. */
  diff(a: unknown, b: unknown, path: string): SchemaChange[];
}

/** Keywords that never constrain instances. */
const ANNOTATIONS = new Set([
  '$schema', '$id', 'id', '$comment', '$anchor', '$defs', 'definitions', 'title', 'description', 'default', 'examples',
  'deprecated', 'readOnly', 'writeOnly', '$vocabulary', '$dynamicAnchor', '$recursiveAnchor',
]);

/** True for keys that are annotations (including `x-` extensions). */
export function isAnnotation(key: string): boolean {
  return ANNOTATIONS.has(key) || key.startsWith('x-');
}

/** True when the schema accepts everything (`true`, `{}` or annotations only). */
export function isUnconstrained(s: SchemaNode): boolean {
  if (s === true) return true;
  if (s === false) return false;
  for (const key in s) if (!isAnnotation(key)) return false;
  return true;
}

/** Structural equality of JSON values. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b as object);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(b, k) || !deepEqual((a as any)[k], (b as any)[k])) return false;
  return true;
}

const refCache = new WeakMap<object, boolean>();
/** True when the value contains a `$ref` anywhere (cached). */
export function containsRef(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return false;
  const hit = refCache.get(value);
  if (hit !== undefined) return hit;
  refCache.set(value, false);
  let found = false;
  if (Array.isArray(value)) found = value.some(containsRef);
  else for (const [k, v] of Object.entries(value)) if (k === '$ref' || containsRef(v)) {
    found = true;
    break;
  }
  refCache.set(value, found);
  return found;
}

/** Appends `/segment` to a JSON pointer, escaping it. */
export function at(path: string, ...segments: (string | number)[]): string {
  return segments.reduce<string>((p, s) => `${p}/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`, path);
}

const has = (s: Record<string, unknown>, k: string) => s[k] !== undefined;

/** Compares a lower limit (a bigger value is stricter): minLength, minItems, minProperties. */
export function lowerLimit(a: Record<string, unknown>, b: Record<string, unknown>, key: string, prefix: string, path: string, out: SchemaChange[]): void {
  const x = a[key] as number | undefined;
  const y = b[key] as number | undefined;
  if (x === y) return;
  if (!has(a, key)) out.push(change(`${prefix}_ADDED`, path, y! <= 0, true, `${key} ${y} added`));
  else if (!has(b, key)) out.push(change(`${prefix}_REMOVED`, path, true, x! <= 0, `${key} ${x} removed`));
  else if (y! > x!) out.push(change(`${prefix}_INCREASED`, path, false, true, `${key} increased from ${x} to ${y}`));
  else out.push(change(`${prefix}_DECREASED`, path, true, false, `${key} decreased from ${x} to ${y}`));
}

/** Compares an upper limit (a smaller value is stricter): maxLength, maxItems, maxProperties. */
export function upperLimit(a: Record<string, unknown>, b: Record<string, unknown>, key: string, prefix: string, path: string, out: SchemaChange[]): void {
  const x = a[key] as number | undefined;
  const y = b[key] as number | undefined;
  if (x === y) return;
  if (!has(a, key)) out.push(change(`${prefix}_ADDED`, path, false, true, `${key} ${y} added`));
  else if (!has(b, key)) out.push(change(`${prefix}_REMOVED`, path, true, false, `${key} ${x} removed`));
  else if (y! > x!) out.push(change(`${prefix}_INCREASED`, path, true, false, `${key} increased from ${x} to ${y}`));
  else out.push(change(`${prefix}_DECREASED`, path, false, true, `${key} decreased from ${x} to ${y}`));
}

/** Compares a keyword whose values are either equal or unrelated: pattern, format, contentEncoding… */
export function exactValue(a: Record<string, unknown>, b: Record<string, unknown>, key: string, prefix: string, path: string, out: SchemaChange[]): void {
  const x = a[key];
  const y = b[key];
  if (deepEqual(x, y)) return;
  if (x === undefined) out.push(change(`${prefix}_ADDED`, path, false, true, `${key} ${JSON.stringify(y)} added`));
  else if (y === undefined) out.push(change(`${prefix}_REMOVED`, path, true, false, `${key} ${JSON.stringify(x)} removed`));
  else out.push(change(`${prefix}_CHANGED`, path, false, false, `${key} changed from ${JSON.stringify(x)} to ${JSON.stringify(y)}`));
}
