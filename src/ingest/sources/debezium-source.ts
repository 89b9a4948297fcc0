import { decodeLogicalTypes } from './debezium-logical-types.js';
import type { Envelope, EnvelopeOp } from '../../envelope.js';
import { deriveEventId } from '../event-id.js';
import type { DecodeContext, DecodeResult, Source, SourceDelivery } from '../source.js';
import { checkBody, checkContext, countSkipped, decodeUtf8, emptyResult, isRecord, keyValue, parseJsonItems, reject, resolveLimits, toIsoTime, type BodyLimits } from './source-helpers.js';
import { verifyStandardWebhook } from './standard-webhooks.js';

/** Options of {@link createDebeziumSource}. */
export interface DebeziumSourceOptions extends BodyLimits {
  /** `<schema>.<table>` (Postgres) or `<db>.<table>` (MySQL) → entity, merged over {@link DEBEZIUM_DEFAULT_TABLES}. */
  tables?: Record<string, string>;
  /** Key fields per entity, in key order (default `[<entity>_id]`). */
  keyFields?: Record<string, string[]>;
  /** Standard Webhooks secret (`whsec_…`) of the Debezium Server HTTP sink; else `context.secret`. Without one, `verify` passes. */
  secret?: string;
  /** Accepted `webhook-timestamp` drift either way, in seconds (default 300). */
  toleranceSeconds?: number;
}

/** The default table mapping (BRIEF: leads come from Postgres `public.leads`). */
export const DEBEZIUM_DEFAULT_TABLES: Record<string, string> = {
  'public.leads': 'lead',
  'public.accounts': 'account',
  'public.contacts': 'contact',
  'public.opportunities': 'opportunity',
  'public.activities': 'activity',
};

const OPS: Record<string, EnvelopeOp> = { c: 'upsert', u: 'upsert', r: 'snapshot', d: 'delete', t: 'truncate' };
const WHERE = 'Debezium';

type Outcome = Envelope | { code: string; message: string } | { skip: string };

/** Numeric strings become numbers (CloudEvents and doc examples carry `lsn`, `txId`, `ts_ms` as strings). */
function num(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d{1,15}$/.test(v) ? Number(v) : v;
}

/**
 * A source for Debezium change events, as delivered by Debezium Server's HTTP sink (one event per
 * request), from a JetStream subject, or as NDJSON: with or without `schemas.enable` (the
 * `{schema, payload}` wrapper), and in CloudEvents structured mode.
 *
 * Ops: `c`/`u` → `upsert` (full row from `after`), `r` → `snapshot`, `d` → `delete` (key from
 * `before`), `t` → `truncate` (empty entity key: the whole table). Not data: tombstones (`null`
 * values), transaction BEGIN/END markers, schema-change events and heartbeats are counted in
 * `skipped`; `m` (logical decoding messages) are rejected with `LOGICAL_DECODING_MESSAGE`.
 *
 * Event id: Postgres `deriveEventId('debezium', [source.name, source.lsn, source.txId ?? null, keyJson])`,
 * MySQL `deriveEventId('debezium', [source.name, source.file, source.pos, source.row ?? 0, keyJson])`,
 * `keyJson = JSON.stringify(key values in key-field order)`. CloudEvents get the same id from their
 * `iodebezium*` attributes, so a change delivered in both formats dedupes.
 * @example
 * const source = createDebeziumSource({ secret: 'whsec_…' });
 * source.verify?.(delivery, { tenant_id: 't01', now: new Date() });
 * const { envelopes, skipped } = source.decode(delivery, { tenant_id: 't01', now: new Date() });
 */
export function createDebeziumSource(options: DebeziumSourceOptions = {}): Source {
  const limits = resolveLimits(options);
  const tables = { ...DEBEZIUM_DEFAULT_TABLES, ...(options.tables ?? {}) };

  function verify(delivery: SourceDelivery, context: DecodeContext): void {
    const secret = options.secret ?? context.secret;
    if (!secret) return;
    checkBody(delivery, limits, WHERE);
    verifyStandardWebhook(delivery, { secret, now: context.now, where: 'Debezium HTTP sink', ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }) });
  }

  function decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult {
    checkContext(context, WHERE);
    const text = decodeUtf8(checkBody(delivery, limits, WHERE), WHERE);
    const result = emptyResult();
    for (const item of parseJsonItems(text, limits, WHERE)) {
      if ('error' in item) {
        result.rejected.push(item.error);
        continue;
      }
      const out = decodeEvent(item.value, context.tenant_id);
      if ('skip' in out) countSkipped(result, out.skip);
      else if ('code' in out) result.rejected.push(reject(item.index, item.raw, out.code, out.message));
      else result.envelopes.push(out);
    }
    return result;
  }

  function decodeEvent(value: unknown, tenant: string): Outcome {
    if (value === null) return { skip: 'tombstone' };
    if (!isRecord(value)) return { code: 'INVALID_EVENT', message: 'A Debezium event must be a JSON object (or null for a tombstone).' };
    let ev: Record<string, unknown> = value;
    let cloudEventId: string | undefined;
    if (typeof value.specversion === 'string') {
      const ce = fromCloudEvent(value);
      if ('code' in ce) return ce;
      ev = ce.event;
      cloudEventId = ce.id;
    } else if ('schema' in value && 'payload' in value && !('op' in value)) {
      if (value.payload === null) return { skip: 'tombstone' };
      if (!isRecord(value.payload)) return { code: 'INVALID_EVENT', message: 'The payload of a {schema, payload} event must be an object.' };
      // With the schema at hand, logical types (dates as epoch days, timestamps as epoch µs,
      // decimals as base64 bytes) become the dates, times and numbers the contract expects.
      ev = decodeLogicalTypes(value.schema, value.payload);
    }
    if (!('op' in ev)) {
      if ((ev.status === 'BEGIN' || ev.status === 'END') && 'id' in ev) return { skip: 'transaction_marker' };
      if ('ddl' in ev || 'tableChanges' in ev || 'databaseName' in ev) return { skip: 'schema_change' };
      if (Object.keys(ev).every((k) => k === 'ts_ms' || k === 'source')) return { skip: 'heartbeat' };
      return { code: 'MISSING_FIELD', message: 'The Debezium event has no "op".' };
    }
    const opCode = ev.op;
    if (opCode === 'm')
      return { code: 'LOGICAL_DECODING_MESSAGE', message: 'A logical decoding message (op "m") is not a row change; it is kept here, not ingested as data.' };
    const op = typeof opCode === 'string' ? OPS[opCode] : undefined;
    if (!op) return { code: 'UNSUPPORTED_OP', message: `Debezium op ${JSON.stringify(opCode)?.slice(0, 20)} is not one of c, u, d, r, t, m.` };
    const source = ev.source;
    if (!isRecord(source)) return { code: 'MISSING_SOURCE', message: 'The event has no "source" block, so its table and a deterministic event id cannot be known.' };
    const table = typeof source.table === 'string' ? source.table : '';
    const namespace = typeof source.schema === 'string' && source.schema !== '' ? source.schema : typeof source.db === 'string' ? source.db : '';
    const qualified = `${namespace}.${table}`;
    const entity = tables[qualified] ?? tables[table];
    if (!entity) return { code: 'UNKNOWN_ENTITY', message: `No entity is mapped for table "${qualified.slice(0, 120)}" (option tables).` };

    const keyFields = options.keyFields?.[entity] ?? [`${entity}_id`];
    let row: Record<string, unknown> = {};
    const key: Record<string, string | number> = {};
    if (op !== 'truncate') {
      const image = op === 'delete' ? ev.before : ev.after;
      if (!isRecord(image)) {
        return op === 'delete'
          ? { code: 'MISSING_KEY', message: 'A delete without a "before" image (the table has no usable REPLICA IDENTITY) does not say which row was deleted.' }
          : { code: 'MISSING_FIELD', message: `An op "${String(opCode)}" event needs an "after" row.` };
      }
      row = image;
      for (const f of keyFields) {
        const v = keyValue(row[f]);
        if (v === undefined) return { code: 'MISSING_KEY', message: `Key field "${f}" of ${entity} is missing or not a string/number in the row.` };
        key[f] = v;
      }
    }
    const keyJson = JSON.stringify(keyFields.filter((f) => f in key).map((f) => key[f]));
    // source.ts_ms is the commit time at the database; 0 (seen in snapshot examples) means unknown.
    const sourceTime = num(source.ts_ms);
    const eventTime = (sourceTime !== 0 ? toIsoTime(sourceTime) : undefined) ?? toIsoTime(ev.ts_ms);
    if (!eventTime) return { code: 'MISSING_FIELD', message: 'The event has no usable ts_ms (source.ts_ms or ts_ms).' };
    const name = String(source.name ?? '');
    let eventId: string;
    let position: string;
    if (source.lsn !== undefined && source.lsn !== null) {
      eventId = deriveEventId('debezium', [name, num(source.lsn) as string | number, (num(source.txId) as string | number | null | undefined) ?? null, keyJson]);
      position = String(source.lsn);
    } else if (typeof source.file === 'string' && source.pos !== undefined) {
      eventId = deriveEventId('debezium', [name, source.file, num(source.pos) as string | number, (num(source.row) as string | number | null | undefined) ?? 0, keyJson]);
      position = `${source.file}:${String(source.pos)}:${String(source.row ?? 0)}`;
    } else if (cloudEventId) {
      eventId = deriveEventId('debezium', ['cloudevents', cloudEventId, keyJson]);
      position = cloudEventId;
    } else {
      const pos = source.change_lsn ?? source.commit_lsn ?? source.scn ?? source.ord ?? source.ts_ms;
      if (pos === undefined || pos === null) return { code: 'MISSING_FIELD', message: 'The source block has no position (lsn, file/pos, change_lsn, scn…) to derive an event id from.' };
      eventId = deriveEventId('debezium', [name, String(source.connector ?? ''), String(pos), (source.event_serial_no as number | undefined) ?? null, keyJson]);
      position = String(pos);
    }
    return {
      event_id: eventId,
      tenant_id: tenant,
      entity,
      entity_key: key,
      op,
      event_time: eventTime,
      source: { system: 'debezium', connector: name, position },
      // A delete carries only the key (as HubSpot and Salesforce deletes do): the before image is a
      // past state, and validating it against today's contract could quarantine a legitimate delete.
      payload: op === 'delete' ? { ...key } : { ...row },
      // An update's before image tells the gate which state transition the database committed.
      ...(opCode === 'u' && isRecord(ev.before) ? { before: ev.before } : {}),
    };
  }

  return {
    name: 'debezium',
    capabilities: { signatures: true, batches: true, deletes: true, merges: false, resyncSignals: false },
    verify,
    decode,
  };
}

/** Turns a structured-mode CloudEvent into a plain Debezium event (source block rebuilt from `iodebezium*`). */
function fromCloudEvent(ce: Record<string, unknown>): { event: Record<string, unknown>; id: string } | { code: string; message: string } {
  if (typeof ce.id !== 'string' || ce.id === '') return { code: 'MISSING_FIELD', message: 'The CloudEvent has no id.' };
  let data = ce.data;
  if (isRecord(data) && 'schema' in data && 'payload' in data) data = data.payload;
  if (!isRecord(data)) return { code: 'INVALID_EVENT', message: 'The CloudEvent has no data object (structured mode with JSON data is supported).' };
  const attr = (name: string) => ce[`iodebezium${name}`] ?? undefined;
  const source: Record<string, unknown> = {
    connector: attr('connector'),
    name: attr('name'),
    ts_ms: attr('tsms'),
    snapshot: attr('snapshot'),
    db: attr('db'),
    schema: attr('schema'),
    table: attr('table'),
    lsn: attr('lsn') ?? undefined,
    txId: attr('txid') ?? undefined,
    file: attr('file'),
    pos: attr('pos'),
    row: attr('row'),
  };
  for (const k of Object.keys(source)) if (source[k] === undefined || source[k] === null) delete source[k];
  const event: Record<string, unknown> = { op: attr('op'), before: data.before ?? null, after: data.after ?? null, source, ts_ms: attr('tsms') ?? (typeof ce.time === 'string' ? Date.parse(ce.time) : undefined) };
  return { event, id: ce.id };
}
