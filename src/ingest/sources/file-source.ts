import { createReadStream } from 'node:fs';
import { basename } from 'node:path';
import type { Envelope } from '../../envelope.js';
import { toVerityError, VerityError } from '../../errors.js';
import { deriveEventId } from '../event-id.js';
import type { DecodeContext, DecodeResult, DecodeStreamOptions, Source, SourceDelivery } from '../source.js';
import { createCsvReader, createNdjsonReader, type FileRow, type RowReader } from './file-readers.js';
import { parquetRows } from './parquet-rows.js';
import { checkBody, checkContext, countSkipped, emptyResult, header, isRecord, keyValue, mayExceedLimits, measureValue, reject, resolveLimits, shortHash, toIsoTime, type BodyLimits } from './source-helpers.js';

/** How a CSV column's text is typed. */
export type CsvColumnType = 'string' | 'number' | 'integer' | 'boolean' | 'json' | 'list';

/** Options of {@link createFileSource}. */
export interface FileSourceOptions extends BodyLimits {
  /** `ndjson` (one JSON object per line), `csv` (a header row, then records) or `parquet` (files only, read through DuckDB). */
  format: 'ndjson' | 'csv' | 'parquet';
  /** The entity every row belongs to (required: files do not say). */
  entity: string;
  /** The key field (default `<entity>_id`); a row without it is rejected. */
  keyField?: string;
  /** Columns tried in order for `event_time` (default `updated_at`, `occurred_at`, `created_at`). */
  eventTimeColumns?: string[];
  /** The op of every row: `upsert` (default) or `snapshot` (a full export). */
  op?: 'upsert' | 'snapshot';
  /** Longest line (NDJSON) or record (CSV) kept whole, in bytes/characters (default 1 MiB). */
  maxLineBytes?: number;
  /** CSV delimiter (default `,`). */
  delimiter?: string;
  /** CSV: infer numbers and booleans from text (default true; see {@link typeCsvValue}). */
  inferTypes?: boolean;
  /** CSV: explicit types per column, overriding inference. */
  columnTypes?: Record<string, CsvColumnType>;
  /** File name for ids of a `decode`d body when the delivery has no `x-verity-file-name` header (default: `body-<sha256 prefix>`). */
  fileName?: string;
}

const UNREADABLE = new Set(['MALFORMED_JSON', 'MALFORMED_CSV', 'INVALID_UTF8']);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Types one CSV cell. The documented rule: an empty cell is `null`; `true`/`false` (any case) are
 * booleans; a plain decimal number (no leading zeros, no `+`, no thousands separators) is a number
 * when it is finite and, for integers, exactly representable; everything else stays text. A column
 * type overrides the rule; the key field is always text.
 */
export function typeCsvValue(text: string, type: CsvColumnType | undefined, infer: boolean): unknown {
  if (text === '') return null;
  const t = text.trim();
  switch (type) {
    case 'string':
      return text;
    case 'number':
    case 'integer':
      return NUMBER.test(t) && Number.isFinite(Number(t)) ? Number(t) : text;
    case 'boolean':
      return /^(true|false)$/i.test(t) ? t.toLowerCase() === 'true' : text;
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
    case 'list':
      return text
        .split(';')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      if (!infer) return text;
      if (/^(true|false)$/i.test(t)) return t.toLowerCase() === 'true';
      if (NUMBER.test(t)) {
        const n = Number(t);
        if (Number.isFinite(n) && (!Number.isInteger(n) || Number.isSafeInteger(n) || t.includes('.') || /e/i.test(t))) return n;
      }
      return text;
  }
}

/**
 * A file source: bulk NDJSON or CSV exports of one entity, streamed in constant memory with
 * {@link Source.decodeStream} (a path or a Readable of any size), or decoded from one delivery body.
 *
 * Every row is an `upsert` (or `snapshot`) of the whole record. Event id:
 * `deriveEventId('file', [basename(file), rowNumber])`, rowNumber 1-based over data rows (the CSV
 * header and blank lines excluded). Bad rows (invalid UTF-8, bad JSON or CSV, overlong lines, no key,
 * no event time) become rejected items with their line number; blank lines are counted in `skipped`.
 * @example
 * const source = createFileSource({ format: 'ndjson', entity: 'activity' });
 * for await (const batch of source.decodeStream!('files/activity.ndjson', { tenant_id: 't01', now: new Date() }))
 *   console.log(batch.envelopes.length, batch.rejected.length);
 */
export function createFileSource(options: FileSourceOptions): Source {
  if (options?.format !== 'ndjson' && options?.format !== 'csv' && options?.format !== 'parquet')
    throw new VerityError('INVALID_ARGUMENT', 'File source option "format" must be "ndjson", "csv" or "parquet".');
  if (typeof options.entity !== 'string' || !/^[a-z][a-z0-9_]*$/.test(options.entity))
    throw new VerityError('INVALID_ARGUMENT', `File source needs an entity (e.g. --entity activity), got ${JSON.stringify(options.entity)}.`);
  const limits = resolveLimits(options);
  const maxLine = options.maxLineBytes ?? 1024 * 1024;
  if (!Number.isInteger(maxLine) || maxLine <= 0) throw new VerityError('INVALID_ARGUMENT', 'File source option "maxLineBytes" must be a positive integer.');
  const delimiter = options.delimiter ?? ',';
  if (delimiter.length !== 1 || /["\r\n]/.test(delimiter)) throw new VerityError('INVALID_ARGUMENT', 'File source option "delimiter" must be one character other than a quote or newline.');
  const entity = options.entity;
  const keyField = options.keyField ?? `${entity}_id`;
  const timeColumns = options.eventTimeColumns ?? ['updated_at', 'occurred_at', 'created_at'];
  const infer = options.inferTypes !== false;
  const where = `${options.format.toUpperCase()} file source`;

  const newReader = (): RowReader => (options.format === 'csv' ? createCsvReader({ maxRecordChars: maxLine, delimiter }) : createNdjsonReader(maxLine));

  function addRow(item: FileRow | { blank: true }, fileName: string, tenant: string, result: DecodeResult): void {
    if ('blank' in item) {
      countSkipped(result, 'blank_line');
      return;
    }
    const fail = (code: string, message: string) => result.rejected.push(reject(item.line, item.raw, code, message));
    if (item.error) return void fail(item.error.code, item.error.message);
    let record: Record<string, unknown>;
    if (options.format === 'csv') {
      record = {};
      for (const [k, v] of Object.entries(item.value as Record<string, string>)) record[k] = k === keyField ? (v === '' ? null : v) : typeCsvValue(v, options.columnTypes?.[k], infer);
    } else {
      if (!isRecord(item.value)) return void fail('INVALID_ROW', `Line ${item.line} is not a JSON object.`);
      // Parquet rows come typed from DuckDB: no text to pre-check (their strings are not limited).
      const problem = options.format === 'ndjson' && mayExceedLimits(item.raw, limits) ? measureValue(item.value, limits) : undefined;
      if (problem) return void fail(problem.code, `Line ${item.line}: ${problem.message}`);
      record = item.value;
    }
    const key = keyValue(record[keyField]);
    if (key === undefined) return void fail('MISSING_KEY', `Line ${item.line} has no ${keyField}.`);
    const column = timeColumns.find((c) => record[c] !== undefined && record[c] !== null && record[c] !== '');
    if (!column) return void fail('MISSING_EVENT_TIME', `Line ${item.line} has none of ${timeColumns.join(', ')} to date the event.`);
    const eventTime = toIsoTime(record[column]);
    if (!eventTime) return void fail('INVALID_EVENT_TIME', `Line ${item.line}: ${column} ${JSON.stringify(record[column])?.slice(0, 60)} is not an ISO 8601 date-time with a zone or epoch milliseconds.`);
    const env: Envelope = {
      event_id: deriveEventId('file', [fileName, item.row]),
      tenant_id: tenant,
      entity,
      entity_key: { [keyField]: key },
      op: options.op ?? 'upsert',
      event_time: eventTime,
      source: { system: 'file', connector: fileName, position: String(item.row) },
      payload: record,
    };
    if (Array.isArray(record.consent) && record.consent.every((c) => typeof c === 'string')) env.consent = record.consent;
    result.envelopes.push(env);
  }

  function decode(delivery: SourceDelivery, context: DecodeContext): DecodeResult {
    checkContext(context, where);
    if (options.format === 'parquet')
      throw new VerityError('UNSUPPORTED_MEDIA_TYPE', `${where}: Parquet is read from files only (decodeStream or verity ingest), not from a request body. Send NDJSON or CSV.`);
    const body = checkBody(delivery, limits, where);
    // Bytes go to the row reader as they are: a line with invalid UTF-8 is rejected on its own; a
    // body with no readable row at all is MALFORMED_INPUT (below).
    if (body.every((b) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09)) throw new VerityError('MALFORMED_INPUT', `${where}: the body is empty.`);
    const named = header(delivery, 'x-verity-file-name');
    const fileName = named ? basename(named) : (options.fileName ?? `body-${shortHash(body)}`);
    const reader = newReader();
    const result = emptyResult();
    for (const item of [...reader.push(body), ...reader.end()]) addRow(item, fileName, context.tenant_id, result);
    if (result.envelopes.length === 0 && result.rejected.length > 0 && result.rejected.every((r) => UNREADABLE.has(r.code)))
      throw new VerityError('MALFORMED_INPUT', `${where}: no row of the body parses (${result.rejected[0]!.message}).`);
    return result;
  }

  async function* decodeStream(input: string | NodeJS.ReadableStream, context: DecodeContext, streamOptions: DecodeStreamOptions = {}): AsyncGenerator<DecodeResult> {
    checkContext(context, where);
    const fileName = streamOptions.fileName ?? (typeof input === 'string' ? basename(input) : undefined);
    if (!fileName) throw new VerityError('INVALID_ARGUMENT', `${where}: a stream needs options.fileName (it is part of every event id).`);
    const batchSize = streamOptions.batchSize ?? 1000;
    if (options.format === 'parquet') {
      if (typeof input !== 'string') throw new VerityError('INVALID_ARGUMENT', `${where}: Parquet is read from a path, not a stream.`);
      let batch = emptyResult();
      try {
        for await (const item of parquetRows(input)) {
          addRow(item, fileName, context.tenant_id, batch);
          if (batch.envelopes.length + batch.rejected.length >= batchSize) {
            yield batch;
            batch = emptyResult();
          }
        }
      } catch (error) {
        throw toVerityError(error);
      }
      if (batch.envelopes.length + batch.rejected.length > 0) yield batch;
      return;
    }
    const stream = typeof input === 'string' ? createReadStream(input) : input;
    const reader = newReader();
    let result = emptyResult();
    const size = () => result.envelopes.length + result.rejected.length;
    try {
      for await (const chunk of stream as AsyncIterable<Buffer | string>) {
        for (const item of reader.push(chunk)) addRow(item, fileName, context.tenant_id, result);
        if (size() >= batchSize) {
          yield result;
          result = emptyResult();
        }
      }
      for (const item of reader.end()) addRow(item, fileName, context.tenant_id, result);
    } catch (error) {
      throw toVerityError(error);
    }
    if (size() > 0 || result.skipped) yield result;
  }

  const source: Source & { decodeFile(path: string, context: DecodeContext): AsyncIterable<DecodeResult> } = {
    name: options.format,
    capabilities: { signatures: false, batches: true, deletes: false, merges: false, resyncSignals: false, streaming: true },
    decode,
    decodeStream,
    // The name `verity ingest` (src/ingest/ingest-files.ts) looks for: a path, streamed.
    decodeFile: (path, context) => decodeStream(path, context),
  };
  return source;
}

/** {@link createFileSource} for NDJSON. */
export function createNdjsonFileSource(options: Omit<FileSourceOptions, 'format'>): Source {
  return createFileSource({ ...options, format: 'ndjson' });
}

/** {@link createFileSource} for CSV. */
export function createCsvFileSource(options: Omit<FileSourceOptions, 'format'>): Source {
  return createFileSource({ ...options, format: 'csv' });
}
