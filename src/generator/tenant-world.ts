import { COMPANY_STEMS, COMPANY_SUFFIXES, CONSENT_PURPOSES, COUNTRIES, FIRST_NAMES, INDUSTRIES, LAST_NAMES, LEAD_SOURCES, LEGAL_FORMS, TITLES, TLDS, type CountryInfo } from './pools.js';
import { createPrng, hashSeed, type Prng } from './prng.js';
import { contactId, hubspotObjectId, leadId, salesforceId } from './ids.js';
import { isoTime, DAY_MS } from './time.js';

/** An account's state (accounts are few, so they are kept whole). */
export interface AccountState {
  record: Record<string, unknown>;
  /** `BillingAddress` without `Country` (Salesforce only). */
  address: Record<string, unknown>;
  propensity: number;
  createdAt: number;
  created: boolean;
}

/** An opportunity's state. */
export interface OpportunityState {
  record: Record<string, unknown>;
  accountIndex: number;
  propensity: number;
  createdAt: number;
  stageIndex: number;
  nextStep: string | null;
  created: boolean;
  deleted: boolean;
}

/** Contact flags (bit set in `contactFlags`). */
export const CONTACT_CREATED = 1;
/** The contact was deleted or merged away: no more events. */
export const CONTACT_GONE = 2;

const asciiCache = new Map<string, string>();

/** Lower-case ASCII letters and digits of a name (accents stripped), for emails and domains; memoised (the pools are small). */
function ASCII(s: string): string {
  let a = asciiCache.get(s);
  if (a === undefined) {
    a = s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '');
    if (asciiCache.size < 10_000) asciiCache.set(s, a);
  }
  return a;
}

function weightedCountry(prng: Prng): CountryInfo {
  let total = 0;
  for (const c of COUNTRIES) total += c.weight;
  let r = prng.next() * total;
  for (const c of COUNTRIES) {
    r -= c.weight;
    if (r < 0) return c;
  }
  return COUNTRIES[0];
}

/**
 * The state of one tenant's CRM. Accounts and opportunities are objects; contacts and leads are
 * typed arrays plus fields regenerated on demand from a per-record seed, so a million contacts
 * cost tens of megabytes.
 */
export class TenantWorld {
  readonly owners: string[];
  readonly accounts: AccountState[] = [];
  readonly opportunities: OpportunityState[] = [];
  readonly contactAccount: Int32Array;
  readonly contactCreatedAt: Float64Array;
  readonly contactPropensity: Float32Array;
  readonly contactStage: Uint8Array;
  readonly contactScore: Uint8Array;
  readonly contactFlags: Uint8Array;
  readonly contactNext: Uint8Array;
  readonly leadStatus: Uint8Array;
  readonly leadScore: Uint8Array;
  readonly leadCreatedAt: Float64Array;
  readonly leadFlags: Uint8Array;
  readonly leadUpdatedAt: Float64Array;
  /** Number of leads that exist before the timeline starts (read by the initial Debezium snapshot). */
  snapshotLeads = 0;

  constructor(
    readonly seed: number,
    readonly tenantIndex: number,
    readonly prng: Prng,
    readonly start: number,
    readonly end: number,
    sizes: { accounts: number; contacts: number; leads: number; opportunities: number },
  ) {
    const span = end - start;
    this.owners = Array.from({ length: 12 }, (_, k) => salesforceId('005', tenantIndex, k + 1));
    for (let i = 0; i < sizes.accounts; i++) this.accounts.push(this.newAccount(i, start + prng.next() * 0.1 * span));
    const c = sizes.contacts;
    this.contactAccount = new Int32Array(c);
    this.contactCreatedAt = new Float64Array(c);
    this.contactPropensity = new Float32Array(c);
    this.contactStage = new Uint8Array(c);
    this.contactScore = new Uint8Array(c);
    this.contactFlags = new Uint8Array(c);
    this.contactNext = new Uint8Array(c);
    for (let i = 0; i < c; i++) {
      const a = Math.min(sizes.accounts - 1, Math.floor(sizes.accounts * prng.next() ** 1.4));
      const acc = this.accounts[a]!;
      this.contactAccount[i] = a;
      this.contactCreatedAt[i] = Math.floor(acc.createdAt + 60_000 + prng.next() * 0.6 * span);
      this.contactPropensity[i] = Math.min(1, Math.max(0.02, acc.propensity * (0.5 + prng.next())));
      this.contactStage[i] = prng.int(3);
      this.contactScore[i] = Math.round(10 + acc.propensity * 50 + prng.int(20));
    }
    const l = sizes.leads;
    this.leadStatus = new Uint8Array(l);
    this.leadScore = new Uint8Array(l);
    this.leadCreatedAt = new Float64Array(l);
    this.leadFlags = new Uint8Array(l);
    this.leadUpdatedAt = new Float64Array(l);
    for (let i = 0; i < l; i++) {
      if (prng.chance(0.1)) {
        this.leadFlags[i] = 1; // exists before the timeline: read by the snapshot
        this.snapshotLeads++;
        this.leadCreatedAt[i] = Math.floor(start - DAY_MS - prng.next() * 90 * DAY_MS);
        this.leadStatus[i] = prng.pick([0, 0, 1, 1, 2]);
      } else {
        this.leadCreatedAt[i] = Math.floor(start + prng.next() * 0.95 * span);
      }
      this.leadScore[i] = prng.range(5, 60);
    }
    for (let i = 0; i < sizes.opportunities; i++) {
      let a = prng.int(sizes.accounts);
      for (let k = 0; k < 4 && !prng.chance(0.25 + 0.75 * this.accounts[a]!.propensity); k++) a = prng.int(sizes.accounts);
      const acc = this.accounts[a]!;
      const createdAt = Math.floor(Math.max(acc.createdAt + 3_600_000, start + (0.05 + prng.next() * 0.75) * span));
      this.opportunities.push({ record: {}, accountIndex: a, propensity: acc.propensity, createdAt, stageIndex: 0, nextStep: null, created: false, deleted: false });
    }
  }

  private newAccount(i: number, createdAt: number): AccountState {
    const p = createPrng(hashSeed(this.seed, this.tenantIndex, 'account', i));
    const stem = p.pick(COMPANY_STEMS);
    const suffix = p.pick(COMPANY_SUFFIXES);
    const legal = p.pick(LEGAL_FORMS);
    const country = weightedCountry(p);
    const employees = Math.round(5 * Math.exp(p.next() * 8));
    const ms = Math.floor(createdAt);
    return {
      record: {
        account_id: salesforceId('001', this.tenantIndex, i + 1),
        name: `${stem} ${suffix}${legal ? ` ${legal}` : ''}`,
        domain: `${ASCII(stem)}${ASCII(suffix)}${i % 7 === 0 ? i : ''}.${p.pick(TLDS)}`,
        industry: p.pick(INDUSTRIES),
        employee_count: employees,
        annual_revenue: Math.round(employees * (60_000 + p.int(140_000)) / 1000) * 1000,
        country: country.code,
        owner_id: p.pick(this.owners),
        created_at: isoTime(ms),
        updated_at: isoTime(ms),
      },
      address: { Street: `${p.range(1, 999)} ${p.pick(['Market', 'Main', 'Harbour', 'King', 'Station'])} Street`, City: p.pick(country.cities), State: country.state, PostalCode: String(p.range(10000, 99999)) },
      propensity: p.next() ** 1.3,
      createdAt: ms,
      created: false,
    };
  }

  /** The full clean record of contact `i` (names, email… regenerated from its seed). */
  contactRecord(i: number, updatedAt: number): Record<string, unknown> {
    const p = createPrng(hashSeed(this.seed, this.tenantIndex, 'contact', i));
    const acc = this.accounts[this.contactAccount[i]!]!;
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(LAST_NAMES);
    const domain = acc.record.domain as string;
    const email = `${ASCII(first)}.${ASCII(last)}${p.chance(0.25) ? p.range(1, 99) : ''}@${domain}`;
    const country = p.chance(0.8) ? (acc.record.country as string) : weightedCountry(p).code;
    const info = COUNTRIES.find((c) => c.code === country) ?? COUNTRIES[0];
    const hasPhone = p.chance(0.7);
    const phone = `+${info.calling}${p.range(200, 999)}${String(p.int(10_000_000)).padStart(7, '0')}`;
    const consent = CONSENT_PURPOSES.filter(() => p.chance(0.6));
    const record: Record<string, unknown> = {
      contact_id: contactId(hubspotObjectId(i)),
      account_id: acc.record.account_id,
      email,
      first_name: first,
      last_name: last,
    };
    if (hasPhone) record.phone = phone;
    record.title = p.pick(TITLES);
    record.country = country;
    record.lifecycle_stage = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer'][this.contactStage[i]!];
    record.lead_score = this.contactScore[i];
    record.consent = consent;
    record.created_at = isoTime(this.contactCreatedAt[i]!);
    record.updated_at = isoTime(updatedAt);
    return record;
  }

  /** The full clean record of lead `i`. */
  leadRecord(i: number, updatedAt: number): Record<string, unknown> {
    const p = createPrng(hashSeed(this.seed, this.tenantIndex, 'lead', i));
    const first = p.pick(FIRST_NAMES);
    const last = p.pick(LAST_NAMES);
    const stem = p.pick(COMPANY_STEMS);
    const suffix = p.pick(COMPANY_SUFFIXES);
    return {
      lead_id: leadId(i),
      email: `${ASCII(first)[0]}${ASCII(last)}@${ASCII(stem)}${ASCII(suffix)}.${p.pick(TLDS)}`,
      company: `${stem} ${suffix}`,
      status: ['new', 'contacted', 'qualified', 'disqualified', 'converted'][this.leadStatus[i]!],
      score: this.leadScore[i],
      source: p.pick(LEAD_SOURCES),
      owner_id: p.pick(this.owners),
      country: weightedCountry(p).code,
      created_at: isoTime(this.leadCreatedAt[i]!),
      updated_at: isoTime(updatedAt),
    };
  }
}
