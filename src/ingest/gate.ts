import type { ContractResolver, RecordValidator, ValidateOptions, Violation } from '../contracts/types.js';
import type { Envelope, EnvelopeOp } from '../envelope.js';

/**
 * The ingest gate (DESIGN.md section 5): checks an incoming envelope's shape, dedupes it on
 * `(tenant_id, event_id)`, validates its payload against the entity's current contract and
 * decides its zone. It is pure over an index of what the lake already holds; the lake applies
 * each decision to its index before deciding the next event, so a batch is gated in order.
 *
 * Reason codes: `envelope:<field>` (the envelope itself is malformed), `contract:<rule>` (one per
 * distinct violated rule, e.g. `contract:format`, `contract:enum`, `contract:transition`),
 * `contract:no_contract` (a resolver is set but has no contract for the entity),
 * `contract:validator_error` (the validator threw) and, for items a source could not decode,
 * `undecodable:<code>`.
 */

/** What the gate needs to know about the lake. */
export interface GateIndex {
  hasSeen(tenant_id: string, event_id: string): boolean;
  /** The latest known state of a record (for transition rules). */
  previous(tenant_id: string, entity: string, key: string): Record<string, unknown> | undefined;
  /** Whether a record of `entity` with this reference key exists in the raw zone. */
  exists(tenant_id: string, entity: string, key: string): boolean;
}

/** The gate's verdict on one envelope. */
export type GateDecision =
  | {
      status: 'accepted';
      envelope: Envelope;
      schemaVersion: string | null;
      stateFields?: readonly string[];
      /** The input already was in normal form (same fields and values): its original text may be stored as is. */
      canonical: boolean;
    }
  | { status: 'duplicate'; event_id: string; tenant_id: string }
  | {
      status: 'quarantined';
      tenant_id: string;
      entity: string;
      event_id: string | null;
      reasons: string[];
      violations: Violation[];
      contractVersion: string | null;
    };

/** The ingest gate. */
export interface Gate {
  /** True when a contract resolver is set (payloads are validated). */
  readonly validating: boolean;
  /** Decides one incoming envelope (any value: it is checked first). */
  decide(input: unknown, index: GateIndex, options?: { skipDedupe?: boolean }): GateDecision;
}

/** Options of {@link createGate}. */
export interface GateOptions {
  /** Validates payloads; absent means every well-formed envelope passes. */
  contracts?: ContractResolver;
  /**
   * Quarantine events whose references (e.g. `contact.account_id`) name a record the lake has not
   * seen (default false). CRM sources deliver parents and children on independent streams — HubSpot
   * contacts often arrive before the Salesforce account sync — so at the gate a missing parent
   * usually means "not yet", not "never". Orphans are found downstream instead
   * (`verity contract validate --lookup`, staging) where the whole history is known.
   */
  checkReferences?: boolean;
}

/** Reserved key of a record state held by the lake: the event time of the newest event folded into it. */
export const STATE_TIME = '__event_time';

/** Tenant ids: the same rule as the project config's `tenant`. */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
/** Entity names: lower-case identifiers. */
export const ENTITY_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
/** The shape of {@link isCanonicalTime} per position: 0 for a digit, else the character itself. */
const TIME_SHAPE = Uint8Array.from('0000-00-00T00:00:00.000Z', (ch) => (ch === '0' ? 0 : ch.charCodeAt(0)));

/**
 * Whether `s` is a time in the data model's own form (UTC, milliseconds), taken as is without a
 * Date round trip: `/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d\.\d{3}Z$/`,
 * checked by character codes (the regular expression was a tenth of the gate's time per webhook event).
 */
export function isCanonicalTime(s: string): boolean {
  if (s.length !== 24) return false;
  for (let i = 0; i < 24; i++) {
    const c = s.charCodeAt(i);
    const want = TIME_SHAPE[i]!;
    if (want === 0 ? c < 48 || c > 57 : c !== want) return false;
  }
  const d = (i: number) => s.charCodeAt(i) - 48;
  const month = d(5) * 10 + d(6);
  const day = d(8) * 10 + d(9);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && d(11) * 10 + d(12) <= 23 && d(14) <= 5 && d(17) <= 5;
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;
const OPS: ReadonlySet<string> = new Set<EnvelopeOp>(['upsert', 'delete', 'merge', 'snapshot', 'truncate']);
/**
 * Names already seen to match a pattern. A batch names a handful of tenants and entities over and
 * over; a set lookup on such a short string is cheaper than running the pattern again.
 */
function knownGood(pattern: RegExp): (name: string) => boolean {
  const good = new Set<string>();
  return (name) => {
    if (good.has(name)) return true;
    if (!pattern.test(name)) return false;
    if (good.size >= 4096) good.clear();
    good.add(name);
    return true;
  };
}

/** `TENANT_ID_PATTERN.test(id)`, remembering the ids that passed. */
export const isTenantId = knownGood(TENANT_ID_PATTERN);
const isEntityName = knownGood(ENTITY_PATTERN);

/** The longest event_id accepted. */
export const MAX_EVENT_ID = 512;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (x: unknown) => typeof x === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
/** The number of fields of an entity key object, or -1 when `v` is not one (an object of string or finite number values). */
function keySize(v: unknown): number {
  if (!isObject(v)) return -1;
  let n = 0;
  for (const k in v) {
    const x = v[k];
    if (typeof x !== 'string' && !(typeof x === 'number' && Number.isFinite(x))) return -1;
    n++;
  }
  return n;
}
const isKey = (v: unknown): v is Record<string, string | number> => keySize(v) >= 0;

/** The reference-check key of an entity key: the value of a single-field key, else the JSON array of its values. */
export function referenceKeyOf(key: Record<string, string | number>): string {
  let first: string | number | undefined;
  let count = 0;
  for (const k in key) {
    if (count++ === 0) first = key[k];
    else break;
  }
  if (count === 1) return typeof first === 'string' ? first : String(first);
  return JSON.stringify(Object.values(key));
}

/** Adds an envelope violation to `violations` (created on the first one) and returns the list. */
function envelopeViolation(violations: Violation[] | undefined, field: string, message: string): Violation[] {
  const list = violations ?? [];
  list.push({ field, rule: 'envelope', message });
  return list;
}

/**
 * Checks an envelope's shape and returns a normalised copy (known fields only, optional fields
 * omitted when absent, lake-assigned fields dropped) or the violations of the envelope itself.
 */
export function normaliseEnvelope(input: unknown): { envelope: Envelope; canonical: boolean } | { violations: Violation[] } {
  const out = checkEnvelope(input);
  return Array.isArray(out) ? { violations: out } : { envelope: out, canonical: lastCanonical };
}

/** Set by {@link checkEnvelope}: whether the envelope it returned is the input itself (already in normal form). */
let lastCanonical = false;

/**
 * {@link normaliseEnvelope} without a result object per call (the gate's hot path): returns the
 * envelope in normal form (the input itself when it already is, see `lastCanonical`) or the violations.
 */
function checkEnvelope(input: unknown): Envelope | Violation[] {
  if (!isObject(input)) return [{ field: '', rule: 'envelope', message: 'The envelope is not a JSON object.' }];
  let violations: Violation[] | undefined;
  const e = input;
  if (typeof e.event_id !== 'string' || e.event_id.length === 0 || e.event_id.length > MAX_EVENT_ID) violations = envelopeViolation(violations, 'event_id', `event_id must be a non-empty string of at most ${MAX_EVENT_ID} characters.`);
  if (typeof e.tenant_id !== 'string' || !isTenantId(e.tenant_id)) violations = envelopeViolation(violations, 'tenant_id', 'tenant_id must match [A-Za-z0-9_.-]{1,64}.');
  if (typeof e.entity !== 'string' || !isEntityName(e.entity)) violations = envelopeViolation(violations, 'entity', 'entity must be a lower-case identifier ([a-z][a-z0-9_]*).');
  if (typeof e.op !== 'string' || !OPS.has(e.op)) violations = envelopeViolation(violations, 'op', 'op must be one of upsert, delete, merge, snapshot, truncate.');
  const keyFields = keySize(e.entity_key);
  if (keyFields < 0 || (keyFields === 0 && e.op !== 'truncate')) violations = envelopeViolation(violations, 'entity_key', 'entity_key must be a non-empty object of string or number values.');
  if (e.merged_into !== undefined && e.merged_into !== null && !isKey(e.merged_into)) violations = envelopeViolation(violations, 'merged_into', 'merged_into must be an entity key object.');
  if (e.op === 'merge' && !isKey(e.merged_into)) violations = envelopeViolation(violations, 'merged_into', 'a merge needs merged_into.');
  const canonicalTime = typeof e.event_time === 'string' && isCanonicalTime(e.event_time);
  if (!canonicalTime && (typeof e.event_time !== 'string' || !ISO_TIME.test(e.event_time) || Number.isNaN(Date.parse(e.event_time)))) violations = envelopeViolation(violations, 'event_time', 'event_time must be an ISO 8601 date-time with a zone, e.g. 2026-03-01T12:00:00.000Z.');
  const s = e.source;
  if (!isObject(s) || typeof s.system !== 'string' || s.system.length === 0 || typeof s.connector !== 'string' || (typeof s.position !== 'string' && typeof s.position !== 'number'))
    violations = envelopeViolation(violations, 'source', 'source must be {system, connector, position} with string values.');
  if (!isObject(e.payload)) violations = envelopeViolation(violations, 'payload', 'payload must be a JSON object.');
  if (e.changed_fields !== undefined && e.changed_fields !== null && !isStringArray(e.changed_fields)) violations = envelopeViolation(violations, 'changed_fields', 'changed_fields must be an array of strings.');
  if (e.consent !== undefined && e.consent !== null && !isStringArray(e.consent)) violations = envelopeViolation(violations, 'consent', 'consent must be an array of strings.');
  if (e.before !== undefined && e.before !== null && !isObject(e.before)) violations = envelopeViolation(violations, 'before', 'before must be a JSON object (the record before the change) or absent.');
  if (violations) return violations;
  const src = s as Record<string, unknown>;
  let inputFields = 0;
  for (const _ in e) inputFields++;
  let sourceFields = 0;
  for (const _ in src) sourceFields++;
  const expected = 8 + (e.merged_into !== undefined ? 1 : 0) + (e.changed_fields !== undefined ? 1 : 0) + (e.consent !== undefined ? 1 : 0);
  // Already in normal form (the common case): use the input itself, no copy.
  if (canonicalTime && inputFields === expected && e.merged_into !== null && e.changed_fields !== null && e.consent !== null && typeof src.position === 'string' && sourceFields === 3) {
    lastCanonical = true;
    return input as unknown as Envelope;
  }
  lastCanonical = false;
  const envelope: Envelope = {
    event_id: e.event_id as string,
    tenant_id: e.tenant_id as string,
    entity: e.entity as string,
    entity_key: e.entity_key as Record<string, string | number>,
    op: e.op as EnvelopeOp,
    // Normalised to milliseconds in UTC (the data model's form), so the log tail and Parquet agree.
    event_time: canonicalTime ? (e.event_time as string) : new Date(Date.parse(e.event_time as string)).toISOString(),
    source: { system: src.system as string, connector: src.connector as string, position: String(src.position) },
    payload: e.payload as Record<string, unknown>,
  };
  if (isKey(e.merged_into)) envelope.merged_into = e.merged_into;
  if (Array.isArray(e.changed_fields)) envelope.changed_fields = e.changed_fields as string[];
  if (Array.isArray(e.consent)) envelope.consent = e.consent as string[];
  return envelope;
}

/** Reason codes of a list of violations, deduplicated, in first-seen order. */
export function reasonsOf(violations: readonly Violation[], prefix = 'contract'): string[] {
  return [...new Set(violations.map((v) => (v.rule === 'envelope' ? `envelope:${v.field || 'shape'}` : `${prefix}:${v.rule}`)))];
}

/** Creates the gate. */
/**
 * The fields whose previous values a validator's transition rules read: its `stateFields` when
 * it declares them, else the fields with `transitions` of the contract it was compiled from
 * (`CompiledContract.contract.fields`), else undefined (unknown: keep every scalar field).
 */
export function stateFieldsOf(validator: RecordValidator): readonly string[] | undefined {
  const declared = (validator as { stateFields?: unknown }).stateFields;
  if (Array.isArray(declared)) return declared as string[];
  const fields = (validator as { contract?: { fields?: unknown } }).contract?.fields;
  if (Array.isArray(fields)) return (fields as Array<{ name?: unknown; transitions?: unknown }>).filter((f) => f.transitions && typeof f.name === 'string').map((f) => f.name as string);
  return undefined;
}

function quarantineDecision(envelope: Envelope, violations: Violation[], version: string | null): GateDecision {
  return { status: 'quarantined', tenant_id: envelope.tenant_id, entity: envelope.entity, event_id: envelope.event_id, reasons: reasonsOf(violations), violations, contractVersion: version };
}

const NO_OPTIONS: { skipDedupe?: boolean } = Object.freeze({});
/** The validate options of the common case (no previous state, no reference checks), shared by every call. */
const PARTIAL: ValidateOptions = Object.freeze({ partial: true });
const FULL: ValidateOptions = Object.freeze({ partial: false });

export function createGate(options: GateOptions = {}): Gate {
  const contracts = options.contracts;
  const checkReferences = options.checkReferences === true;
  // One `exists` function for every call (validation is synchronous), instead of a closure per event.
  let currentIndex: GateIndex | undefined;
  let currentTenant = '';
  const exists = (entity: string, key: string): boolean => currentIndex!.exists(currentTenant, entity, key);
  const stateFieldsCache = new WeakMap<RecordValidator, readonly string[] | undefined>();
  let lastValidator: RecordValidator | undefined;
  let lastStateFields: readonly string[] | undefined;
  return {
    validating: contracts !== undefined,
    decide(input, index, decideOptions = NO_OPTIONS) {
      const normal = checkEnvelope(input);
      const skipDedupe = decideOptions.skipDedupe === true;
      if (Array.isArray(normal)) {
        const raw = isObject(input) ? input : {};
        const tenant = typeof raw.tenant_id === 'string' && TENANT_ID_PATTERN.test(raw.tenant_id) ? raw.tenant_id : '_invalid';
        const entity = typeof raw.entity === 'string' && ENTITY_PATTERN.test(raw.entity) ? raw.entity : '_invalid';
        const eventId = typeof raw.event_id === 'string' && raw.event_id.length > 0 && raw.event_id.length <= MAX_EVENT_ID ? raw.event_id : null;
        if (eventId !== null && tenant !== '_invalid' && !skipDedupe && index.hasSeen(tenant, eventId)) return { status: 'duplicate', event_id: eventId, tenant_id: tenant };
        return { status: 'quarantined', tenant_id: tenant, entity, event_id: eventId, reasons: reasonsOf(normal), violations: normal, contractVersion: null };
      }
      const envelope = normal;
      const canonical = lastCanonical;
      const tenant = envelope.tenant_id;
      if (!skipDedupe && index.hasSeen(tenant, envelope.event_id)) return { status: 'duplicate', event_id: envelope.event_id, tenant_id: tenant };
      if (!contracts) return { status: 'accepted', envelope, schemaVersion: null, canonical };
      const validator = contracts.validatorFor(envelope.entity, tenant);
      if (!validator) return quarantineDecision(envelope, [{ field: '', rule: 'no_contract', message: `No contract for entity "${envelope.entity}" (tenant ${tenant}). Add contracts/${envelope.entity}.yaml, then run \`verity quarantine replay\`.` }], null);
      let violations: Violation[] | undefined;
      if (envelope.op !== 'truncate') {
        const keyFields = validator.keyFields;
        for (let i = 0; i < keyFields.length; i++) {
          const field = keyFields[i]!;
          if (!(field in envelope.entity_key)) (violations ??= []).push({ field, rule: 'key', message: `entity_key lacks key field "${field}" of contract ${envelope.entity}@${validator.version}.` });
        }
        const key = referenceKeyOf(envelope.entity_key);
        const partial = envelope.changed_fields !== undefined || envelope.op === 'delete' || envelope.op === 'merge';
        const held = index.previous(tenant, envelope.entity, key);
        // Transitions are judged only against an older state: a late or out-of-order event is not
        // an illegal transition from a state that happened after it.
        let previous = held && !(((held[STATE_TIME] as string | undefined) ?? '') > envelope.event_time) ? held : undefined;
        // The source's own before image, when it sends one, says which transition it committed; it
        // wins over the lake's state, which may lack a change that is late or was quarantined.
        const before = (input as { before?: unknown }).before;
        if (isObject(before)) previous = previous ? { ...previous, ...before } : before;
        currentIndex = index;
        currentTenant = tenant;
        try {
          const found = validator.validate(
            envelope.payload,
            checkReferences ? (previous ? { partial, previous, exists } : { partial, exists }) : previous ? { partial, previous } : partial ? PARTIAL : FULL,
          );
          if (found.length > 0) {
            violations ??= [];
            for (let i = 0; i < found.length; i++) violations.push(found[i]!);
          }
        } catch (error) {
          (violations ??= []).push({ field: '', rule: 'validator_error', message: `The validator of ${envelope.entity}@${validator.version} threw: ${(error as Error).message}` });
        }
      }
      if (violations) return quarantineDecision(envelope, violations, validator.version);
      let stateFields: readonly string[] | undefined;
      if (validator === lastValidator) stateFields = lastStateFields;
      else {
        stateFields = stateFieldsCache.get(validator);
        if (stateFields === undefined && !stateFieldsCache.has(validator)) stateFieldsCache.set(validator, (stateFields = stateFieldsOf(validator)));
        lastValidator = validator;
        lastStateFields = stateFields;
      }
      return stateFields ? { status: 'accepted', envelope, schemaVersion: validator.version, canonical, stateFields } : { status: 'accepted', envelope, schemaVersion: validator.version, canonical };
    },
  };
}
