/**
 * Validates a data file (NDJSON or CSV) record by record against a compiled contract, streaming,
 * tracking each key's previous state in file order for transition rules.
 */
import { createReadStream, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse';
import { VerityError, toVerityError } from '../errors.js';
import type { Violation } from './types.js';
import type { CompiledContract } from './compile-contract.js';
import type { FieldSpec } from './contract-model.js';

/** The result for one record. */
export interface RecordResult {
  /** 1-based line (NDJSON) or data row (CSV, header excluded). */
  line: number;
  /** The entity key, JSON-encoded values in key order, when the record has one. */
  key?: string;
  /** The record's `_event_id` (generator output) or `event_id`, when present. */
  event_id?: string;
  violations: Violation[];
}

/** Counts over a whole file. */
export interface DataValidationSummary {
  file: string;
  entity: string;
  version: string;
  records: number;
  valid: number;
  invalid: number;
  byRule: Record<string, number>;
  byField: Record<string, number>;
}

/** Options for {@link validateDataFile}. */
export interface ValidateDataOptions {
  /** Keys of other entities for reference rules: entity → set of key strings. */
  lookups?: Record<string, ReadonlySet<string>>;
  /** Called for every record (valid or not), in file order. */
  onResult?: (result: RecordResult) => void;
  /** Fields starting with this prefix are metadata, not data (default `_`, e.g. `_event_id`). */
  metaPrefix?: string;
  /** Records are partial updates. */
  partial?: boolean;
  /** Largest accepted NDJSON line, in bytes (default 1 MiB); longer lines are reported, not parsed. */
  maxLineBytes?: number;
  /**
   * The field giving each record's event time, to order a key's states for transition rules
   * (default `updated_at` when the contract declares it; `null` for file order).
   */
  orderBy?: string | null;
  /** Largest accepted file, in bytes (default 10 GiB). */
  maxFileBytes?: number;
}

/** Turns CSV strings into the contract's types (empty cell → absent). */
function csvCoercer(fields: readonly FieldSpec[]): (row: Record<string, string>) => Record<string, unknown> {
  const byName = new Map(fields.map((f) => [f.name, f]));
  return (row) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) {
      if (v === '') continue;
      const f = byName.get(k);
      if (!f) out[k] = v;
      else if ((f.logicalType === 'integer' || f.logicalType === 'number') && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(v.trim())) out[k] = Number(v);
      else if (f.logicalType === 'boolean' && (v === 'true' || v === 'false')) out[k] = v === 'true';
      else if (f.logicalType === 'array') out[k] = v.startsWith('[') ? safeJson(v) : v.split(/[;|]/).map((s) => s.trim()).filter(Boolean);
      else if (f.logicalType === 'object') out[k] = safeJson(v);
      else out[k] = v;
    }
    return out;
  };
}

function safeJson(v: string): unknown {
  try {
    return JSON.parse(v);
  } catch {
    return v;
  }
}

async function* ndjsonRecords(file: string, maxLineBytes: number): AsyncGenerator<{ line: number; record?: Record<string, unknown>; error?: string }> {
  const rl = createInterface({ input: createReadStream(file, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  for await (const text of rl) {
    line++;
    if (text.trim() === '') continue;
    if (text.length > maxLineBytes) {
      yield { line, error: `line ${line} is ${text.length} characters, over the ${maxLineBytes} limit` };
      continue;
    }
    try {
      const value = JSON.parse(text) as unknown;
      if (value === null || typeof value !== 'object' || Array.isArray(value)) yield { line, error: `line ${line} is not a JSON object` };
      else yield { line, record: value as Record<string, unknown> };
    } catch (error) {
      yield { line, error: `line ${line} is not valid JSON: ${(error as Error).message}` };
    }
  }
}

async function* csvRecords(file: string, coerce: (row: Record<string, string>) => Record<string, unknown>): AsyncGenerator<{ line: number; record?: Record<string, unknown>; error?: string }> {
  const parser = createReadStream(file).pipe(parseCsv({ columns: true, bom: true, skip_empty_lines: true, relax_column_count: true, max_record_size: 1024 * 1024 }));
  let line = 0;
  try {
    for await (const row of parser) {
      line++;
      yield { line, record: coerce(row as Record<string, string>) };
    }
  } catch (error) {
    throw new VerityError('MALFORMED_INPUT', `${file}: CSV cannot be parsed after data row ${line}: ${(error as Error).message}. Check quoting and the header row.`, { cause: error });
  }
}

/**
 * Validates every record of `file` (`.ndjson`/`.jsonl` or `.csv`) and returns the summary;
 * per-record results go to `onResult`. State for transition rules is, per key and in file order,
 * the last value of each state field that was a valid state (an illegal move is reported once and
 * then is the source's truth; an invalid value makes the state unknown until the next record).
 * @example
 * const summary = await validateDataFile(validator, 'records/lead.ndjson', { onResult: (r) => r.violations.length && console.log(r) });
 */
export async function validateDataFile(validator: CompiledContract, file: string, options: ValidateDataOptions = {}): Promise<DataValidationSummary> {
  let size: number;
  try {
    size = statSync(file).size;
  } catch (error) {
    throw toVerityError(error);
  }
  const maxFile = options.maxFileBytes ?? 10 * 1024 ** 3;
  if (size > maxFile) throw new VerityError('PAYLOAD_TOO_LARGE', `${file} is ${size} bytes, over the ${maxFile}-byte limit; split it or raise the limit.`);
  const ext = extname(file).toLowerCase();
  const kind = ext === '.csv' ? 'csv' : ext === '.ndjson' || ext === '.jsonl' || ext === '.json' ? 'ndjson' : undefined;
  if (!kind) throw new VerityError('INVALID_ARGUMENT', `${file}: unknown data format "${ext}"; give a .ndjson, .jsonl or .csv file.`);
  const prefix = options.metaPrefix ?? '_';
  const stateSpecs = validator.contract.fields.filter((f) => f.transitions);
  const stateFields = stateSpecs.map((f) => f.name);
  const orderField = options.orderBy === null ? undefined : (options.orderBy ?? validator.contract.fields.find((f) => f.name === 'updated_at')?.name);
  const open = () => (kind === 'csv' ? csvRecords(file, csvCoercer(validator.contract.fields)) : ndjsonRecords(file, options.maxLineBytes ?? 1024 * 1024));
  const strip = (record: Record<string, unknown>) => {
    const data: Record<string, unknown> = {};
    for (const k in record) if (!k.startsWith(prefix)) data[k] = record[k];
    return data;
  };
  const keyOf = (data: Record<string, unknown>) => (validator.keyFields.every((k) => data[k] !== undefined && data[k] !== null) ? JSON.stringify(validator.keyFields.map((k) => data[k])) : undefined);
  // With an order field, a first pass orders each key's states by event time, so a record
  // delivered late or out of order is judged against the state before it in time, not in the file.
  const ordered = stateFields.length && orderField ? await statesInTimeOrder(open(), strip, keyOf, stateSpecs, orderField, (d) => validator.validate(d, { partial: true }).some((v) => v.field === orderField)) : undefined;
  const state = new Map<string, Record<string, unknown>>();
  const lookups = options.lookups ?? {};
  const exists = Object.keys(lookups).length ? (entity: string, key: string) => (lookups[entity] ? lookups[entity].has(key) : true) : undefined;
  const summary: DataValidationSummary = { file, entity: validator.entity, version: validator.version, records: 0, valid: 0, invalid: 0, byRule: {}, byField: {} };
  for await (const item of open()) {
    summary.records++;
    let violations: Violation[];
    let key: string | undefined;
    let eventId: string | undefined;
    if (!item.record) violations = [{ field: '', rule: 'malformed', message: item.error ?? 'unreadable record' }];
    else {
      const data = strip(item.record);
      const meta = item.record[`${prefix}event_id`] ?? item.record.event_id;
      if (typeof meta === 'string') eventId = meta;
      key = keyOf(data);
      const previous = key === undefined || !stateFields.length ? undefined : ordered ? ordered.previous.get(item.line) : state.get(key);
      violations = validator.validate(data, { ...(previous ? { previous } : {}), ...(exists ? { exists } : {}), ...(options.partial ? { partial: true } : {}) });
      if (ordered && key !== undefined) violations = explainedByFloating(validator, violations, previous, data, ordered.floating.get(key));
      if (key !== undefined && stateFields.length && !ordered) state.set(key, nextState(previous, data, stateSpecs));
    }
    if (violations.length === 0) summary.valid++;
    else {
      summary.invalid++;
      for (const v of violations) {
        summary.byRule[v.rule] = (summary.byRule[v.rule] ?? 0) + 1;
        if (v.field) summary.byField[v.field] = (summary.byField[v.field] ?? 0) + 1;
      }
    }
    options.onResult?.({ line: item.line, ...(key !== undefined ? { key } : {}), ...(eventId !== undefined ? { event_id: eventId } : {}), violations });
  }
  return summary;
}

/** True when `value` is a state the field may hold (in its valid values, when it declares them). */
function isState(field: FieldSpec, value: unknown): boolean {
  if (value === undefined || value === null) return false;
  return field.enum ? field.enum.includes(value as string) : typeof value === 'string';
}

/**
 * The state after a record: what the source sent, even after an illegal move (reported once, on
 * that record); a value that is not a valid state makes the state unknown, so the next record is
 * not judged against a guess.
 */
function nextState(previous: Record<string, unknown> | undefined, data: Record<string, unknown>, fields: readonly FieldSpec[]): Record<string, unknown> {
  const next: Record<string, unknown> = { ...(previous ?? {}) };
  for (const f of fields) {
    if (data[f.name] === undefined) continue;
    if (isState(f, data[f.name])) next[f.name] = data[f.name];
    else delete next[f.name];
  }
  return next;
}

async function statesInTimeOrder(
  source: AsyncIterable<{ line: number; record?: Record<string, unknown> }>,
  strip: (r: Record<string, unknown>) => Record<string, unknown>,
  keyOf: (d: Record<string, unknown>) => string | undefined,
  fields: readonly FieldSpec[],
  orderField: string,
  badTime: (data: Record<string, unknown>) => boolean,
): Promise<TimeOrderedStates> {
  const byKey = new Map<string, { line: number; t: number; values: Record<string, unknown> }[]>();
  const floating = new Map<string, Record<string, unknown>[]>();
  for await (const item of source) {
    if (!item.record) continue;
    const data = strip(item.record);
    const key = keyOf(data);
    if (key === undefined) continue;
    const values: Record<string, unknown> = {};
    for (const f of fields) if (data[f.name] !== undefined) values[f.name] = data[f.name];
    const hasTime = typeof data[orderField] === 'string';
    if (hasTime && badTime(data)) {
      // A time the contract rejects (e.g. in the future) cannot place the record: its state may
      // have happened at any point, so it is kept aside as a possible intermediate state.
      const states = Object.fromEntries(fields.filter((f) => isState(f, data[f.name])).map((f) => [f.name, data[f.name]]));
      if (Object.keys(states).length) floating.set(key, [...(floating.get(key) ?? []), states]);
      continue;
    }
    const t = hasTime ? Date.parse(data[orderField] as string) : NaN;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    // Without a time, a record keeps its place after the previous one of its key.
    list.push({ line: item.line, t: Number.isNaN(t) ? (list.at(-1)?.t ?? -Infinity) : t, values });
  }
  const previous = new Map<number, Record<string, unknown>>();
  for (const list of byKey.values()) {
    list.sort((a, b) => a.t - b.t || a.line - b.line);
    let state: Record<string, unknown> | undefined;
    for (const entry of list) {
      if (state && Object.keys(state).length) previous.set(entry.line, state);
      state = nextState(state, entry.values, fields);
    }
  }
  return { previous, floating };
}

/** Per line, the state before it in event time; per key, states of records that could not be placed in time. */
interface TimeOrderedStates {
  previous: Map<number, Record<string, unknown>>;
  floating: Map<string, Record<string, unknown>[]>;
}

/**
 * Drops a transition violation that an unplaced state of the same key explains: previous → s → value
 * is allowed for some state s whose time is unknown.
 */
function explainedByFloating(validator: CompiledContract, violations: Violation[], previous: Record<string, unknown> | undefined, data: Record<string, unknown>, floating: readonly Record<string, unknown>[] | undefined): Violation[] {
  if (!floating?.length || !previous) return violations;
  return violations.filter((v) => {
    if (v.rule !== 'transition') return true;
    const legal = (from: unknown, to: unknown) => !validator.validate({ [v.field]: to }, { partial: true, previous: { [v.field]: from } }).some((x) => x.rule === 'transition');
    return !floating.some((s) => s[v.field] !== undefined && legal(previous[v.field], s[v.field]) && legal(s[v.field], data[v.field]));
  });
}

/** Reads the key values of an entity from a data file (NDJSON or CSV), for reference lookups. */
export async function readKeySet(file: string, keyFields: readonly string[]): Promise<Set<string>> {
  const keys = new Set<string>();
  const ext = extname(file).toLowerCase();
  const source = ext === '.csv' ? csvRecords(file, (row) => row) : ndjsonRecords(file, 1024 * 1024);
  for await (const item of source) {
    if (!item.record) continue;
    const values = keyFields.map((k) => item.record![k]);
    if (values.every((v) => v !== undefined && v !== null)) keys.add(keyFields.length === 1 ? String(values[0]) : JSON.stringify(values));
  }
  return keys;
}
