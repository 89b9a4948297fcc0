/**
 * The parts of a contract diff a JSON Schema diff cannot see: state transitions, references,
 * "not in the future", PII classification, deprecations, SLAs, ownership, keys and status.
 */
import type { Contract, FieldSpec, ServiceLevel } from './contract-model.js';

/** A change found outside the structural schema diff. */
export interface RuleChange {
  type: string;
  category: 'structural' | 'semantic' | 'operational' | 'classification' | 'ownership' | 'lifecycle';
  path: string;
  field?: string;
  /** The new contract still accepts data the old one accepted. */
  backward: boolean;
  /** The old contract accepts data the new one accepts. */
  forward: boolean;
  /** True when readers built for the old contract are affected even if data stays valid. */
  breaksConsumers: boolean;
  message: string;
  why: string;
}

const fieldPath = (name: string) => `#/properties/${name}`;

function edges(t: Readonly<Record<string, readonly string[]>> | undefined): Set<string> {
  const set = new Set<string>();
  for (const [from, tos] of Object.entries(t ?? {})) for (const to of tos) set.add(`${from}→${to}`);
  return set;
}

function fieldRules(a: FieldSpec, b: FieldSpec, out: RuleChange[]): void {
  const p = fieldPath(b.name);
  const field = b.name;
  if (a.transitions || b.transitions) {
    if (!a.transitions) out.push({ type: 'TRANSITIONS_ADDED', category: 'semantic', path: p, field, backward: false, forward: true, breaksConsumers: false, message: `${field}: state transitions are now enforced`, why: 'records moving between states the new rules do not allow will be quarantined' });
    else if (!b.transitions) out.push({ type: 'TRANSITIONS_REMOVED', category: 'semantic', path: p, field, backward: true, forward: false, breaksConsumers: true, message: `${field}: state transitions are no longer enforced`, why: 'readers may now see any state change, including ones they assumed impossible' });
    else {
      const x = edges(a.transitions);
      const y = edges(b.transitions);
      const removed = [...x].filter((e) => !y.has(e));
      const added = [...y].filter((e) => !x.has(e));
      if (removed.length) out.push({ type: 'TRANSITION_REMOVED', category: 'semantic', path: p, field, backward: false, forward: true, breaksConsumers: false, message: `${field}: transitions no longer allowed: ${removed.join(', ')}`, why: 'a record making one of these moves, accepted before, is now quarantined' });
      if (added.length) out.push({ type: 'TRANSITION_ADDED', category: 'semantic', path: p, field, backward: true, forward: false, breaksConsumers: true, message: `${field}: transitions now allowed: ${added.join(', ')}`, why: 'readers built for the old state machine may see moves they do not handle' });
    }
  }
  const ref = (f: FieldSpec) => (f.reference ? `${f.reference.entity}.${f.reference.field}` : undefined);
  if (ref(a) !== ref(b)) {
    if (!ref(a)) out.push({ type: 'REFERENCE_ADDED', category: 'semantic', path: p, field, backward: false, forward: true, breaksConsumers: false, message: `${field} must now refer to an existing ${ref(b)}`, why: 'records with dangling references, accepted before, are now rejected' });
    else if (!ref(b)) out.push({ type: 'REFERENCE_REMOVED', category: 'semantic', path: p, field, backward: true, forward: false, breaksConsumers: true, message: `${field} no longer has to refer to an existing ${ref(a)}`, why: 'joins in downstream features may now find no match' });
    else out.push({ type: 'REFERENCE_CHANGED', category: 'semantic', path: p, field, backward: false, forward: false, breaksConsumers: true, message: `${field} now refers to ${ref(b)} instead of ${ref(a)}`, why: 'the field means something else: old and new records are not comparable' });
  }
  if (a.notInFuture !== b.notInFuture)
    out.push(b.notInFuture
      ? { type: 'NOT_IN_FUTURE_ADDED', category: 'semantic', path: p, field, backward: false, forward: true, breaksConsumers: false, message: `${field} may no longer lie in the future`, why: 'future-dated records, accepted before, are now quarantined' }
      : { type: 'NOT_IN_FUTURE_REMOVED', category: 'semantic', path: p, field, backward: true, forward: false, breaksConsumers: true, message: `${field} may now lie in the future`, why: 'time-based features may see negative ages' });
  if (a.pii !== b.pii)
    out.push(b.pii
      ? { type: 'FIELD_BECAME_PII', category: 'classification', path: p, field, backward: true, forward: true, breaksConsumers: true, message: `${field} is now classified as PII`, why: 'readers without PII access get masked values, and training sets that use it need consent filtering' }
      : { type: 'FIELD_NO_LONGER_PII', category: 'classification', path: p, field, backward: true, forward: true, breaksConsumers: false, message: `${field} is no longer classified as PII`, why: 'values will appear unmasked; confirm with the privacy owner' });
  if ((a.classification ?? '') !== (b.classification ?? '') && a.pii === b.pii)
    out.push({ type: 'CLASSIFICATION_CHANGED', category: 'classification', path: p, field, backward: true, forward: true, breaksConsumers: false, message: `${field} classification changed from ${a.classification ?? 'none'} to ${b.classification ?? 'none'}`, why: 'access rules derived from the classification change' });
  if (a.deprecationDate !== b.deprecationDate && b.deprecationDate)
    out.push({ type: 'FIELD_DEPRECATED', category: 'lifecycle', path: p, field, backward: true, forward: true, breaksConsumers: false, message: `${field} is deprecated; it will be removed after ${b.deprecationDate}`, why: 'consumers reading it should migrate before that date' });
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, mins: 60_000, minutes: 60_000, h: 3_600_000, hr: 3_600_000, hours: 3_600_000, d: 86_400_000, day: 86_400_000, days: 86_400_000 };

/** Normalises an SLA value so it can be compared: durations in ms, percentages as numbers. */
function slaMagnitude(s: ServiceLevel): number | undefined {
  if (typeof s.value !== 'number') return undefined;
  const unit = (s.unit ?? '').toLowerCase();
  return UNIT_MS[unit] ? s.value * UNIT_MS[unit] : s.value;
}

/** True when a bigger value is a weaker promise (freshness, latency) rather than a stronger one (completeness). */
const BIGGER_IS_WEAKER = new Set(['freshness', 'latency', 'frequency', 'errorrate', 'timeofavailability']);

function slaRules(a: Contract, b: Contract, out: RuleChange[]): void {
  const key = (s: ServiceLevel) => `${s.property.toLowerCase()}|${s.element ?? ''}`;
  const old = new Map(a.sla.map((s) => [key(s), s]));
  const now = new Map(b.sla.map((s) => [key(s), s]));
  for (const [k, s] of old) {
    const p = `#/slaProperties/${s.property}`;
    const n = now.get(k);
    const label = `${s.property}${s.element ? ` (${s.element})` : ''}`;
    if (!n) {
      out.push({ type: 'SLA_DROPPED', category: 'operational', path: p, backward: true, forward: true, breaksConsumers: true, message: `SLA ${label} of ${s.value}${s.unit ?? ''} dropped`, why: 'consumers relying on it (alerts, feature freshness, reports) lose their guarantee' });
      continue;
    }
    const x = slaMagnitude(s);
    const y = slaMagnitude(n);
    if (x === undefined || y === undefined || x === y) {
      if (x === undefined && JSON.stringify(s.value) !== JSON.stringify(n.value))
        out.push({ type: 'SLA_CHANGED', category: 'operational', path: p, backward: true, forward: true, breaksConsumers: true, message: `SLA ${label} changed from ${s.value} to ${n.value}`, why: 'the promise changed; check consumers that depend on it' });
      continue;
    }
    const weaker = BIGGER_IS_WEAKER.has(s.property.toLowerCase()) ? y > x : y < x;
    out.push(weaker
      ? { type: 'SLA_LOOSENED', category: 'operational', path: p, backward: true, forward: true, breaksConsumers: true, message: `SLA ${label} loosened from ${s.value}${s.unit ?? ''} to ${n.value}${n.unit ?? ''}`, why: 'consumers get a weaker guarantee than they were built for' }
      : { type: 'SLA_TIGHTENED', category: 'operational', path: p, backward: true, forward: true, breaksConsumers: false, message: `SLA ${label} tightened from ${s.value}${s.unit ?? ''} to ${n.value}${n.unit ?? ''}`, why: 'the producer promises more; consumers are unaffected' });
  }
  for (const [k, s] of now)
    if (!old.has(k)) out.push({ type: 'SLA_ADDED', category: 'operational', path: `#/slaProperties/${s.property}`, backward: true, forward: true, breaksConsumers: false, message: `SLA ${s.property} of ${s.value}${s.unit ?? ''} added`, why: 'a new guarantee; consumers are unaffected' });
}

function partyRules(a: Contract, b: Contract, out: RuleChange[]): void {
  for (const role of ['owner', 'steward', 'consumer'] as const) {
    const pick = (c: Contract) => new Set(c.parties.filter((p) => p.role === role).map((p) => p.username));
    const x = pick(a);
    const y = pick(b);
    const removed = [...x].filter((u) => !y.has(u));
    const added = [...y].filter((u) => !x.has(u));
    if (removed.length || added.length)
      out.push({
        type: role === 'consumer' ? 'CONSUMERS_CHANGED' : `${role.toUpperCase()}_CHANGED`,
        category: 'ownership',
        path: '#/team',
        backward: true,
        forward: true,
        breaksConsumers: false,
        message: `${role}s changed${added.length ? `: added ${added.join(', ')}` : ''}${removed.length ? `${added.length ? ';' : ':'} removed ${removed.join(', ')}` : ''}`,
        why: role === 'owner' && y.size === 0 ? 'the entity has no owner any more: nobody answers for breaking changes' : 'who to ask changed; data is unaffected',
      });
  }
}

/** Every change outside the structural schema diff. */
export function diffContractRules(a: Contract, b: Contract): RuleChange[] {
  const out: RuleChange[] = [];
  if (a.entity !== b.entity) out.push({ type: 'ENTITY_CHANGED', category: 'structural', path: '#', backward: false, forward: false, breaksConsumers: true, message: `entity changed from ${a.entity} to ${b.entity}`, why: 'this is a different contract, not a new version' });
  if (a.keyFields.join(',') !== b.keyFields.join(','))
    out.push({ type: 'KEY_CHANGED', category: 'structural', path: '#', backward: false, forward: false, breaksConsumers: true, message: `entity key changed from (${a.keyFields.join(', ')}) to (${b.keyFields.join(', ')})`, why: 'record identity changes: history, features and joins keyed on the old key break' });
  const byName = new Map(a.fields.map((f) => [f.name, f]));
  for (const f of b.fields) {
    const old = byName.get(f.name);
    if (old) fieldRules(old, f, out);
  }
  for (const f of a.fields)
    if (f.deprecationDate && !b.fields.some((g) => g.name === f.name))
      out.push({ type: 'DEPRECATED_FIELD_REMOVED', category: 'lifecycle', path: fieldPath(f.name), field: f.name, backward: true, forward: true, breaksConsumers: true, message: `${f.name} removed after deprecation (announced for ${f.deprecationDate})`, why: 'consumers still reading it lose the field' });
  slaRules(a, b, out);
  partyRules(a, b, out);
  if (a.status !== b.status && b.status === 'deprecated')
    out.push({ type: 'CONTRACT_DEPRECATED', category: 'lifecycle', path: '#/status', backward: true, forward: true, breaksConsumers: false, message: 'the contract is deprecated', why: 'consumers should plan to move to its replacement' });
  return out;
}
