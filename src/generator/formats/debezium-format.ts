import type { Envelope } from '../../envelope.js';
import { fastEventId } from '../event-ids.js';
import { groundTruth } from '../defects.js';
import { GeneratedRecordLine, type DeliveryUnit, type EntityChange } from '../change.js';
import type { Prng } from '../prng.js';
import { isoTime } from '../time.js';

/** Debezium connector version written in `source.version`. */
export const DEBEZIUM_VERSION = '2.5.4.Final';
/** Debezium logical server name (`topic.prefix`), `source.name`. */
export const DEBEZIUM_SERVER_NAME = 'crm';

/**
 * Renders lead changes as Debezium PostgreSQL change event values (`schemas.enable=false`) of
 * table `public.leads`, with REPLICA IDENTITY FULL (`before` carries the whole old row) and no
 * tombstones (`tombstones.on.delete=false`: the key is not written, so a null line would say nothing).
 */
export class DebeziumFormat {
  private lsn: number;
  private txId: number;

  constructor(
    private readonly tenant_id: string,
    private readonly prng: Prng,
  ) {
    this.lsn = 33_000_000 + prng.int(1_000_000) * 8;
    this.txId = 600 + prng.int(1000);
  }

  /** The event id the Debezium adapter derives for one change event value. */
  static eventIdOf(value: Record<string, unknown>): string {
    const source = value.source as Record<string, unknown>;
    const row = (value.after ?? value.before) as Record<string, unknown>;
    return fastEventId('debezium', [source.name as string, source.lsn as number, (source.txId as number | null) ?? null, JSON.stringify([row.lead_id])]);
  }

  /** Renders one lead change; `snapshotMarker` is `true`/`last` for initial snapshot reads. */
  unitFor(change: EntityChange, snapshotMarker?: 'true' | 'last'): DeliveryUnit {
    const applied = change.overrides ? { ...change.record, ...change.overrides } : change.record;
    const op = change.op === 'snapshot' ? 'r' : change.op === 'create' ? 'c' : change.op === 'delete' ? 'd' : 'u';
    if (op !== 'r') {
      this.txId += 1;
      this.lsn += 64 + this.prng.int(4000) * 8;
    }
    const value: Record<string, unknown> = {
      before: op === 'c' || op === 'r' ? null : { ...(change.previous ?? change.record) },
      after: op === 'd' ? null : { ...applied },
      source: {
        version: DEBEZIUM_VERSION,
        connector: 'postgresql',
        name: DEBEZIUM_SERVER_NAME,
        ts_ms: change.time,
        snapshot: snapshotMarker ?? 'false',
        db: 'crm',
        sequence: JSON.stringify([String(this.lsn - 64), String(this.lsn)]),
        schema: 'public',
        table: 'leads',
        txId: this.txId,
        lsn: this.lsn,
        xmin: null,
      },
      op,
      ts_ms: change.time,
      transaction: null,
    };
    const event_id = DebeziumFormat.eventIdOf(value);
    const key = { lead_id: change.record.lead_id as string };
    const envelope: Envelope = {
      event_id,
      tenant_id: this.tenant_id,
      entity: 'lead',
      entity_key: key,
      op: op === 'd' ? 'delete' : op === 'r' ? 'snapshot' : 'upsert',
      event_time: isoTime(change.time),
      source: { system: 'debezium', connector: DEBEZIUM_SERVER_NAME, position: String(this.lsn) },
      payload: op === 'd' ? key : (value.after as Record<string, unknown>),
    };
    return {
      source: 'debezium',
      entity: 'lead',
      slot: change.slot,
      time: change.time,
      deliverAt: change.time,
      native: [value],
      envelopes: [envelope],
      records: [new GeneratedRecordLine('lead', value.after === null ? applied : (value.after as Record<string, unknown>), event_id, envelope.op)],
      defects: change.defect ? [groundTruth(this.tenant_id, 'lead', event_id, change.defect)] : [],
      reorderable: op === 'u',
    };
  }
}
