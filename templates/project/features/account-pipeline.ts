import { count, defineFeatureView, derived, lastValue, max, sum } from 'verity';

const OPEN_STAGES = ['prospecting', 'qualification', 'proposal', 'negotiation'];

export default defineFeatureView({
  name: 'account_pipeline',
  entity: 'account',
  keys: ['account_id'],
  description: 'An account’s firmographics and pipeline activity (opportunity changes and touches).',
  owner: 'revops-ml@example.com',
  lookback: '730d',
  maxAge: '7d',
  features: {
    industry: lastValue('industry', { type: 'string' }),
    employee_count: lastValue('employee_count', { type: 'integer', min: 0 }),
    annual_revenue: lastValue('annual_revenue', { type: 'number', min: 0 }),
    // Opportunity and activity events joined to the account by their account_id field.
    open_opportunity_updates_90d: count({ from: 'opportunity', where: { stage: OPEN_STAGES }, window: '90d' }),
    won_amount_180d: sum('amount', { from: 'opportunity', where: { stage: 'closed_won' }, window: '180d' }),
    largest_open_amount_90d: max('amount', { from: 'opportunity', where: { stage: OPEN_STAGES }, window: '90d' }),
    lost_updates_180d: count({ from: 'opportunity', where: { stage: 'closed_lost' }, window: '180d' }),
    won_updates_180d: count({ from: 'opportunity', where: { stage: 'closed_won' }, window: '180d' }),
    touches_30d: count({ from: 'activity', where: { type: ['email_sent', 'call', 'meeting'] }, window: '30d' }),
    win_rate_180d: derived((f) => {
      const won = Number(f.won_updates_180d);
      const lost = Number(f.lost_updates_180d);
      return won + lost === 0 ? null : won / (won + lost);
    }, { type: 'number', min: 0, max: 1 }),
  },
});
