import { fastEventId } from '../event-ids.js';
import { groundTruth } from '../defects.js';
import type { Envelope } from '../../envelope.js';
import { GeneratedRecordLine, type DeliveryUnit, type EntityChange } from '../change.js';
import { isoTime } from '../time.js';

/** Columns of `files/activity.csv`, in order (absent optional values are empty cells). */
export const ACTIVITY_COLUMNS = ['activity_id', 'type', 'contact_id', 'account_id', 'occurred_at', 'duration_seconds', 'quantity', 'subject'] as const;

/** One CSV cell, quoted per RFC 4180 when it holds a comma, quote or line break. */
function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const s = String(value);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * One CSV line for an activity row. Written by hand rather than with csv-stringify because it is
 * on the hot path (one call per row) and the quoting rule is this one line.
 */
export function activityCsvLine(row: Record<string, unknown>): string {
  return ACTIVITY_COLUMNS.map((c) => csvCell(row[c])).join(',');
}

/** Renders activity changes as rows of the bulk activity file; event ids are set at delivery (row numbers). */
export class ActivityFileFormat {
  private rows = 0;

  constructor(
    private readonly tenant_id: string,
    /** The basename whose rows define the event ids (`activity.ndjson`, or `activity.csv` when only CSV is written). */
    readonly basename: string,
  ) {}

  /** Renders one activity (its event id is assigned by {@link assignRow} when it is delivered). */
  unitFor(change: EntityChange): DeliveryUnit {
    // The change's record is fresh and not kept by the model: it can be the row itself.
    const row = change.overrides ? { ...change.record, ...change.overrides } : change.record;
    const envelope: Envelope = {
      event_id: '',
      tenant_id: this.tenant_id,
      entity: 'activity',
      entity_key: { activity_id: row.activity_id as string },
      op: 'upsert',
      event_time: typeof row.occurred_at === 'string' ? row.occurred_at : isoTime(change.time),
      source: { system: 'file', connector: this.basename, position: '' },
      payload: row,
    };
    return {
      source: 'file',
      entity: 'activity',
      slot: change.slot,
      time: change.time,
      deliverAt: change.time,
      native: [row],
      envelopes: [envelope],
      records: [new GeneratedRecordLine('activity', row, '', 'upsert')],
      defects: change.defect ? [groundTruth(this.tenant_id, 'activity', '', change.defect)] : [],
      reorderable: true,
    };
  }

  /** Gives a delivered unit its 1-based data row number and the file event id derived from it. */
  assignRow(unit: DeliveryUnit): void {
    const row = ++this.rows;
    const event_id = fastEventId('file', [this.basename, row]);
    const position = `${row}`;
    for (const e of unit.envelopes) {
      e.event_id = event_id;
      e.source.position = position;
    }
    for (const r of unit.records) r.eventId = event_id;
    for (const d of unit.defects) d.event_id = event_id;
  }
}
