import { createHash } from 'node:crypto';
import { VerityError } from '../errors.js';
import { parseDuration, type Duration } from './duration.js';

/** The value type of a feature. */
export type FeatureType = 'number' | 'integer' | 'string' | 'boolean' | 'timestamp';

/** A feature's contract: its type, what a null means, and the values it may take. */
export interface FeatureContract {
  type: FeatureType;
  /** `allow` (default): null passes through; `forbid`: a null is a violation; `{ fill }`: null becomes `fill`. */
  nulls?: 'allow' | 'forbid' | { fill: string | number | boolean };
  /** Allowed range (numbers, inclusive). */
  min?: number;
  max?: number;
  /** Allowed values (strings). */
  allowed?: Array<string | number | boolean>;
}

/** Which events of another entity a windowed aggregate reads. */
export interface EventSelection {
  /** The entity whose events are aggregated (e.g. `activity`). */
  from: string;
  /** View key → the field of `from` holding it. Default: each view key to the field of the same name. */
  on?: Record<string, string>;
  /** Equality filters on the event's fields; an array means "any of". */
  where?: Record<string, string | number | boolean | Array<string | number | boolean>>;
  /** The window ending at the row's timestamp, e.g. `7d` (events with t - window < event_time <= t). */
  window: Duration;
}

/** Aggregation functions over events. */
export type AggregateFunction = 'count' | 'sum' | 'avg' | 'min' | 'max' | 'distinct' | 'last_time';

/** A feature as written in a definition (before normalisation). */
export type FeatureSpec =
  | { kind: 'last_value'; field: string; contract?: Partial<FeatureContract> }
  | { kind: 'time_since'; field: string; contract?: Partial<FeatureContract> }
  | { kind: 'aggregate'; fn: AggregateFunction; field?: string; events: EventSelection; timeSince?: boolean; contract?: Partial<FeatureContract> }
  | { kind: 'derived'; compute: (features: Record<string, unknown>) => unknown; contract?: Partial<FeatureContract> };

/** A normalised feature of a {@link FeatureView}. */
export type Feature =
  | { name: string; kind: 'last_value'; field: string; contract: FeatureContract }
  | { name: string; kind: 'time_since'; field: string; contract: FeatureContract }
  | {
      name: string;
      kind: 'aggregate';
      fn: AggregateFunction;
      field: string | undefined;
      from: string;
      on: Record<string, string>;
      where: Record<string, Array<string | number | boolean>>;
      windowMs: number;
      /** For `timeSinceLast`: the value is seconds since the newest matching event. */
      timeSince: boolean;
      contract: FeatureContract;
    }
  | { name: string; kind: 'derived'; compute: (features: Record<string, unknown>) => unknown; contract: FeatureContract };

/** What {@link defineFeatureView} takes. */
export interface FeatureViewDefinition {
  /** Unique name, `[a-z][a-z0-9_-]*`. */
  name: string;
  /** The entity the view describes (rows are keyed by its keys), e.g. `contact`. */
  entity: string;
  /** The entity key fields, in order (composite keys are first-class). */
  keys: string[];
  /** The entity whose history `lastValue`/`timeSince` read. Default: `entity`. */
  source?: string;
  features: Record<string, FeatureSpec>;
  /** How far back a version may be and still count offline (default `365d`). */
  lookback?: Duration;
  /** How old an online value may be before it is `STALE` (default: never). */
  maxAge?: Duration;
  owner?: string;
  description?: string;
  tags?: string[];
}

/** A defined feature view: normalised, with its content-hash `version`. */
export interface FeatureView {
  readonly name: string;
  readonly entity: string;
  readonly keys: readonly string[];
  readonly source: string;
  readonly features: readonly Feature[];
  readonly lookbackMs: number;
  readonly maxAgeMs: number | undefined;
  readonly owner: string | undefined;
  readonly description: string | undefined;
  readonly tags: readonly string[];
  /** `sha256:` + first 16 hex of the hash of the canonical definition (derived functions' source included). */
  readonly version: string;
  /** Marks objects made by {@link defineFeatureView}. */
  readonly kind: 'verity.feature-view';
}

const NAME = /^[a-z][a-z0-9_-]{0,63}$/;
const FIELD = /^[A-Za-z_$][A-Za-z0-9_]{0,127}$/;

/** The last known value of a field of the view's source entity. */
export function lastValue(field: string, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'last_value', field, contract };
}

/** Seconds from a timestamp field (or `$event_time`, the newest version's event time) to the row's time. */
export function timeSince(field: string, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'time_since', field, contract: { type: 'number', ...contract } };
}

/** Number of matching events in the window. */
export function count(events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'count', events, contract: { type: 'integer', ...contract } };
}
/** Sum of a numeric field over matching events in the window (0 when none). */
export function sum(field: string, events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'sum', field, events, contract: { type: 'number', ...contract } };
}
/** Mean of a numeric field over matching events in the window (null when none). */
export function avg(field: string, events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'avg', field, events, contract: { type: 'number', ...contract } };
}
/** Minimum of a numeric field over matching events in the window. */
export function min(field: string, events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'min', field, events, contract: { type: 'number', ...contract } };
}
/** Maximum of a numeric field over matching events in the window. */
export function max(field: string, events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'max', field, events, contract: { type: 'number', ...contract } };
}
/** Number of distinct non-null values of a field over matching events in the window. */
export function distinct(field: string, events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'distinct', field, events, contract: { type: 'integer', ...contract } };
}
/** Seconds since the newest matching event in the window (null when none). */
export function timeSinceLast(events: EventSelection, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'aggregate', fn: 'last_time', events, timeSince: true, contract: { type: 'number', ...contract } };
}
/** A value computed in TypeScript from the view's other (non-derived) features; the same function runs offline and online. */
export function derived(compute: (features: Record<string, unknown>) => unknown, contract: Partial<FeatureContract> = {}): FeatureSpec {
  return { kind: 'derived', compute, contract: { type: 'number', ...contract } };
}

function bad(view: string, message: string): VerityError {
  return new VerityError('INVALID_ARGUMENT', `Feature view "${view}": ${message}`);
}

/**
 * Defines a feature view: features as code, versioned by content hash.
 * @example
 * export default defineFeatureView({
 *   name: 'contact_engagement', entity: 'contact', keys: ['contact_id'],
 *   features: {
 *     lead_score: lastValue('lead_score', { type: 'integer', min: 0, max: 100 }),
 *     emails_opened_7d: count({ from: 'activity', where: { type: 'email_opened' }, window: '7d' }),
 *   },
 *   maxAge: '1d', owner: 'growth-ml',
 * });
 */
export function defineFeatureView(definition: FeatureViewDefinition): FeatureView {
  const name = definition?.name;
  if (typeof name !== 'string' || !NAME.test(name)) throw new VerityError('INVALID_ARGUMENT', `Feature view name ${JSON.stringify(name)} must match ${NAME}.`);
  if (typeof definition.entity !== 'string' || !NAME.test(definition.entity)) throw bad(name, `entity ${JSON.stringify(definition.entity)} is not a valid entity name.`);
  if (!Array.isArray(definition.keys) || definition.keys.length === 0 || definition.keys.some((k) => typeof k !== 'string' || !FIELD.test(k)))
    throw bad(name, 'keys must be a non-empty list of field names.');
  if (new Set(definition.keys).size !== definition.keys.length) throw bad(name, 'keys must not repeat.');
  const source = definition.source ?? definition.entity;
  const features: Feature[] = [];
  const entries = Object.entries(definition.features ?? {});
  if (entries.length === 0) throw bad(name, 'defines no features.');
  for (const [fname, spec] of entries) {
    if (!FIELD.test(fname) || fname.startsWith('$')) throw bad(name, `feature name "${fname}" must be an identifier.`);
    if (definition.keys.includes(fname)) throw bad(name, `feature "${fname}" has the name of a key.`);
    const contract = normaliseContract(name, fname, spec?.contract);
    switch (spec?.kind) {
      case 'last_value':
      case 'time_since':
        if (typeof spec.field !== 'string' || !(FIELD.test(spec.field) || spec.field === '$event_time')) throw bad(name, `feature "${fname}": field ${JSON.stringify(spec.field)} is not a field name.`);
        features.push({ name: fname, kind: spec.kind, field: spec.field, contract });
        break;
      case 'aggregate': {
        const ev = spec.events;
        if (!ev || typeof ev.from !== 'string' || !NAME.test(ev.from)) throw bad(name, `feature "${fname}": events.from must name an entity.`);
        const on = ev.on ?? Object.fromEntries(definition.keys.map((k) => [k, k]));
        if (Object.keys(on).sort().join() !== [...definition.keys].sort().join()) throw bad(name, `feature "${fname}": events.on must map every view key (${definition.keys.join(', ')}).`);
        if (spec.fn !== 'count' && spec.fn !== 'last_time' && (typeof spec.field !== 'string' || !FIELD.test(spec.field))) throw bad(name, `feature "${fname}": ${spec.fn} needs a field.`);
        const where: Record<string, Array<string | number | boolean>> = {};
        for (const [f, v] of Object.entries(ev.where ?? {})) {
          if (!FIELD.test(f)) throw bad(name, `feature "${fname}": where field "${f}" is not a field name.`);
          where[f] = Array.isArray(v) ? v : [v];
        }
        features.push({
          name: fname,
          kind: 'aggregate',
          fn: spec.fn,
          field: spec.field,
          from: ev.from,
          on,
          where,
          windowMs: parseDuration(ev.window, `window of feature "${fname}"`),
          timeSince: spec.timeSince === true,
          contract,
        });
        break;
      }
      case 'derived':
        if (typeof spec.compute !== 'function') throw bad(name, `feature "${fname}": derived needs a function.`);
        features.push({ name: fname, kind: 'derived', compute: spec.compute, contract });
        break;
      default:
        throw bad(name, `feature "${fname}" is not a feature (use lastValue, timeSince, count, sum, avg, min, max, distinct, timeSinceLast or derived).`);
    }
  }
  const view = {
    name,
    entity: definition.entity,
    keys: [...definition.keys],
    source,
    features,
    lookbackMs: parseDuration(definition.lookback ?? '365d', 'lookback'),
    maxAgeMs: definition.maxAge === undefined ? undefined : parseDuration(definition.maxAge, 'maxAge'),
    owner: definition.owner,
    description: definition.description,
    tags: [...(definition.tags ?? [])],
    kind: 'verity.feature-view' as const,
  };
  const canonical = JSON.stringify({ ...view, features: features.map((f) => (f.kind === 'derived' ? { ...f, compute: f.compute.toString() } : f)) });
  const version = 'sha256:' + createHash('sha256').update(canonical).digest('hex').slice(0, 16);
  return Object.freeze({ ...view, version });
}

function normaliseContract(view: string, feature: string, c: Partial<FeatureContract> | undefined): FeatureContract {
  const type = c?.type ?? 'string';
  if (!['number', 'integer', 'string', 'boolean', 'timestamp'].includes(type)) throw bad(view, `feature "${feature}": type "${type}" is not one of number, integer, string, boolean, timestamp.`);
  const out: FeatureContract = { type };
  if (c?.nulls !== undefined) out.nulls = c.nulls;
  if (c?.min !== undefined) out.min = c.min;
  if (c?.max !== undefined) out.max = c.max;
  if (c?.allowed !== undefined) out.allowed = [...c.allowed];
  return out;
}

/** True when `value` is a {@link FeatureView}. */
export function isFeatureView(value: unknown): value is FeatureView {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'verity.feature-view';
}

/** The features of a view that are computed from stored history (everything but `derived`). */
export function baseFeatures(view: FeatureView): Feature[] {
  return view.features.filter((f) => f.kind !== 'derived');
}
