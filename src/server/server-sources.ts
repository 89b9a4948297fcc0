import type { Source } from '../ingest/source.js';
import { createSource } from '../ingest/sources/source-registry.js';

/**
 * The sources a default server mounts: HubSpot, Salesforce CDC and Debezium webhooks, and native
 * envelopes (`verity`) for `/v1/events`. Secrets are not baked in: the server passes each source's
 * secret per request. HubSpot deliveries are accepted unverified only while no HubSpot secret is
 * configured (`allowUnsigned`), so set `secrets.hubspot` in production.
 */
export function createServerSources(): Source[] {
  return [createSource('hubspot', { allowUnsigned: true }), createSource('salesforce'), createSource('debezium'), createSource('verity')];
}
