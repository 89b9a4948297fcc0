import { COUNTRY_SPELLINGS, INDUSTRIES, PICKLIST_TYPOS, employeeBucket } from '../pools.js';
import type { EntityChange } from '../change.js';
import type { InjectedDefect } from '../defects.js';
import type { Prng } from '../prng.js';
import { emitGap, futureTime, type SimulationContext } from '../simulation-context.js';
import { DAY_MS, isoTime } from '../time.js';

const ACCOUNT_EXTRA = { Type: 'Prospect', AccountSource: 'Web', CleanStatus: 'Pending' };

/** The time of an account's next change: at least two days later. */
function nextTime(prng: Prng, t: number, span: number): number {
  return t + Math.max(2 * DAY_MS, prng.exp(span / 4));
}

/**
 * Advances account `i` at time `t`: its Salesforce CREATE, then UPDATEs of size, revenue, owner
 * or industry. Returns the next time it changes, or -1.
 */
export function tickAccount(ctx: SimulationContext, i: number, t: number): number {
  const acc = ctx.world.accounts[i]!;
  const { prng, roller } = ctx;
  const span = ctx.end - ctx.start;
  if (!acc.created) {
    acc.created = true;
    const change: EntityChange = { entity: 'account', slot: i, op: 'create', time: t, record: { ...acc.record }, changed: [] };
    ctx.pipeline.submit(ctx.salesforce.unitFor(change, { ...ACCOUNT_EXTRA, BillingAddress: acc.address }));
    return nextTime(prng, t, span);
  }
  const r = acc.record;
  const changed: string[] = [];
  const roll = prng.next();
  if (roll < 0.55) {
    r.employee_count = Math.max(1, Math.round((r.employee_count as number) * (0.97 + prng.next() * 0.23)));
    changed.push('employee_count');
  } else if (roll < 0.8) {
    r.annual_revenue = Math.round(((r.annual_revenue as number) * (0.95 + prng.next() * 0.3)) / 1000) * 1000;
    changed.push('annual_revenue');
  } else if (roll < 0.95) {
    r.owner_id = prng.pick(ctx.world.owners);
    changed.push('owner_id');
  } else {
    r.industry = prng.pick(INDUSTRIES);
    changed.push('industry');
  }
  r.updated_at = isoTime(t);
  changed.push('updated_at');
  const overrides: Record<string, unknown> = {};
  let defect: InjectedDefect | undefined;
  if (t >= ctx.mid && changed.includes('employee_count') && roller.roll('schema_type_change')) {
    overrides.employee_count = employeeBucket(r.employee_count as number);
    defect = { kind: 'schema_type_change', field: 'employee_count', detail: { value: overrides.employee_count, type: 'string', was: 'integer' } };
  } else {
    const kind = roller.first(['country_spelling', 'picklist_typo', 'future_date']);
    if (kind === 'country_spelling') {
      overrides.country = prng.pick(COUNTRY_SPELLINGS[r.country as string] ?? ['Unknown']);
      changed.unshift('country');
      defect = { kind, field: 'country', detail: { value: overrides.country, expected: r.country } };
    } else if (kind === 'picklist_typo') {
      overrides.industry = prng.pick(PICKLIST_TYPOS.industry);
      if (!changed.includes('industry')) changed.unshift('industry');
      defect = { kind, field: 'industry', detail: { value: overrides.industry } };
    } else if (kind === 'future_date') {
      overrides.updated_at = isoTime(futureTime(ctx, t));
      defect = { kind, field: 'updated_at', detail: { value: overrides.updated_at } };
    }
  }
  if (!defect && prng.chance(ctx.gapRate)) {
    emitGap(ctx, 'account', r.account_id as string, 'GAP_UPDATE', t);
    return nextTime(prng, t, span);
  }
  const change: EntityChange = { entity: 'account', slot: i, op: 'update', time: t, record: { ...r }, changed, ...(defect ? { overrides, defect } : {}) };
  ctx.pipeline.submit(ctx.salesforce.unitFor(change));
  if (!ctx.overflowEmitted && ctx.gapRate > 0 && t >= ctx.mid) {
    ctx.overflowEmitted = true;
    emitGap(ctx, 'account', '000000000000000AAA', 'GAP_OVERFLOW', t + 1);
  }
  return nextTime(prng, t, span);
}
