import { NO_TEXT, type GeneratedItem, type TextOptions } from './change.js';
import { DefectRoller } from './defect-roller.js';
import { DeliveryPipeline } from './delivery-pipeline.js';
import { ActivityFileFormat } from './formats/activity-file-format.js';
import { DebeziumFormat } from './formats/debezium-format.js';
import { HubSpotFormat } from './formats/hubspot-format.js';
import { SalesforceFormat } from './formats/salesforce-format.js';
import { tenantId } from './ids.js';
import { ScheduleHeap } from './min-queue.js';
import { tickAccount } from './models/account-model.js';
import { tickContact } from './models/contact-model.js';
import { tickLead } from './models/lead-model.js';
import { tickOpportunity } from './models/opportunity-model.js';
import { resolveGenerateOptions, type GenerateOptions, type ResolvedGenerateOptions } from './options.js';
import { createPrng, hashSeed } from './prng.js';
import type { SimulationContext } from './simulation-context.js';
import { TenantWorld } from './tenant-world.js';
import { DAY_MS } from './time.js';

/** Basename of the activity file whose row numbers define activity event ids. */
export function activityBasename(options: ResolvedGenerateOptions): string {
  return !options.formats.includes('ndjson') && options.formats.includes('csv') ? 'activity.csv' : 'activity.ndjson';
}

/**
 * One tenant's items in batches: the items of each simulation step together. The array is reused:
 * the consumer reads a batch before asking for the next (one resumption per step, not per item).
 */
function* tenantBatches(options: ResolvedGenerateOptions, index: number, text: TextOptions): Generator<readonly GeneratedItem[]> {
  const tenant_id = tenantId(index);
  yield [{ type: 'tenant', tenant_id, index }];
  const prng = createPrng(hashSeed(options.seed, 'tenant', index));
  const start = options.startMs;
  const end = start + options.days * DAY_MS;
  const world = new TenantWorld(options.seed, index, prng, start, end, options);
  const roller = new DefectRoller(options.rates, prng);
  const out: GeneratedItem[] = [];
  const hubspot = new HubSpotFormat(tenant_id, 4_000_000 + index * 1_001, prng, options.hubspotSecret, `${options.webhookBaseUrl}/v1/webhooks/hubspot?tenant=${tenant_id}`, text);
  const file = new ActivityFileFormat(tenant_id, activityBasename(options), text);
  const slots = { contacts: options.accounts, leads: options.accounts + options.contacts, opportunities: options.accounts + options.contacts + options.leads };
  const ctx: SimulationContext = {
    tenant_id,
    tenantIndex: index,
    world,
    prng,
    roller,
    pipeline: new DeliveryPipeline(tenant_id, roller, prng, hubspot, file, out),
    hubspot,
    salesforce: new SalesforceFormat(tenant_id, prng),
    debezium: new DebeziumFormat(tenant_id, prng),
    file,
    out,
    start,
    mid: start + (end - start) / 2,
    end,
    gapRate: options.defectRate > 0 ? 0.01 : 0,
    slots,
    activityCount: 0,
    snapshotsEmitted: 0,
    overflowEmitted: false,
  };
  const heap = new ScheduleHeap(slots.opportunities + options.opportunities);
  world.accounts.forEach((a, i) => heap.push(a.createdAt, i));
  for (let i = 0; i < options.contacts; i++) heap.push(world.contactCreatedAt[i]!, slots.contacts + i);
  for (let i = 0; i < options.leads; i++) heap.push(world.leadFlags[i] === 1 ? start : world.leadCreatedAt[i]!, slots.leads + i);
  world.opportunities.forEach((o, i) => heap.push(o.createdAt, slots.opportunities + i));
  let day = 0;
  while (heap.size > 0) {
    const t = heap.peekTime();
    if (t >= end) break;
    const slot = heap.peekSlot();
    heap.pop();
    ctx.pipeline.advance(t);
    const next =
      slot < slots.contacts ? tickAccount(ctx, slot, t)
      : slot < slots.leads ? tickContact(ctx, slot - slots.contacts, t)
      : slot < slots.opportunities ? tickLead(ctx, slot - slots.leads, t)
      : tickOpportunity(ctx, slot - slots.opportunities, t);
    if (next >= 0 && next < end) heap.push(Math.floor(next), slot);
    const d = Math.floor((t - start) / DAY_MS);
    if (d > day) {
      day = d;
      out.push({ type: 'progress', tenant_id, day, days: options.days });
    }
    if (out.length > 0) {
      yield out;
      out.length = 0;
    }
  }
  ctx.pipeline.finish();
  out.push({ type: 'progress', tenant_id, day: options.days, days: options.days });
  out.push({ type: 'tenant-end', tenant_id, eligible: roller.eligible });
  yield out;
  out.length = 0;
}

/**
 * Generates the CRM data set as a stream of items, in delivery order, tenant after tenant, in
 * constant memory: deliveries in each source's native format with the envelopes the adapters
 * compute for them, full record states, and ground truth for every injected defect. Same
 * options, same items. Options are validated before the first item (throws `VerityError`). Use it to generate data in memory (tests, demos); {@link generate}
 * writes it to files.
 * @example
 * for (const item of generateChanges({ seed: 7, contacts: 100 })) {
 *   if (item.type === 'delivery') lake.ingest(item.envelopes);
 * }
 */
export function generateChanges(options: GenerateOptions = {}): Generator<GeneratedItem> {
  return generateResolved(resolveGenerateOptions(options));
}

/** {@link generateChanges} for options already resolved. */
export function* generateResolved(resolved: ResolvedGenerateOptions): Generator<GeneratedItem> {
  for (const batch of generateBatches(resolved)) yield* batch;
}

/**
 * {@link generateResolved} in batches (the items of one simulation step each, in order), with
 * the JSON texts `text` asks for built alongside the objects (`nativeJson`, `envelopeJson`).
 * Each array is reused: read it before asking for the next.
 */
export function* generateBatches(resolved: ResolvedGenerateOptions, text: TextOptions = NO_TEXT): Generator<readonly GeneratedItem[]> {
  for (let t = 0; t < resolved.tenants; t++) yield* tenantBatches(resolved, t, text);
}
