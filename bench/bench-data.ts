/**
 * Seeded generator of realistic envelopes for the lake benchmarks (kept in bench/ so the
 * benchmarks do not depend on the generator module).
 */
import type { ContractResolver, RecordValidator, Violation } from '../src/contracts/types.js';
import type { Envelope } from '../src/envelope.js';

/** A small seeded PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES = ['new', 'contacted', 'qualified', 'disqualified', 'converted'];
const STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation', 'closed_won', 'closed_lost'];
const TYPES = ['email_sent', 'email_opened', 'email_clicked', 'call', 'meeting', 'page_view', 'product_usage'];
const COUNTRIES = ['US', 'DE', 'FR', 'GB', 'NL', 'ES', 'IT', 'SE'];

/** `count` NDJSON envelope lines with ~1% duplicate deliveries and ~2% contract violations. */
export function makeEnvelopeLines(count: number, seed = 42, tenants = 3): string[] {
  const rand = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  const lines: string[] = [];
  const base = Date.parse('2026-01-01T00:00:00.000Z');
  for (let i = 0; lines.length < count; i++) {
    if (lines.length > 10 && rand() < 0.01) {
      lines.push(lines[Math.floor(rand() * lines.length)]!);
      continue;
    }
    const invalid = rand() < 0.02;
    const tenant_id = `t${String(1 + (i % tenants)).padStart(2, '0')}`;
    const time = new Date(base + Math.floor(rand() * 60 * 86400_000)).toISOString();
    const kind = i % 4;
    let e: Envelope;
    if (kind === 0) {
      const id = `lead_${Math.floor(rand() * 50_000)}`;
      e = {
        event_id: `debezium-${hex(32)}`, tenant_id, entity: 'lead', entity_key: { lead_id: id }, op: 'upsert', event_time: time,
        source: { system: 'debezium', connector: 'crm', position: String(1_000_000 + i) },
        payload: { lead_id: id, email: invalid ? 'not-an-email' : `${id}@example.com`, company: `Company ${i % 997}`, status: pick(STATUSES), score: Math.floor(rand() * 100), source: 'web', owner_id: `u${i % 50}`, country: pick(COUNTRIES), created_at: time, updated_at: time },
      };
    } else if (kind === 1) {
      const id = `con_${Math.floor(rand() * 80_000)}`;
      e = {
        event_id: `hubspot-${hex(32)}`, tenant_id, entity: 'contact', entity_key: { contact_id: id }, op: 'upsert', event_time: time,
        source: { system: 'hubspot', connector: 'app-1', position: String(i) },
        payload: { contact_id: id, email: `${id}@example.org`, first_name: 'Ada', last_name: 'Lovelace', title: 'CTO', country: invalid ? 'Deutschland' : pick(COUNTRIES), lifecycle_stage: 'lead', lead_score: Math.floor(rand() * 100) },
        changed_fields: ['email', 'lifecycle_stage'], consent: ['analytics'],
      };
    } else if (kind === 2) {
      const id = `006${hex(15)}`;
      e = {
        event_id: `salesforce-${hex(32)}`, tenant_id, entity: 'opportunity', entity_key: { opportunity_id: id }, op: 'upsert', event_time: time,
        source: { system: 'salesforce', connector: '/data/OpportunityChangeEvent', position: String(i) },
        payload: { opportunity_id: id, account_id: `001${hex(15)}`, name: `Deal ${i}`, stage: invalid ? 'Verbal yes - sending contract' : pick(STAGES), amount: Math.floor(rand() * 100_000), currency: 'USD', close_date: time.slice(0, 10), probability: Math.floor(rand() * 100) },
      };
    } else {
      const id = `act_${i}`;
      e = {
        event_id: `file-${hex(32)}`, tenant_id, entity: 'activity', entity_key: { activity_id: id }, op: 'upsert', event_time: time,
        source: { system: 'file', connector: 'activity.ndjson', position: String(i) },
        payload: { activity_id: id, type: pick(TYPES), contact_id: `con_${i % 80_000}`, account_id: `001${hex(15)}`, occurred_at: time, duration_seconds: invalid ? -5 : Math.floor(rand() * 3600), subject: 'Follow-up' },
      };
    }
    lines.push(JSON.stringify(e));
  }
  return lines;
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
const COUNTRY = /^[A-Z]{2}$/;

function validator(entity: string, keyFields: string[], check: (r: Record<string, unknown>, v: Violation[]) => void, stateFields: string[] = []): RecordValidator & { stateFields: string[] } {
  // stateFields: the fields transition rules read, as a compiled contract with state machines declares them.
  return { entity, version: '1.0.0', keyFields, stateFields, validate: (record) => { const v: Violation[] = []; check(record, v); return v; } };
}

/** A hand-written resolver with the checks a compiled contract would make on these fields. */
export function benchResolver(): ContractResolver {
  const leadStatus = new Set(STATUSES);
  const stages = new Set(STAGES);
  const types = new Set(TYPES);
  const map: Record<string, RecordValidator> = {
    lead: validator('lead', ['lead_id'], (r, v) => {
      if (typeof r.email !== 'string' || !EMAIL.test(r.email)) v.push({ field: 'email', rule: 'format', message: 'email' });
      if (!leadStatus.has(r.status as string)) v.push({ field: 'status', rule: 'enum', message: 'status' });
      if (typeof r.score !== 'number' || r.score < 0 || r.score > 100) v.push({ field: 'score', rule: 'maximum', message: 'score' });
    }, ['status']),
    contact: validator('contact', ['contact_id'], (r, v) => {
      if (r.email !== undefined && (typeof r.email !== 'string' || !EMAIL.test(r.email))) v.push({ field: 'email', rule: 'format', message: 'email' });
      if (r.country !== undefined && (typeof r.country !== 'string' || !COUNTRY.test(r.country))) v.push({ field: 'country', rule: 'pattern', message: 'country' });
    }),
    opportunity: validator('opportunity', ['opportunity_id'], (r, v) => {
      if (!stages.has(r.stage as string)) v.push({ field: 'stage', rule: 'enum', message: 'stage' });
      if (typeof r.amount !== 'number' || r.amount < 0) v.push({ field: 'amount', rule: 'minimum', message: 'amount' });
    }, ['stage']),
    activity: validator('activity', ['activity_id'], (r, v) => {
      if (!types.has(r.type as string)) v.push({ field: 'type', rule: 'enum', message: 'type' });
      if (r.duration_seconds !== undefined && (typeof r.duration_seconds !== 'number' || r.duration_seconds < 0)) v.push({ field: 'duration_seconds', rule: 'minimum', message: 'duration' });
    }),
  };
  return { validatorFor: (entity) => map[entity] };
}

/** Parses `--scale N` (default 1). */
export function scaleArg(): number {
  const i = process.argv.indexOf('--scale');
  const n = i >= 0 ? Number(process.argv[i + 1]) : 1;
  return Number.isFinite(n) && n > 0 ? n : 1;
}
