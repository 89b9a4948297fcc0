import type { Envelope } from '../envelope.js';
import { canonicalKey, canonicalKeyJson, stableStringify } from './canonical.js';
import { compareEvents } from './event-order.js';

/**
 * One row of staging: one version of one record, as believed during one knowledge interval.
 *
 * Valid time: `valid_from` is the version's `event_time`; `valid_to` the next version's
 * `event_time` in the current knowledge (null for the newest). Knowledge time: `known_from` is when
 * this belief was formed (the ingest time of the event that produced it, or of the late event that
 * changed it); `known_to` when a later-ingested, earlier-dated event changed it (null while current).
 * Times are epoch milliseconds here and TIMESTAMPTZ in Parquet.
 */
export interface StagingRow {
  tenant_id: string;
  entity: string;
  /** {@link canonicalKey} of the entity key. */
  key: string;
  /** The entity key as JSON, fields in name order. */
  entity_key: string;
  /** 1-based position of the event in the record's current event order. */
  version: number;
  event_id: string;
  op: string;
  /** True for delete, merge and truncate versions: the record does not exist (on its own) then. */
  is_deleted: boolean;
  /** For merges: the survivor's entity key JSON. */
  merged_into: string | null;
  /** For merges: the survivor's canonical key. */
  merged_into_key: string | null;
  valid_from: number;
  valid_to: number | null;
  known_from: number;
  known_to: number | null;
  /** The `ingest_seq` of this version's event. */
  ingest_seq: number;
  /** The largest `ingest_seq` folded into this belief (breaks ties in online writes). */
  knowledge_seq: number;
  /** When this version's event was ingested. */
  ingest_time: number;
  /** The record's full state after this event (JSON, keys sorted); for deletes, the last state. */
  record: string;
  /** The event's own payload (JSON), kept so staging can be refolded incrementally. */
  payload: string;
  /** The event's `changed_fields` (JSON array) or null for full records. */
  changed_fields: string | null;
  source_system: string;
  source_connector: string;
  source_position: string;
  schema_version: string | null;
  /** JSON array of consent purposes or null. */
  consent: string | null;
}

type State = { record: Record<string, unknown> | null; deleted: boolean };

function apply(prev: State | undefined, e: Envelope): State {
  const base = prev && !prev.deleted ? prev.record : null;
  switch (e.op) {
    case 'delete':
    case 'merge':
    case 'truncate':
      return { record: base ?? prev?.record ?? null, deleted: true };
    default: {
      if (e.changed_fields && e.changed_fields.length > 0) {
        const next: Record<string, unknown> = { ...(base ?? {}) };
        for (const f of e.changed_fields) next[f] = e.payload[f] ?? null;
        return { record: next, deleted: false };
      }
      return { record: { ...e.payload }, deleted: false };
    }
  }
}

/**
 * Folds every known event of ONE record into its bitemporal staging rows.
 *
 * Events are replayed in knowledge order (`ingest_seq`). Each is placed in the record's event order
 * ({@link compareEvents}); partial updates (`changed_fields`) fold onto the previous version in that
 * order, so an out-of-order event changes the folded state of every later version: those rows are
 * closed (`known_to`) at the late event's ingest time and re-opened with the new state. A late event
 * can therefore never leak into an "as known at" read before it was ingested. Deletes, merges and
 * truncates are versions with `is_deleted`. Output is sorted by version then `known_from`.
 */
export function foldRecordHistory(events: Envelope[]): StagingRow[] {
  if (events.length === 0) return [];
  const byKnowledge = [...events].sort((a, b) => (a.ingest_seq ?? 0) - (b.ingest_seq ?? 0) || (a.event_id < b.event_id ? -1 : 1));
  const order: Envelope[] = [];
  const open = new Map<Envelope, { state: State; row: Omit<StagingRow, 'version' | 'valid_to'> }>();
  const closed: Array<{ event: Envelope; row: Omit<StagingRow, 'version' | 'valid_to'> }> = [];
  let knowledgeSeq = 0;
  for (const e of byKnowledge) {
    const knownAt = Date.parse(e.ingest_time ?? e.event_time);
    knowledgeSeq = Math.max(knowledgeSeq, e.ingest_seq ?? 0);
    let pos = order.length;
    while (pos > 0 && compareEvents(order[pos - 1]!, e) > 0) pos--;
    order.splice(pos, 0, e);
    let prev = pos > 0 ? open.get(order[pos - 1]!)!.state : undefined;
    for (let i = pos; i < order.length; i++) {
      const ev = order[i]!;
      const state = apply(prev, ev);
      const current = open.get(ev);
      const recordJson = stableStringify(state.record ?? {});
      if (current && current.row.record === recordJson && current.state.deleted === state.deleted) {
        prev = current.state;
        // Later versions cannot change when this one did not.
        if (i > pos) break;
        continue;
      }
      if (current) {
        if (current.row.known_from < knownAt) closed.push({ event: ev, row: { ...current.row, known_to: knownAt } });
      }
      open.set(ev, { state, row: makeRow(ev, state, recordJson, knownAt, knowledgeSeq) });
      prev = state;
    }
  }
  const versionOf = new Map<Envelope, number>();
  order.forEach((e, i) => versionOf.set(e, i + 1));
  const validTo = (e: Envelope) => {
    const next = order[versionOf.get(e)!];
    return next ? Date.parse(next.event_time) : null;
  };
  const rows: StagingRow[] = [
    ...closed.map(({ event, row }) => ({ ...row, version: versionOf.get(event)!, valid_to: validTo(event) })),
    ...order.map((e) => ({ ...open.get(e)!.row, version: versionOf.get(e)!, valid_to: validTo(e) })),
  ];
  rows.sort((a, b) => a.version - b.version || a.known_from - b.known_from);
  return rows;
}

function makeRow(e: Envelope, state: State, recordJson: string, knownAt: number, knowledgeSeq: number): Omit<StagingRow, 'version' | 'valid_to'> {
  return {
    tenant_id: e.tenant_id,
    entity: e.entity,
    key: canonicalKey(e.entity_key),
    entity_key: canonicalKeyJson(e.entity_key),
    event_id: e.event_id,
    op: e.op,
    is_deleted: state.deleted,
    merged_into: e.op === 'merge' && e.merged_into ? canonicalKeyJson(e.merged_into) : null,
    merged_into_key: e.op === 'merge' && e.merged_into ? canonicalKey(e.merged_into) : null,
    valid_from: Date.parse(e.event_time),
    known_from: knownAt,
    known_to: null,
    ingest_seq: e.ingest_seq ?? 0,
    knowledge_seq: knowledgeSeq,
    ingest_time: Date.parse(e.ingest_time ?? e.event_time),
    record: recordJson,
    payload: stableStringify(e.payload),
    changed_fields: e.changed_fields ? JSON.stringify(e.changed_fields) : null,
    source_system: e.source.system,
    source_connector: e.source.connector,
    source_position: e.source.position,
    schema_version: e.schema_version ?? null,
    consent: e.consent ? JSON.stringify(e.consent) : null,
  };
}

/** Rebuilds the envelope a staging row's event came from (for incremental refolds). */
export function rowToEnvelope(row: StagingRow): Envelope {
  const env: Envelope = {
    event_id: row.event_id,
    tenant_id: row.tenant_id,
    entity: row.entity,
    entity_key: JSON.parse(row.entity_key),
    op: row.op as Envelope['op'],
    event_time: new Date(row.valid_from).toISOString(),
    ingest_time: new Date(row.ingest_time).toISOString(),
    ingest_seq: row.ingest_seq,
    source: { system: row.source_system, connector: row.source_connector, position: row.source_position },
    payload: JSON.parse(row.payload),
  };
  if (row.merged_into) env.merged_into = JSON.parse(row.merged_into);
  if (row.changed_fields) env.changed_fields = JSON.parse(row.changed_fields);
  if (row.schema_version) env.schema_version = row.schema_version;
  if (row.consent) env.consent = JSON.parse(row.consent);
  return env;
}
