import { mkdirSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { VerityError } from '../errors.js';
import { canonicalKeyOf } from '../staging/canonical.js';
import { computeDerived, conformValue } from './feature-values.js';
import type { Feature, FeatureContract, FeatureView } from './feature-view.js';
import type { OnlineCell, OnlineStore } from './online-store.js';

/** A served value's status: `OK`; `STALE` (older than the view's `maxAge`); `NOT_FOUND` (no value, or the record is deleted). */
export type FeatureStatus = 'OK' | 'STALE' | 'NOT_FOUND';

/** One served feature. */
export interface OnlineFeatureValue {
  value: unknown;
  status: FeatureStatus;
  /** The version time of the value (event time, or as-of time for windowed aggregates), ISO; null when not found. */
  event_time: string | null;
  /** Milliseconds between `event_time` and the read. */
  age_ms: number | null;
}

/** One served entity. */
export interface OnlineFeatureRow {
  /** The entity key as requested. */
  entity: Record<string, unknown>;
  /** The key actually read (differs when the requested record was merged into a survivor). */
  resolved_key: string;
  features: Record<string, OnlineFeatureValue>;
}

/** Options for {@link getOnlineFeatures}. */
export interface GetOnlineFeaturesOptions {
  tenant: string;
  /** Only these features (default all); derived features pull their inputs automatically. */
  features?: readonly string[];
  /** The read time (default now). */
  now?: Date;
  /** Where served lookups are logged for parity (NDJSON); see {@link createServingLog}. */
  log?: ServingLog;
}

/** Reserved cells: the record's state and, after a merge, its survivor. */
export const STATE_CELL = '$state';
export const MERGED_INTO_CELL = '$merged_into';

/** The most entities one lookup may ask for. */
export const MAX_ENTITIES_PER_LOOKUP = 1000;

/**
 * Reads a view's features for a batch of entities from an online store, with per-feature status
 * and age (enforcing the view's `maxAge`). A merged record is read through its survivor. Derived
 * features are computed here by the view's own functions (the same code as offline retrieval);
 * `timeSince` features are computed against the read time.
 * @example
 * const rows = await getOnlineFeatures(store, view, [{ contact_id: 'con_1' }], { tenant: 't01' });
 * rows[0].features.lead_score; // { value: 42, status: 'OK', event_time: '…', age_ms: 1200 }
 */
export async function getOnlineFeatures(store: OnlineStore, view: FeatureView, entities: ReadonlyArray<Record<string, unknown>>, options: GetOnlineFeaturesOptions): Promise<OnlineFeatureRow[]> {
  if (entities.length > MAX_ENTITIES_PER_LOOKUP) throw new VerityError('INVALID_ARGUMENT', `At most ${MAX_ENTITIES_PER_LOOKUP} entities per lookup (got ${entities.length}); split the batch.`);
  const plan = readPlan(view);
  const now = (options.now ?? new Date()).getTime();
  const wanted = options.features ? new Set(options.features) : undefined;
  if (wanted) for (const f of wanted) if (!plan.names.has(f)) throw new VerityError('INVALID_ARGUMENT', `Feature view "${view.name}" has no feature "${f}".`);
  const keys = entities.map((e, i) => entityKey(plan, view, e, i));
  let rows = await store.read(options.tenant, view.name, keys, plan.baseNames);
  const resolved = [...keys];
  for (let hop = 0; hop < 8; hop++) {
    const redirect = rows.map((r) => (r?.[MERGED_INTO_CELL]?.value ? String(r[MERGED_INTO_CELL].value) : undefined));
    const idx = redirect.flatMap((r, i) => (r ? [i] : []));
    if (idx.length === 0) break;
    const next = await store.read(options.tenant, view.name, idx.map((i) => redirect[i]!), plan.baseNames);
    rows = [...rows];
    idx.forEach((i, j) => {
      resolved[i] = redirect[i]!;
      rows[i] = next[j];
    });
  }
  const iso = new Map<number, string>();
  const isoOf = (t: number) => {
    let s = iso.get(t);
    if (s === undefined) iso.set(t, (s = new Date(t).toISOString()));
    return s;
  };
  const derivedFeatures = wanted ? plan.derived.filter((f) => wanted.has(f.name)) : plan.derived;
  // Without derived features only the requested base features need computing.
  const base = derivedFeatures.length || !wanted ? plan.base : plan.base.filter((f) => wanted.has(f.name));
  const maxAgeMs = view.maxAgeMs;
  const out: OnlineFeatureRow[] = new Array(entities.length);
  for (let i = 0; i < entities.length; i++) {
    const row = rows[i];
    const deleted = row?.[STATE_CELL]?.value === 'deleted';
    const features: Record<string, OnlineFeatureValue> = {};
    const baseValues: Record<string, unknown> | undefined = derivedFeatures.length ? {} : undefined;
    // For derived features: the oldest version time among found base values, and whether any is stale.
    let oldest: number | undefined;
    let anyStale = false;
    for (const f of base) {
      const cell: OnlineCell | undefined = row?.[f.name];
      let fv: OnlineFeatureValue;
      if (!cell || (f.own && deleted)) fv = { value: null, status: 'NOT_FOUND', event_time: null, age_ms: null };
      else {
        let value = cell.value;
        if (f.secondsSince) value = typeof value === 'number' ? (now - value) / 1000 : null;
        const et = cell.event_time;
        const age = now - et;
        const stale = maxAgeMs !== undefined && age > maxAgeMs;
        fv = { value: f.conform(value), status: stale ? 'STALE' : 'OK', event_time: isoOf(et), age_ms: age };
        if (baseValues) {
          // Versions are compared at millisecond precision, as their ISO form carries them.
          const etMs = Math.trunc(et);
          if (oldest === undefined || etMs < oldest) oldest = etMs;
          if (stale) anyStale = true;
        }
      }
      if (baseValues) baseValues[f.name] = fv.value;
      if (!wanted || wanted.has(f.name)) features[f.name] = fv;
    }
    if (baseValues) {
      const d = computeDerived(view, baseValues);
      for (const f of derivedFeatures) {
        features[f.name] =
          oldest === undefined
            ? { value: d[f.name] ?? null, status: 'NOT_FOUND', event_time: null, age_ms: null }
            : { value: d[f.name] ?? null, status: anyStale ? 'STALE' : 'OK', event_time: isoOf(oldest), age_ms: now - oldest };
      }
    }
    out[i] = { entity: entities[i]!, resolved_key: resolved[i]!, features };
  }
  options.log?.record({ at: new Date(now).toISOString(), tenant: options.tenant, view: view.name, view_version: view.version, rows: out });
  return out;
}

/** A base feature as a read needs it. */
interface BaseRead {
  name: string;
  /** `lastValue`/`timeSince`: absent when the record is deleted. */
  own: boolean;
  /** The stored value is a timestamp; the served value is seconds since it. */
  secondsSince: boolean;
  conform: (value: unknown) => unknown;
}

/** What a read of a view needs, worked out once per view (views are frozen). */
interface ReadPlan {
  names: ReadonlySet<string>;
  base: readonly BaseRead[];
  baseNames: readonly string[];
  derived: readonly Feature[];
  /** The view's key fields in canonical (sorted) order. */
  sortedKeys: readonly string[];
}

const plans = new WeakMap<FeatureView, ReadPlan>();

function readPlan(view: FeatureView): ReadPlan {
  let plan = plans.get(view);
  if (plan) return plan;
  const base = view.features.filter((f) => f.kind !== 'derived');
  plan = {
    names: new Set(view.features.map((f) => f.name)),
    base: base.map((f) => ({
      name: f.name,
      own: f.kind === 'last_value' || f.kind === 'time_since',
      secondsSince: f.kind === 'time_since' || (f.kind === 'aggregate' && f.timeSince),
      conform: conformer(f.contract),
    })),
    baseNames: base.map((f) => f.name),
    derived: view.features.filter((f) => f.kind === 'derived'),
    sortedKeys: [...view.keys].sort(),
  };
  plans.set(view, plan);
  return plan;
}

/** {@link conformValue}'s value, with the common case (a finite number under a plain numeric contract) answered without allocating. */
function conformer(contract: FeatureContract): (value: unknown) => unknown {
  const plainNumber = (contract.type === 'number' || contract.type === 'integer') && contract.min === undefined && contract.max === undefined && contract.allowed === undefined;
  const integer = contract.type === 'integer';
  return (value) => {
    if (plainNumber && typeof value === 'number' && Number.isFinite(value) && (!integer || Number.isInteger(value))) return value;
    return conformValue(contract, value).value;
  };
}

/** The canonical key of a requested entity (its view's key fields), checking each is a string or number. */
function entityKey(plan: ReadPlan, view: FeatureView, entity: Record<string, unknown>, i: number): string {
  for (const field of plan.sortedKeys) {
    const v = entity[field];
    if (typeof v !== 'string' && typeof v !== 'number') throw new VerityError('INVALID_ARGUMENT', `Entity ${i} lacks key field "${field}" of view "${view.name}" (a string or number).`);
  }
  return canonicalKeyOf(entity, plan.sortedKeys);
}

/** One logged lookup. */
export interface ServingLogEntry {
  at: string;
  tenant: string;
  view: string;
  view_version: string;
  rows: OnlineFeatureRow[];
}

/** Where served lookups go, for `verity features parity`. */
export interface ServingLog {
  record(entry: ServingLogEntry): void;
  /** Resolves once every entry recorded so far is written (or its write failed). */
  flush?(): Promise<void>;
}

/** How long recorded lookups wait before they are appended, at most. */
const SERVING_LOG_FLUSH_MS = 50;
/** The size of a buffer of pending lines; a full one is appended at once, without waiting for the timer. */
const SERVING_LOG_BUFFER_BYTES = 1 << 20;

/**
 * An NDJSON serving log: one line per served entity `{at, tenant, view, view_version, entity, features: {name: value}}`.
 * Lines are encoded at once into an off-heap buffer (so no per-lookup string outlives the request
 * and the garbage collector never copies pending lines) and appended off the request path within
 * 50 ms, or as soon as 1 MB is pending, one `appendFile` per flush: a lookup never waits on the
 * disk and a slow disk never stalls the event loop. Each flush opens the file anew, so log rotation
 * by rename works. Best effort: a failing disk never fails a lookup, and a crash loses at most the
 * last 50 ms of lines. The pending timer keeps the process alive until the lines are written;
 * `flush()` writes them now.
 */
export function createServingLog(file: string): ServingLog & { flush(): Promise<void> } {
  mkdirSync(dirname(file), { recursive: true });
  let buffer = Buffer.allocUnsafe(SERVING_LOG_BUFFER_BYTES);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  const append = (bytes: Buffer): void => {
    writing = writing.then(() =>
      appendFile(file, bytes).catch(() => {
        // Logging is best effort: serving must not fail because the log cannot be written.
      }),
    );
  };
  const flush = (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (used > 0) {
      append(buffer.subarray(0, used));
      buffer = Buffer.allocUnsafe(SERVING_LOG_BUFFER_BYTES);
      used = 0;
    }
    return writing;
  };
  return {
    record(entry) {
      for (const r of entry.rows) {
        const values: Record<string, unknown> = {};
        for (const n in r.features) values[n] = r.features[n]!.value;
        const line = JSON.stringify({ at: entry.at, tenant: entry.tenant, view: entry.view, view_version: entry.view_version, entity: r.entity, features: values }) + '\n';
        // A UTF-8 line takes at most 3 bytes per UTF-16 unit.
        if (used + line.length * 3 > buffer.length) {
          void flush();
          if (line.length * 3 > buffer.length) {
            append(Buffer.from(line));
            continue;
          }
        }
        used += buffer.write(line, used);
      }
      if (used > 0) timer ??= setTimeout(() => void flush(), SERVING_LOG_FLUSH_MS);
    },
    flush,
  };
}
