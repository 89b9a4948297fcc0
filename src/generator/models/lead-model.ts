import type { EntityChange } from '../change.js';
import { malformEmail, type DefectKind, type InjectedDefect } from '../defects.js';
import { COUNTRY_SPELLINGS, LEAD_STATUSES, PICKLIST_TYPOS } from '../pools.js';
import type { Prng } from '../prng.js';
import { futureTime, type SimulationContext } from '../simulation-context.js';
import { DAY_MS, isoTime } from '../time.js';

const NEW = 0;
const CONTACTED = 1;
const QUALIFIED = 2;
const DISQUALIFIED = 3;
const CONVERTED = 4;
/** Lead flag: read by the initial snapshot rather than created on the timeline. */
const PRE_EXISTING = 1;
const CREATED = 2;
const GONE = 4;

/** Record defects a lead update may carry, rolled in this order. */
const UPDATE_DEFECTS: readonly DefectKind[] = ['malformed_email', 'missing_email', 'country_spelling', 'score_out_of_range', 'future_date'];

/** The time of a lead's next change. */
function nextTime(prng: Prng, t: number): number {
  return t + prng.exp(2.5 * DAY_MS);
}

function terminal(status: number): boolean {
  return status === DISQUALIFIED || status === CONVERTED;
}

/**
 * Advances lead `i` at time `t` through its status lifecycle (new → contacted → qualified →
 * converted, or disqualified), with score changes in between; rendered as Debezium events of
 * `public.leads`. Returns the next time or -1.
 */
export function tickLead(ctx: SimulationContext, i: number, t: number): number {
  const { prng, roller, world: w } = ctx;
  const slot = ctx.slots.leads + i;
  const flags = w.leadFlags[i]!;
  if ((flags & CREATED) === 0) {
    w.leadFlags[i] = flags | CREATED;
    const snapshot = (flags & PRE_EXISTING) !== 0;
    const updatedAt = snapshot ? w.leadCreatedAt[i]! : t;
    w.leadUpdatedAt[i] = updatedAt;
    const change: EntityChange = { entity: 'lead', slot, op: snapshot ? 'snapshot' : 'create', time: t, record: w.leadRecord(i, updatedAt), changed: [] };
    let marker: 'true' | 'last' | undefined;
    if (snapshot) marker = ++ctx.snapshotsEmitted === w.snapshotLeads ? 'last' : 'true';
    ctx.pipeline.submit(ctx.debezium.unitFor(change, marker));
    return terminal(w.leadStatus[i]!) ? -1 : nextTime(prng, t);
  }
  if ((flags & GONE) !== 0) return -1;
  const previous = w.leadRecord(i, w.leadUpdatedAt[i]!);
  w.leadUpdatedAt[i] = t;
  if (roller.roll('delete')) {
    w.leadFlags[i] = flags | GONE;
    ctx.pipeline.submit(ctx.debezium.unitFor({ entity: 'lead', slot, op: 'delete', time: t, record: previous, previous, changed: [], defect: { kind: 'delete', detail: {} } }));
    return -1;
  }
  const status = w.leadStatus[i]!;
  const r = prng.next();
  let target = -1;
  if (status === NEW && r < 0.7) target = CONTACTED;
  else if (status === CONTACTED) target = r < 0.35 ? QUALIFIED : r < 0.55 ? DISQUALIFIED : -1;
  else if (status === QUALIFIED) target = r < 0.45 ? CONVERTED : r < 0.6 ? DISQUALIFIED : -1;
  let defect: InjectedDefect | undefined;
  const overrides: Record<string, unknown> = {};
  const changed: string[] = [];
  if (target >= 0) {
    if ((status === NEW || status === CONTACTED) && roller.roll('illegal_transition')) {
      // The source system really did this (the row now holds it); the contract forbids it.
      target = status === NEW ? prng.pick([CONVERTED, DISQUALIFIED]) : CONVERTED;
      defect = { kind: 'illegal_transition', field: 'status', detail: { from: LEAD_STATUSES[status], to: LEAD_STATUSES[target] } };
    } else if (roller.roll('picklist_typo')) {
      overrides.status = prng.pick(PICKLIST_TYPOS.status);
      defect = { kind: 'picklist_typo', field: 'status', detail: { value: overrides.status, expected: LEAD_STATUSES[target] } };
    }
    w.leadStatus[i] = target;
    changed.push('status');
  } else {
    w.leadScore[i] = Math.max(0, Math.min(100, w.leadScore[i]! + prng.range(-8, 15)));
    changed.push('score');
  }
  if (!defect) {
    const kind = roller.first(UPDATE_DEFECTS);
    if (kind === 'malformed_email') overrides.email = malformEmail(previous.email as string, prng.int(6));
    else if (kind === 'missing_email') overrides.email = null;
    else if (kind === 'country_spelling') overrides.country = prng.pick(COUNTRY_SPELLINGS[previous.country as string] ?? ['Unknown']);
    else if (kind === 'score_out_of_range') overrides.score = prng.chance(0.7) ? prng.range(101, 150) : -prng.range(1, 20);
    else if (kind === 'future_date') overrides.updated_at = isoTime(futureTime(ctx, t));
    if (kind) {
      const field = Object.keys(overrides)[0]!;
      defect = { kind, field, detail: { value: overrides[field] } };
      changed.push(field);
    }
  }
  const record = w.leadRecord(i, t);
  changed.push('updated_at');
  ctx.pipeline.submit(ctx.debezium.unitFor({ entity: 'lead', slot, op: 'update', time: t, record, previous, changed, ...(defect ? { defect, overrides } : {}) }));
  return terminal(w.leadStatus[i]!) ? -1 : nextTime(prng, t);
}
