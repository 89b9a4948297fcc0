import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContractResolver, RecordValidator, Violation } from '../../src/contracts/types.js';
import type { Envelope } from '../../src/envelope.js';

/** Temporary directories removed by {@link cleanup}. */
const dirs: string[] = [];

/** A fresh temporary lake directory. */
export function tempDir(prefix = 'verity-lake-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Removes every directory made by {@link tempDir}. */
export function cleanup(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** A fixed clock that advances one second per call. */
export function fixedClock(start = '2026-03-01T12:00:00.000Z'): () => Date {
  let t = Date.parse(start);
  return () => new Date((t += 1000));
}

/** A lead envelope. */
export function lead(n: number, overrides: Partial<Envelope> & { status?: string; email?: string } = {}): Envelope {
  const { status = 'new', email = `lead${n}@example.com`, ...rest } = overrides;
  return {
    event_id: `evt-${n}`,
    tenant_id: 't01',
    entity: 'lead',
    entity_key: { lead_id: `lead_${n}` },
    op: 'upsert',
    event_time: `2026-03-0${(n % 3) + 1}T10:00:00.000Z`,
    source: { system: 'debezium', connector: 'crm', position: String(n) },
    payload: { lead_id: `lead_${n}`, email, status, score: n % 100 },
    ...rest,
  };
}

const TRANSITIONS: Record<string, string[]> = { new: ['contacted'], contacted: ['qualified', 'disqualified'], qualified: ['converted', 'disqualified'] };

/** A small hand-written resolver: lead (email format, status enum + transitions), opportunity (account reference). */
export function testResolver(version = '1.0.0', options: { allowExtra?: string[] } = {}): ContractResolver {
  const lead: RecordValidator = {
    entity: 'lead',
    version,
    keyFields: ['lead_id'],
    validate(record, opts = {}) {
      const v: Violation[] = [];
      const email = record.email;
      if (email === undefined) {
        if (!opts.partial) v.push({ field: 'email', rule: 'required', message: 'email is required' });
      } else if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) v.push({ field: 'email', rule: 'format', message: 'email is not an email' });
      const status = record.status;
      if (status !== undefined) {
        if (!['new', 'contacted', 'qualified', 'disqualified', 'converted'].includes(status as string)) v.push({ field: 'status', rule: 'enum', value: status, message: 'bad status' });
        else {
          const prev = opts.previous?.status as string | undefined;
          if (prev !== undefined && prev !== status && !(TRANSITIONS[prev] ?? []).includes(status as string)) v.push({ field: 'status', rule: 'transition', message: `${prev} -> ${status}` });
        }
      }
      for (const k of Object.keys(record)) if (!['lead_id', 'email', 'status', 'score', ...(options.allowExtra ?? [])].includes(k)) v.push({ field: k, rule: 'unknown_field', message: `unknown field ${k}` });
      return v;
    },
  };
  const account: RecordValidator = { entity: 'account', version, keyFields: ['account_id'], validate: () => [] };
  const opportunity: RecordValidator = {
    entity: 'opportunity',
    version,
    keyFields: ['opportunity_id'],
    validate(record, opts = {}) {
      const ref = record.account_id;
      if (opts.exists && typeof ref === 'string' && !opts.exists('account', ref)) return [{ field: 'account_id', rule: 'reference', message: `account ${ref} not found` }];
      return [];
    },
  };
  const map: Record<string, RecordValidator> = { lead, account, opportunity };
  return { validatorFor: (entity) => map[entity] };
}
