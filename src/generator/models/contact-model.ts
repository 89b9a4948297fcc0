import type { EntityChange } from '../change.js';
import { malformEmail, type DefectKind, type InjectedDefect } from '../defects.js';
import { activityId, contactId, hubspotObjectId, salesforceId } from '../ids.js';
import { COUNTRY_SPELLINGS, PICKLIST_TYPOS, SUBJECTS } from '../pools.js';
import type { ActivityRow } from '../formats/activity-file-format.js';
import type { Prng } from '../prng.js';
import { futureTime, type SimulationContext } from '../simulation-context.js';
import { CONTACT_CREATED, CONTACT_GONE } from '../tenant-world.js';
import { DAY_MS, HOUR_MS, isoTime } from '../time.js';

/** Defects an activity may carry, rolled in this order. */
const ACTIVITY_DEFECTS: readonly DefectKind[] = ['orphan_reference', 'future_date', 'picklist_typo'];
/** Lifecycle events and defects a contact update may carry, rolled in this order. */
const UPDATE_DEFECTS: readonly DefectKind[] = ['merge', 'delete', 'malformed_email', 'missing_email', 'country_spelling', 'picklist_typo', 'score_out_of_range'];

const NEXT_REGULAR = 0;
const NEXT_OPEN = 2;
const NEXT_CLICK = 3;

function submitContact(ctx: SimulationContext, i: number, change: EntityChange): void {
  ctx.pipeline.submit(ctx.hubspot.unitFor(change, hubspotObjectId(i)));
}

function activity(ctx: SimulationContext, i: number, t: number, type: string): void {
  const { prng, roller } = ctx;
  const acc = ctx.world.accounts[ctx.world.contactAccount[i]!]!;
  // Keys in ACTIVITY_COLUMNS order (the format serialises rows in that order).
  const row: ActivityRow = {
    activity_id: activityId(++ctx.activityCount),
    type,
    contact_id: contactId(hubspotObjectId(i)),
    account_id: acc.record.account_id as string,
    occurred_at: isoTime(t),
  };
  if (type === 'call' || type === 'meeting') row.duration_seconds = type === 'call' ? prng.range(30, 1800) : prng.range(900, 3600);
  if (type === 'product_usage') row.quantity = prng.range(1, 50 + Math.round(ctx.world.contactPropensity[i]! * 200));
  if (type.startsWith('email') || type === 'meeting') row.subject = prng.pick(SUBJECTS);
  let defect: InjectedDefect | undefined;
  const kind = roller.first(ACTIVITY_DEFECTS);
  if (kind === 'orphan_reference') {
    row.contact_id = contactId(900_000_000 + prng.int(90_000_000));
    defect = { kind, field: 'contact_id', detail: { value: row.contact_id, references: 'contact' } };
  } else if (kind === 'future_date') {
    row.occurred_at = isoTime(futureTime(ctx, t));
    defect = { kind, field: 'occurred_at', detail: { value: row.occurred_at } };
  } else if (kind === 'picklist_typo') {
    row.type = prng.pick(PICKLIST_TYPOS.type);
    defect = { kind, field: 'type', detail: { value: row.type, expected: type } };
  }
  ctx.pipeline.submit(ctx.file.unitFor(ctx.slots.contacts + i, t, row, defect));
}

function findSurvivor(ctx: SimulationContext, i: number, t: number): number {
  const w = ctx.world;
  const n = w.contactFlags.length;
  for (let k = 0; k < 6; k++) {
    const j = ctx.prng.int(n);
    if (j !== i && (w.contactFlags[j]! & (CONTACT_CREATED | CONTACT_GONE)) === CONTACT_CREATED && w.contactCreatedAt[j]! < t) return j;
  }
  return -1;
}

function update(ctx: SimulationContext, i: number, t: number): boolean {
  const { prng, roller, world: w } = ctx;
  const slot = ctx.slots.contacts + i;
  const kind = roller.first(UPDATE_DEFECTS);
  if (kind === 'merge' || kind === 'delete') {
    const survivor = kind === 'merge' ? findSurvivor(ctx, i, t) : -1;
    if (kind === 'merge' && survivor < 0) return true;
    w.contactFlags[i]! |= CONTACT_GONE;
    const record = w.contactRecord(i, t);
    const detail = kind === 'merge' ? { merged_into: contactId(hubspotObjectId(survivor)) } : {};
    submitContact(ctx, i, { entity: 'contact', slot, op: kind, time: t, record, changed: [], defect: { kind, detail }, ...(kind === 'merge' ? { survivorObjectId: hubspotObjectId(survivor) } : {}) });
    return false;
  }
  if (kind) {
    const record = w.contactRecord(i, t);
    const field = kind === 'picklist_typo' ? 'lifecycle_stage' : kind === 'score_out_of_range' ? 'lead_score' : kind === 'country_spelling' ? 'country' : 'email';
    const value =
      kind === 'malformed_email' ? malformEmail(record.email as string, prng.int(6))
      : kind === 'missing_email' ? ''
      : kind === 'country_spelling' ? prng.pick(COUNTRY_SPELLINGS[record.country as string] ?? ['Unknown'])
      : kind === 'picklist_typo' ? prng.pick(PICKLIST_TYPOS.lifecycle_stage)
      : prng.chance(0.7) ? prng.range(101, 180) : -prng.range(1, 20);
    submitContact(ctx, i, { entity: 'contact', slot, op: 'update', time: t, record, changed: [field], overrides: { [field]: value }, defect: { kind, field, detail: { value } } });
    return true;
  }
  const p = w.contactPropensity[i]!;
  let field: string;
  if (prng.chance(0.5) && w.contactStage[i]! < 5 && prng.chance(0.3 + 0.6 * p)) {
    w.contactStage[i] = w.contactStage[i]! + 1;
    field = 'lifecycle_stage';
  } else {
    const delta = Math.round((p - 0.35) * 20 + (prng.next() - 0.5) * 16);
    w.contactScore[i] = Math.max(0, Math.min(100, w.contactScore[i]! + delta));
    field = 'lead_score';
  }
  submitContact(ctx, i, { entity: 'contact', slot, op: 'update', time: t, record: w.contactRecord(i, t), changed: [field] });
  return true;
}

/** The time of a contact's next regular tick: more active contacts tick more often. */
function regular(prng: Prng, t: number, p: number): number {
  return t + prng.exp(DAY_MS / (0.3 + 2.5 * p));
}

/**
 * Advances contact `i` at time `t`: its HubSpot creation, then activities (rates grow with the
 * contact's propensity: emails sent, opened, clicked, calls, meetings, page views, product
 * usage) and occasional property updates, merges and deletes. Returns the next time or -1.
 */
export function tickContact(ctx: SimulationContext, i: number, t: number): number {
  const { prng, roller, world: w } = ctx;
  const p = w.contactPropensity[i]!;
  if ((w.contactFlags[i]! & CONTACT_CREATED) === 0) {
    w.contactFlags[i]! |= CONTACT_CREATED;
    const record = w.contactRecord(i, t);
    let defect: InjectedDefect | undefined;
    const overrides: Record<string, unknown> = {};
    if (roller.roll('orphan_reference')) {
      overrides.account_id = salesforceId('001', ctx.tenantIndex, 20_000_000 + prng.int(1_000_000_000));
      defect = { kind: 'orphan_reference', field: 'account_id', detail: { value: overrides.account_id, references: 'account' } };
    } else if (t >= ctx.mid && roller.roll('schema_new_field')) {
      overrides.linkedin_url = `https://www.linkedin.com/in/${String(record.first_name).toLowerCase()}-${String(record.last_name).toLowerCase()}-${prng.int(1e6).toString(16)}`;
      defect = { kind: 'schema_new_field', field: 'linkedin_url', detail: { value: overrides.linkedin_url } };
    }
    submitContact(ctx, i, { entity: 'contact', slot: ctx.slots.contacts + i, op: 'create', time: t, record, changed: [], ...(defect ? { overrides, defect } : {}) });
    // A minute at least, so the contact's HubSpot batch is delivered before its first activity row.
    return regular(prng, t, p) + 60_000;
  }
  if ((w.contactFlags[i]! & CONTACT_GONE) !== 0) return -1;
  const next = w.contactNext[i]!;
  if (next === NEXT_OPEN || next === NEXT_CLICK) {
    activity(ctx, i, t, next === NEXT_OPEN ? 'email_opened' : 'email_clicked');
    if (next === NEXT_OPEN && prng.chance(0.05 + 0.5 * p)) {
      w.contactNext[i] = NEXT_CLICK;
      return t + prng.exp(HOUR_MS / 3);
    }
    w.contactNext[i] = NEXT_REGULAR;
    return regular(prng, t, p);
  }
  if (prng.chance(0.06)) return update(ctx, i, t) ? regular(prng, t, p) : -1;
  const r = prng.next();
  const type = r < 0.4 ? 'email_sent' : r < 0.62 ? 'page_view' : r < 0.62 + 0.1 + 0.1 * p ? 'product_usage' : r < 0.9 ? 'call' : 'meeting';
  activity(ctx, i, t, type);
  if (type === 'email_sent' && prng.chance(0.1 + 0.75 * p)) {
    w.contactNext[i] = NEXT_OPEN;
    return t + prng.exp(4 * HOUR_MS);
  }
  return regular(prng, t, p);
}
