/**
 * Compiles a {@link Contract} once into a fast {@link RecordValidator}: one closure per field,
 * specialised by type, so validating a record is a loop over precomputed checks.
 */
import type { RecordValidator, ValidateOptions, Violation } from './types.js';
import type { Contract, FieldSpec } from './contract-model.js';
import { FORMATS } from './formats.js';
import { maskValue } from './mask.js';

/** Options for {@link compileContract}. */
export interface CompileOptions {
  /** The clock "not in the future" rules compare against, in epoch milliseconds (default `Date.now`). */
  clock?: () => number;
  /** Tolerated clock skew for "not in the future" rules, in milliseconds (default 0). */
  futureToleranceMs?: number;
}

/** A compiled contract: the gate's {@link RecordValidator} plus the contract it came from. */
export interface CompiledContract extends RecordValidator {
  readonly contract: Contract;
  /** True when fields not declared by the contract are rejected (STRICT / closed content model). */
  readonly isClosed: boolean;
  /**
   * The fields whose previous value transition rules need (empty when the contract has none): the
   * lake keeps only these per key to pass as `previous`.
   */
  readonly stateFields: readonly string[];
}

type Check = (record: Record<string, unknown>, out: Violation[], options: ValidateOptions | undefined) => void;

const FORMAT_NAMES: Record<string, string> = {
  email: 'a valid email address',
  uuid: 'a UUID',
  hostname: 'a hostname',
  uri: 'a URI',
  date: 'a date (YYYY-MM-DD)',
  'date-time': 'an ISO 8601 date-time with zone',
  'iso-3166-alpha2': 'an ISO 3166-1 alpha-2 country code (e.g. US, DE)',
  'iso-4217': 'an ISO 4217 currency code (e.g. USD, EUR)',
  e164: 'an E.164 phone number (e.g. +14155550100)',
};

function show(field: FieldSpec, value: unknown): unknown {
  return field.pii ? maskValue(value) : value;
}

function text(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function violation(field: FieldSpec, rule: string, value: unknown, message: string): Violation {
  return value === undefined ? { field: field.name, rule, message } : { field: field.name, rule, value: show(field, value), message };
}

function typeName(value: unknown): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** Builds the value check for one field (everything except presence). */
function valueCheck(field: FieldSpec, entity: string, clock: () => number, tolerance: number): (value: unknown, out: Violation[], options: ValidateOptions | undefined) => void {
  const name = field.name;
  const where = `${entity}.${name}`;
  const steps: ((value: any, out: Violation[], options: ValidateOptions | undefined) => boolean | void)[] = [];
  const t = field.logicalType;
  const expectString = t === 'string' || t === 'date' || t === 'timestamp' || t === 'time';
  if (expectString) {
    steps.push((v, out) => {
      if (typeof v === 'string') return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be a string (${t}), got ${typeName(v)} ${text(show(field, v))}.`));
      return false;
    });
  } else if (t === 'integer') {
    steps.push((v, out) => {
      if (typeof v === 'number' && Number.isInteger(v)) return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be an integer, got ${typeName(v)} ${text(show(field, v))}.`));
      return false;
    });
  } else if (t === 'number') {
    steps.push((v, out) => {
      if (typeof v === 'number' && Number.isFinite(v)) return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be a number, got ${typeName(v)} ${text(show(field, v))}.`));
      return false;
    });
  } else if (t === 'boolean') {
    steps.push((v, out) => {
      if (typeof v === 'boolean') return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be true or false, got ${typeName(v)}.`));
      return false;
    });
  } else if (t === 'array') {
    steps.push((v, out) => {
      if (Array.isArray(v)) return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be a list, got ${typeName(v)} ${text(show(field, v))}.`));
      return false;
    });
  } else if (t === 'object') {
    steps.push((v, out) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) return true;
      out.push(violation(field, 'type', v, `Field "${where}" must be an object, got ${typeName(v)}.`));
      return false;
    });
  }
  if (field.enum) {
    const allowed = new Set<unknown>(field.enum);
    const list = field.enum.join(', ');
    steps.push((v, out) => {
      if (allowed.has(v)) return true;
      out.push(violation(field, 'enum', v, `Field "${where}" has ${text(show(field, v))}, which is not one of: ${list}.`));
      return false;
    });
  }
  if (field.minLength !== undefined || field.maxLength !== undefined) {
    const min = field.minLength ?? 0;
    const max = field.maxLength ?? Infinity;
    steps.push((v: string, out) => {
      if (v.length >= min && v.length <= max) return;
      out.push(violation(field, v.length < min ? 'minLength' : 'maxLength', v, `Field "${where}" has length ${v.length}; it must be ${min}–${max === Infinity ? '∞' : max} characters.`));
    });
  }
  if (field.pattern !== undefined) {
    const re = new RegExp(field.pattern, 'u');
    steps.push((v: string, out) => {
      if (!re.test(v)) out.push(violation(field, 'pattern', v, `Field "${where}" value ${text(show(field, v))} does not match /${field.pattern}/.`));
    });
  }
  if (field.format !== undefined && expectString) {
    const fmt = FORMATS[field.format];
    const label = FORMAT_NAMES[field.format] ?? field.format;
    if (fmt)
      steps.push((v: string, out) => {
        if (fmt(v)) return true;
        out.push(violation(field, 'format', v, `Field "${where}" value ${text(show(field, v))} is not ${label}.`));
        return false;
      });
  }
  if (t === 'integer' || t === 'number') {
    const { minimum, maximum, exclusiveMinimum, exclusiveMaximum } = field;
    if (minimum !== undefined)
      steps.push((v: number, out) => {
        if (v < minimum) out.push(violation(field, 'minimum', v, `Field "${where}" is ${text(show(field, v))}; it must be ≥ ${minimum}.`));
      });
    if (maximum !== undefined)
      steps.push((v: number, out) => {
        if (v > maximum) out.push(violation(field, 'maximum', v, `Field "${where}" is ${text(show(field, v))}; it must be ≤ ${maximum}.`));
      });
    if (exclusiveMinimum !== undefined)
      steps.push((v: number, out) => {
        if (v <= exclusiveMinimum) out.push(violation(field, 'exclusiveMinimum', v, `Field "${where}" is ${text(show(field, v))}; it must be > ${exclusiveMinimum}.`));
      });
    if (exclusiveMaximum !== undefined)
      steps.push((v: number, out) => {
        if (v >= exclusiveMaximum) out.push(violation(field, 'exclusiveMaximum', v, `Field "${where}" is ${text(show(field, v))}; it must be < ${exclusiveMaximum}.`));
      });
  }
  if (field.notInFuture && (t === 'date' || t === 'timestamp'))
    steps.push((v: string, out) => {
      const at = Date.parse(t === 'date' ? `${v}T00:00:00Z` : v);
      if (at > clock() + tolerance) out.push(violation(field, 'not_in_future', v, `Field "${where}" is ${text(show(field, v))}, which is in the future.`));
    });
  if (t === 'array') steps.push(arrayCheck(field, where));
  if (field.transitions) {
    const transitions = field.transitions;
    steps.push((v, out, options) => {
      const previous = options?.previous?.[name];
      if (previous === undefined || previous === null || previous === v) return;
      const allowed = transitions[String(previous)];
      if (allowed && allowed.includes(String(v))) return;
      out.push(violation(field, 'transition', v, `Field "${where}" may not move from ${text(show(field, previous))} to ${text(show(field, v))}; allowed from ${text(previous)}: ${allowed && allowed.length ? allowed.join(', ') : 'none (terminal state)'}.`));
    });
  }
  if (field.reference) {
    const ref = field.reference;
    steps.push((v, out, options) => {
      if (!options?.exists) return;
      if (!options.exists(ref.entity, String(v)))
        out.push(violation(field, 'reference', v, `Field "${where}" refers to ${ref.entity} ${text(show(field, v))}, which does not exist (${ref.entity}.${ref.field}).`));
    });
  }
  const n = steps.length;
  return (value, out, options) => {
    for (let i = 0; i < n; i++) if (steps[i]!(value, out, options) === false) return;
  };
}

function arrayCheck(field: FieldSpec, where: string): (v: unknown[], out: Violation[]) => void {
  const items = field.items;
  const allowed = items?.enum ? new Set<unknown>(items.enum) : undefined;
  const fmt = items?.format ? FORMATS[items.format] : undefined;
  return (v, out) => {
    if (field.minItems !== undefined && v.length < field.minItems) out.push(violation(field, 'minItems', undefined, `Field "${where}" has ${v.length} items; at least ${field.minItems} required.`));
    if (field.maxItems !== undefined && v.length > field.maxItems) out.push(violation(field, 'maxItems', undefined, `Field "${where}" has ${v.length} items; at most ${field.maxItems} allowed.`));
    if (field.uniqueItems && new Set(v).size !== v.length) out.push(violation(field, 'uniqueItems', v, `Field "${where}" lists a value twice.`));
    for (const item of v) {
      if (items?.logicalType === 'string' && typeof item !== 'string') {
        out.push(violation(field, 'type', item, `Field "${where}" items must be strings, got ${typeName(item)}.`));
        continue;
      }
      if (allowed && !allowed.has(item)) out.push(violation(field, field.consentPurposes ? 'consent_purpose' : 'enum', item, `Field "${where}" lists ${text(show(field, item))}, which is not one of: ${[...allowed].join(', ')}.`));
      else if (fmt && typeof item === 'string' && !fmt(item)) out.push(violation(field, 'format', item, `Field "${where}" item ${text(show(field, item))} is not ${FORMAT_NAMES[items!.format!] ?? items!.format}.`));
    }
  };
}

function fieldCheck(field: FieldSpec, entity: string, clock: () => number, tolerance: number): Check {
  const name = field.name;
  const check = valueCheck(field, entity, clock, tolerance);
  const required = field.required;
  return (record, out, options) => {
    const value = record[name];
    if (value === undefined || value === null) {
      if (required && !(value === undefined && options?.partial === true))
        out.push({ field: name, rule: 'required', ...(value === null ? { value: null } : {}), message: `Field "${entity}.${name}" is required but ${value === null ? 'null' : 'missing'}.` });
      return;
    }
    check(value, out, options);
  };
}

/**
 * Compiles a contract into a validator. Compile once, validate many records.
 * @example
 * const validator = compileContract(readContractFile('contracts/lead.odcs.yaml'));
 * validator.validate({ lead_id: 'lead_1', email: 'x' }); // → [{ field: 'email', rule: 'format', … }]
 */
export function compileContract(contract: Contract, options: CompileOptions = {}): CompiledContract {
  const clock = options.clock ?? Date.now;
  const tolerance = options.futureToleranceMs ?? 0;
  const checks = contract.fields.map((f) => fieldCheck(f, contract.entity, clock, tolerance));
  const known = new Set(contract.fields.map((f) => f.name));
  const closed = contract.closed;
  const n = checks.length;
  const entity = contract.entity;
  return {
    entity,
    version: contract.version,
    keyFields: contract.keyFields,
    contract,
    isClosed: closed,
    stateFields: contract.fields.filter((f) => f.transitions).map((f) => f.name),
    validate(record, validateOptions) {
      const out: Violation[] = [];
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        out.push({ field: '', rule: 'type', message: `A ${entity} record must be a JSON object, got ${typeName(record)}.` });
        return out;
      }
      for (let i = 0; i < n; i++) checks[i]!(record, out, validateOptions);
      if (closed)
        for (const key in record)
          if (!known.has(key))
            out.push({ field: key, rule: 'unknown_field', message: `Field "${entity}.${key}" is not in contract ${contract.id}@${contract.version}, whose content model is closed (STRICT). Add the field to the contract (a minor version) or remove it from the data.` });
      return out;
    },
  };
}
