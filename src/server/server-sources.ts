import type { Source } from '../ingest/source.js';
import { createDebeziumSource } from '../ingest/sources/debezium-source.js';
import { createHubSpotWebhookSource } from '../ingest/sources/hubspot-webhook-source.js';
import { createSalesforceCdcSource } from '../ingest/sources/salesforce-cdc-source.js';

/**
 * The sources a default server mounts: HubSpot, Salesforce CDC and Debezium webhooks (and native
 * envelopes once that source exists). Secrets are not baked in: the server passes each source's
 * secret per request. HubSpot deliveries without a configured secret are accepted unverified
 * (`allowUnsigned`), so set `secrets.hubspot` in production.
 */
export function createServerSources(): Source[] {
  return [createHubSpotWebhookSource({ allowUnsigned: true }), createSalesforceCdcSource(), createDebeziumSource()];
}
