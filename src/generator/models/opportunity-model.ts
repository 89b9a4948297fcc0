import type { EntityChange } from '../change.js';
import type { InjectedDefect } from '../defects.js';
import { salesforceId } from '../ids.js';
import { CURRENCIES, FREE_TEXT_STAGES, NEXT_STEPS, OPPORTUNITY_STAGES, PICKLIST_TYPOS } from '../pools.js';
import type { Prng } from '../prng.js';
import { emitGap, futureTime, type SimulationContext } from '../simulation-context.js';
import { DAY_MS, isoDate, isoTime } from '../time.js';

const WON = 4;
const LOST = 5;
const FORECAST = ['Pipeline', 'Pipeline', 'BestCase', 'Commit', 'Closed', 'Omitted'];

/** The time of an opportunity's next change. */
function nextTime(prng: Prng, t: number): number {
  return t + prng.exp(4 * DAY_MS);
}

/**
 * Advances opportunity `i` at time `t`: Salesforce CREATE, then stage moves (win chance grows
 * with the account's propensity, the label features learn from), amount and close-date changes,
 * occasional DELETE and UNDELETE. Returns the next time or -1.
 */
export function tickOpportunity(ctx: SimulationContext, i: number, t: number): number {
  const { prng, roller, world: w } = ctx;
  const o = w.opportunities[i]!;
  const slot = ctx.slots.opportunities + i;
  const acc = w.accounts[o.accountIndex]!;
  if (!o.created) {
    o.created = true;
    const amount = Math.round(((acc.record.employee_count as number) * (20 + prng.int(200))) / 100) * 100 + 1000;
    o.record = {
      opportunity_id: salesforceId('006', ctx.tenantIndex, i + 1),
      account_id: acc.record.account_id,
      name: `${acc.record.name as string} - ${prng.pick(['Platform', 'Expansion', 'Renewal', 'Pilot', 'Enterprise'])} ${new Date(t).getUTCFullYear()}`,
      stage: 'prospecting',
      amount,
      currency: prng.pick(CURRENCIES),
      close_date: isoDate(t + (30 + prng.int(90)) * DAY_MS),
      probability: 10,
      owner_id: acc.record.owner_id,
      created_at: isoTime(t),
      updated_at: isoTime(t),
    };
    let defect: InjectedDefect | undefined;
    const overrides: Record<string, unknown> = {};
    if (roller.roll('orphan_reference')) {
      overrides.account_id = salesforceId('001', ctx.tenantIndex, 20_000_000 + prng.int(1_000_000_000));
      defect = { kind: 'orphan_reference', field: 'account_id', detail: { value: overrides.account_id, references: 'account' } };
    }
    const change: EntityChange = { entity: 'opportunity', slot, op: 'create', time: t, record: { ...o.record }, changed: [], ...(defect ? { overrides, defect } : {}) };
    ctx.pipeline.submit(ctx.salesforce.unitFor(change, { IsPrivate: false, IsClosed: false, IsWon: false, ForecastCategory: 'Pipeline', ForecastCategoryName: 'Pipeline', Type: 'New Business', LeadSource: 'Web', HasOpportunityLineItem: false }));
    return nextTime(prng, t);
  }
  const r = o.record;
  if (o.deleted) {
    o.deleted = false;
    r.updated_at = isoTime(t);
    ctx.pipeline.submit(ctx.salesforce.unitFor({ entity: 'opportunity', slot, op: 'undelete', time: t, record: { ...r }, changed: [] }, { IsClosed: o.stageIndex >= WON, IsWon: o.stageIndex === WON }));
    return o.stageIndex >= WON ? -1 : nextTime(prng, t);
  }
  r.updated_at = isoTime(t);
  if (roller.roll('delete')) {
    o.deleted = true;
    ctx.pipeline.submit(ctx.salesforce.unitFor({ entity: 'opportunity', slot, op: 'delete', time: t, record: { ...r }, changed: [], defect: { kind: 'delete', detail: {} } }));
    return prng.chance(0.3) ? t + prng.exp(2 * DAY_MS) : -1;
  }
  const changed: string[] = [];
  const extra: Record<string, unknown> = {};
  const nulledExtra: string[] = [];
  let stageMoved = false;
  const u = prng.next();
  if (u < 0.08 || u < 0.6) {
    const won = o.stageIndex === 3 && prng.chance(0.15 + 0.7 * o.propensity);
    o.stageIndex = u < 0.08 ? LOST : o.stageIndex === 3 ? (won ? WON : LOST) : o.stageIndex + 1;
    const s = OPPORTUNITY_STAGES[o.stageIndex]!;
    r.stage = s.stage;
    r.probability = s.probability;
    changed.push('stage', 'probability');
    stageMoved = true;
    extra.ForecastCategoryName = FORECAST[o.stageIndex];
    extra.LastStageChangeDate = t;
    if (o.stageIndex >= WON) {
      extra.IsClosed = true;
      extra.IsWon = o.stageIndex === WON;
      if (o.nextStep !== null) nulledExtra.push('NextStep');
      o.nextStep = null;
      r.close_date = isoDate(t);
      changed.push('close_date');
    } else if (o.stageIndex >= 2) {
      o.nextStep = prng.pick(NEXT_STEPS);
      extra.NextStep = o.nextStep;
    }
  } else if (u < 0.85) {
    r.amount = Math.max(0, Math.round(((r.amount as number) * (0.8 + prng.next() * 0.5)) / 100) * 100);
    changed.push('amount');
  } else {
    r.close_date = isoDate(Date.parse(r.close_date as string) + (7 + prng.int(30)) * DAY_MS);
    changed.push('close_date');
  }
  changed.push('updated_at');
  let defect: InjectedDefect | undefined;
  const overrides: Record<string, unknown> = {};
  const kind = stageMoved ? roller.first(['free_text_stage', 'picklist_typo', 'future_date']) : roller.first(['future_date']);
  if (kind === 'free_text_stage' || kind === 'picklist_typo') {
    overrides.stage = prng.pick(kind === 'free_text_stage' ? FREE_TEXT_STAGES : PICKLIST_TYPOS.stage);
    defect = { kind, field: 'stage', detail: { value: overrides.stage, expected: r.stage } };
  } else if (kind === 'future_date') {
    overrides.updated_at = isoTime(futureTime(ctx, t));
    defect = { kind, field: 'updated_at', detail: { value: overrides.updated_at } };
  }
  const done = o.stageIndex >= WON;
  if (!defect && prng.chance(ctx.gapRate)) {
    emitGap(ctx, 'opportunity', r.opportunity_id as string, 'GAP_UPDATE', t);
    return done ? -1 : nextTime(prng, t);
  }
  const change: EntityChange = { entity: 'opportunity', slot, op: 'update', time: t, record: { ...r }, changed, extra, nulledExtra, ...(defect ? { overrides, defect } : {}) };
  ctx.pipeline.submit(ctx.salesforce.unitFor(change));
  return done ? -1 : nextTime(prng, t);
}
