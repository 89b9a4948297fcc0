import { eventIdOfPartsJson } from '../event-ids.js';
import { groundTruth, type InjectedDefect } from '../defects.js';
import type { Envelope } from '../../envelope.js';
import { GeneratedRecordLine, NO_TEXT, type DeliveryUnit, type TextOptions } from '../change.js';
import { EnvelopeText } from '../envelope-json.js';
import { jsonNumber, jsonObject, jsonString, quoted } from '../json-text.js';

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

/**
 * An activity row of the bulk file, keys in {@link ACTIVITY_COLUMNS} order (optional ones present
 * as the activity type has them).
 */
export type ActivityRow = {
  activity_id: string;
  type: string;
  contact_id: string;
  account_id: string;
  occurred_at: string;
  duration_seconds?: number;
  quantity?: number;
  subject?: string;
};

/**
 * `JSON.stringify(row)` for a row built in column order, without its per-call cost (a test
 * compares them). Ids and the timestamp are generated (no character to escape); `type` and
 * `subject` come from word pools and defects, so they are checked.
 */
function activityRowJson(row: ActivityRow): string {
  let s = `{"activity_id":${quoted(row.activity_id)},"type":${jsonString(row.type)},"contact_id":${quoted(row.contact_id)},"account_id":${quoted(row.account_id)},"occurred_at":${quoted(row.occurred_at)}`;
  if (row.duration_seconds !== undefined) s += `,"duration_seconds":${jsonNumber(row.duration_seconds)}`;
  if (row.quantity !== undefined) s += `,"quantity":${jsonNumber(row.quantity)}`;
  if (row.subject !== undefined) s += `,"subject":${jsonString(row.subject)}`;
  return `${s}}`;
}

/** Renders activity changes as rows of the bulk activity file; event ids are set at delivery (row numbers). */
export class ActivityFileFormat {
  private rows = 0;
  private readonly envelopeText: EnvelopeText;
  private readonly basenameJson: string;

  constructor(
    private readonly tenant_id: string,
    /** The basename whose rows define the event ids (`activity.ndjson`, or `activity.csv` when only CSV is written). */
    readonly basename: string,
    /** Which texts to build: rows, envelope lines. */
    private readonly text: TextOptions = NO_TEXT,
  ) {
    this.envelopeText = new EnvelopeText(tenant_id, 'activity', 'file', basename);
    this.basenameJson = jsonString(basename);
  }

  /**
   * Renders one activity row (its values already carry any injected defect, which `defect`
   * describes); its event id is assigned by {@link assignRow} when it is delivered.
   */
  unitFor(slot: number, time: number, row: ActivityRow, defect?: InjectedDefect): DeliveryUnit {
    const envelope: Envelope = {
      event_id: '',
      tenant_id: this.tenant_id,
      entity: 'activity',
      entity_key: { activity_id: row.activity_id },
      op: 'upsert',
      event_time: row.occurred_at,
      source: { system: 'file', connector: this.basename, position: '' },
      payload: row,
    };
    return {
      source: 'file',
      entity: 'activity',
      slot,
      time,
      deliverAt: time,
      native: [row],
      // The row's JSON is the ndjson line, the envelope's payload and the record line's base.
      nativeJson: this.text.rows ? [activityRowJson(row)] : undefined,
      envelopes: [envelope],
      records: [new GeneratedRecordLine('activity', row, '', 'upsert')],
      defects: defect ? [groundTruth(this.tenant_id, 'activity', '', defect)] : [],
      reorderable: true,
    };
  }

  /** Gives a delivered unit its 1-based data row number and the file event id derived from it. */
  assignRow(unit: DeliveryUnit): void {
    const row = ++this.rows;
    const event_id = eventIdOfPartsJson('file', `[${this.basenameJson},${row}]`);
    const position = `${row}`;
    for (const e of unit.envelopes) {
      e.event_id = event_id;
      e.source.position = position;
    }
    for (const r of unit.records) r.eventId = event_id;
    for (const d of unit.defects) d.event_id = event_id;
    if (!this.text.envelopes) return;
    const e = unit.envelopes[0]!;
    const rowJson = unit.nativeJson?.[0] ?? jsonObject(unit.native[0]!);
    unit.envelopeJson = [this.envelopeText.line(event_id, `{"activity_id":${quoted(e.entity_key.activity_id as string)}}`, 'upsert', undefined, e.event_time, position, rowJson, '')];
  }
}
