import { VerityError } from '../errors.js';
import { DEFECT_KINDS, REGIME_KINDS, type DefectKind } from './defects.js';

/** The output formats `verity generate --formats` accepts. */
export const GENERATOR_FORMATS = ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson', 'csv', 'records'] as const;
/** One output format. */
export type GeneratorFormat = (typeof GENERATOR_FORMATS)[number];

/** Formats written when none are given (everything but the CSV copy of the activity file). */
export const DEFAULT_FORMATS: readonly GeneratorFormat[] = ['envelopes', 'hubspot', 'salesforce', 'debezium', 'ndjson', 'records'];

/** Options of the generator. Every size is per tenant. */
export interface GenerateOptions {
  /** Seed of every random draw (default 1). */
  seed?: number;
  /** Number of tenants `t01`, `t02`, … (default 1). */
  tenants?: number;
  /** Accounts per tenant (default 50). */
  accounts?: number;
  /** Contacts per tenant (default 500). */
  contacts?: number;
  /** Leads per tenant (default 40% of contacts). */
  leads?: number;
  /** Opportunities per tenant (default 1.6 per account). */
  opportunities?: number;
  /** Length of the timeline in days (default 30). */
  days?: number;
  /** Start of the timeline, ISO date or date-time (default `2026-01-01T00:00:00.000Z`). */
  start?: string;
  /** Output directory (required by {@link generate}, unused by the in-memory iterator). */
  out?: string;
  /** Formats to write (default {@link DEFAULT_FORMATS}). */
  formats?: readonly string[];
  /** Overall defect rate, the default for every kind (default 0.02; 0 gives clean data). */
  defectRate?: number;
  /** Per-kind rate overrides, e.g. `{ malformed_email: 0.01 }`. */
  rates?: Partial<Record<string, number>>;
  /** Secret the HubSpot v3 signatures use (default `verity-demo-secret`). */
  hubspotSecret?: string;
  /** Base of the HubSpot delivery URLs (default `http://127.0.0.1:8787`). */
  webhookBaseUrl?: string;
}

/** Options with every default applied and checked. */
export interface ResolvedGenerateOptions {
  seed: number;
  tenants: number;
  accounts: number;
  contacts: number;
  leads: number;
  opportunities: number;
  days: number;
  start: string;
  startMs: number;
  formats: GeneratorFormat[];
  defectRate: number;
  rates: Record<DefectKind, number>;
  hubspotSecret: string;
  webhookBaseUrl: string;
}

/** Largest number of contacts (over all tenants) the generator accepts. */
export const MAX_CONTACTS = 100_000_000;
/** Largest number of accounts per tenant (accounts are held in memory). */
export const MAX_ACCOUNTS = 2_000_000;

function bad(message: string): VerityError {
  return new VerityError('INVALID_ARGUMENT', message);
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n)) throw bad(`--${name} must be an integer, got "${String(value)}".`);
  if (n < min) throw bad(`--${name} must be at least ${min}, got ${n}.`);
  if (n > max) throw bad(`--${name} must be at most ${max}, got ${n} (too large to generate).`);
  return n;
}

function rate(name: string, value: unknown): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 1) throw bad(`${name} must be a number between 0 and 1, got "${String(value)}".`);
  return n;
}

/**
 * Applies defaults and validates generator options. Throws `VerityError('INVALID_ARGUMENT')` with a
 * one-line message for negative, non-integer or absurd sizes, unknown formats or defect kinds,
 * rates outside [0, 1] and unparseable start dates.
 */
export function resolveGenerateOptions(options: GenerateOptions = {}): ResolvedGenerateOptions {
  const seed = integer('seed', options.seed, 1, 0, 4294967295);
  const tenants = integer('tenants', options.tenants, 1, 1, 999);
  const accounts = integer('accounts', options.accounts, 50, 1, MAX_ACCOUNTS);
  const contacts = integer('contacts', options.contacts, 500, 0, MAX_CONTACTS);
  if (contacts * tenants > MAX_CONTACTS) throw bad(`--contacts × --tenants must be at most ${MAX_CONTACTS}, got ${contacts * tenants}.`);
  const leads = integer('leads', options.leads, Math.round(contacts * 0.4), 0, MAX_CONTACTS);
  const opportunities = integer('opportunities', options.opportunities, Math.round(accounts * 1.6), 0, MAX_ACCOUNTS * 10);
  const days = integer('days', options.days, 30, 1, 3650);
  const start = options.start ?? '2026-01-01T00:00:00.000Z';
  const startMs = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(start) ? Date.parse(start.length === 10 ? `${start}T00:00:00.000Z` : start) : NaN;
  if (!Number.isFinite(startMs)) throw bad(`--start must be an ISO 8601 date or date-time such as 2026-01-01T00:00:00.000Z, got "${start}".`);
  const formats: GeneratorFormat[] = [];
  for (const f of options.formats ?? DEFAULT_FORMATS) {
    const name = f.trim();
    if (!(GENERATOR_FORMATS as readonly string[]).includes(name)) throw bad(`Unknown format "${name}" in --formats; use a comma-separated list of ${GENERATOR_FORMATS.join(', ')}.`);
    if (!formats.includes(name as GeneratorFormat)) formats.push(name as GeneratorFormat);
  }
  if (formats.length === 0) throw bad(`--formats must name at least one of ${GENERATOR_FORMATS.join(', ')}.`);
  const defectRate = rate('--defect-rate', options.defectRate ?? 0.02);
  const rates = {} as Record<DefectKind, number>;
  for (const kind of DEFECT_KINDS) rates[kind] = REGIME_KINDS.includes(kind) ? (defectRate > 0 ? 1 : 0) : defectRate;
  for (const [kind, value] of Object.entries(options.rates ?? {})) {
    if (!(DEFECT_KINDS as string[]).includes(kind)) throw bad(`Unknown defect kind "${kind}" in --rate; known kinds: ${DEFECT_KINDS.join(', ')}.`);
    rates[kind as DefectKind] = rate(`--rate ${kind}`, value);
  }
  const hubspotSecret = options.hubspotSecret ?? 'verity-demo-secret';
  if (hubspotSecret.length === 0) throw bad('--hubspot-secret must not be empty.');
  const webhookBaseUrl = (options.webhookBaseUrl ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  return { seed, tenants, accounts, contacts, leads, opportunities, days, start: new Date(startMs).toISOString(), startMs, formats, defectRate, rates, hubspotSecret, webhookBaseUrl };
}
