import type { GeneratedItem } from './change.js';
import type { DefectRoller } from './defect-roller.js';
import type { DeliveryPipeline } from './delivery-pipeline.js';
import type { ActivityFileFormat } from './formats/activity-file-format.js';
import type { DebeziumFormat } from './formats/debezium-format.js';
import type { HubSpotFormat } from './formats/hubspot-format.js';
import type { SalesforceFormat } from './formats/salesforce-format.js';
import type { Prng } from './prng.js';
import type { TenantWorld } from './tenant-world.js';

/** What an entity model needs to advance one record: the world, the dice, the formats and the pipeline. */
export interface SimulationContext {
  readonly tenant_id: string;
  readonly tenantIndex: number;
  readonly world: TenantWorld;
  readonly prng: Prng;
  readonly roller: DefectRoller;
  readonly pipeline: DeliveryPipeline;
  readonly hubspot: HubSpotFormat;
  readonly salesforce: SalesforceFormat;
  readonly debezium: DebeziumFormat;
  readonly file: ActivityFileFormat;
  readonly out: GeneratedItem[];
  readonly start: number;
  readonly mid: number;
  readonly end: number;
  /** Probability that a Salesforce update is replaced by a GAP_UPDATE signal. */
  readonly gapRate: number;
  /** Slot offsets: accounts from 0, then contacts, leads, opportunities. */
  readonly slots: { contacts: number; leads: number; opportunities: number };
  /** Activities generated so far (ids). */
  activityCount: number;
  /** Snapshot reads emitted so far. */
  snapshotsEmitted: number;
  /** Whether the tenant's GAP_OVERFLOW signal has been emitted. */
  overflowEmitted: boolean;
}

/** A future timestamp for the `future_date` defect: one to three years after the event. */
export function futureTime(ctx: SimulationContext, t: number): number {
  return Math.floor(t + (365 + ctx.prng.int(730)) * 86_400_000);
}

/** Emits a Salesforce GAP_* event as a signal (not data): the change happened, its content is not delivered. */
export function emitGap(ctx: SimulationContext, entity: 'account' | 'opportunity', recordId: string, changeType: string, time: number): void {
  const native = ctx.salesforce.gapEvent(entity, recordId, changeType, time);
  const header = native.ChangeEventHeader as Record<string, unknown>;
  ctx.out.push({
    type: 'signal',
    tenant_id: ctx.tenant_id,
    source: 'salesforce',
    native,
    signal: {
      kind: 'resync_needed',
      entity,
      record_ids: changeType === 'GAP_OVERFLOW' ? [] : [recordId],
      detail: { changeType, replayId: native.replayId, transactionKey: header.transactionKey, commitTimestamp: time },
    },
  });
}
