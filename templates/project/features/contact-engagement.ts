// A feature view: features as code. `verity features list` shows it with its version (a hash of
// this definition); `verity features retrieve` and `verity features materialize` compute it.
import { count, defineFeatureView, derived, lastValue, timeSinceLast } from 'verity';

export default defineFeatureView({
  name: 'contact_engagement',
  entity: 'contact',
  keys: ['contact_id'],
  description: 'How engaged a contact is: recent email opens, meetings and page views, plus CRM state.',
  owner: 'growth-ml@example.com',
  lookback: '365d',
  maxAge: '1d',
  features: {
    lead_score: lastValue('lead_score', { type: 'integer', min: 0, max: 100 }),
    lifecycle_stage: lastValue('lifecycle_stage', {
      type: 'string',
      allowed: ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'],
    }),
    emails_opened_7d: count({ from: 'activity', where: { type: 'email_opened' }, window: '7d' }),
    meetings_30d: count({ from: 'activity', where: { type: 'meeting' }, window: '30d' }),
    page_views_7d: count({ from: 'activity', where: { type: 'page_view' }, window: '7d' }),
    seconds_since_last_activity: timeSinceLast({ from: 'activity', window: '90d' }),
    // Derived features run the same TypeScript offline (training) and online (serving).
    engagement_score: derived((f) => Number(f.emails_opened_7d) + 3 * Number(f.meetings_30d) + 0.2 * Number(f.page_views_7d), { type: 'number', min: 0 }),
  },
});
