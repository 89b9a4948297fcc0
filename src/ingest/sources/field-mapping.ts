import { toIsoDate, toIsoTime } from './source-helpers.js';

/**
 * Field mapping shared by the CRM adapters: a source field name maps to a Verity field name and,
 * optionally, a type the text value is converted to. Conversion never invents data: a value that
 * does not convert cleanly is passed through unchanged so the contract can flag it.
 */

/** How a mapped value is converted. */
export type FieldType = 'string' | 'integer' | 'number' | 'boolean' | 'datetime' | 'date' | 'list';

/** A mapping target: a field name, or a field name with a type. */
export type FieldTarget = string | { field: string; type?: FieldType };

/** Source field name → target. */
export type FieldMap = Record<string, FieldTarget>;

/** The target field name and type of a mapping entry. */
export function target(t: FieldTarget): { field: string; type: FieldType | undefined } {
  return typeof t === 'string' ? { field: t, type: undefined } : { field: t.field, type: t.type };
}

const NUMBER_RE = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Converts a value to a type. Strings that do not look like the type stay strings (e.g. `"51-200"`
 * for an integer field), an empty string becomes `null` (HubSpot sends `""` for a cleared property).
 */
export function convert(value: unknown, type: FieldType | undefined): unknown {
  // A cleared multi-checkbox is "no purposes", not "unknown".
  if (value === '' && type === 'list') return [];
  if (value === '' && type !== undefined && type !== 'string') return null;
  if (type === undefined || value === null || value === undefined) return value;
  switch (type) {
    case 'string':
      return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
    case 'integer':
    case 'number': {
      if (typeof value !== 'string') return value;
      const s = value.trim();
      if (!NUMBER_RE.test(s)) return value;
      const n = Number(s);
      if (!Number.isFinite(n) || (type === 'integer' && Number.isInteger(n) && !Number.isSafeInteger(n))) return value;
      return n;
    }
    case 'boolean':
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      return value;
    case 'datetime':
      if (typeof value === 'number' || (typeof value === 'string' && /^-?\d{1,16}$/.test(value.trim()))) return toIsoTime(value) ?? value;
      return value;
    case 'date':
      if (typeof value === 'string' && /^\d{10,16}$/.test(value.trim())) return toIsoDate(Number(value.trim()));
      return toIsoDate(value);
    case 'list':
      if (typeof value === 'string')
        return value
          .split(';')
          .map((s) => s.trim())
          .filter((s) => s !== '');
      return value;
  }
}

/**
 * Writes one source field into a payload under its mapped name and type. An unmapped field is
 * kept under its own name when `keepUnmapped`, else dropped. Returns the payload field written, or
 * undefined when dropped.
 */
export function putMappedField(fields: FieldMap, name: string, value: unknown, payload: Record<string, unknown>, keepUnmapped: boolean): string | undefined {
  const t = fields[name];
  if (t === undefined) {
    if (!keepUnmapped) return undefined;
    payload[name] = value;
    return name;
  }
  const { field, type } = target(t);
  payload[field] = convert(value, type);
  return field;
}
