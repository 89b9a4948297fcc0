import { parse as parseCsv } from 'csv-parse/sync';
import { VerityError } from '../../errors.js';

/**
 * Row readers for the file sources: NDJSON lines and CSV records, from a whole text or from a
 * stream of chunks, in constant memory, each bounded by a maximum length. Every physical problem
 * (bad UTF-8, overlong line, unbalanced quotes, wrong column count) becomes a row with an error,
 * never an exception that loses the rest of the file.
 */

/** One data row of a file, or why it cannot be read. */
export interface FileRow {
  /** 1-based data row number (blank lines and the CSV header excluded): part of the event id. */
  row: number;
  /** 1-based line where the row starts, for messages. */
  line: number;
  /** The row's text (truncated to the length limit when too long). */
  raw: string;
  /** The parsed fields (NDJSON: the JSON value; CSV: header → text). */
  value?: unknown;
  error?: { code: string; message: string };
}

const LF = 0x0a;

/** Blank lines are not rows; readers report them so they can be counted. */
export interface BlankLine {
  blank: true;
}

/** A push-style reader: feed chunks, collect rows; the same code serves whole bodies and streams. */
export interface RowReader {
  push(chunk: Buffer | string): Array<FileRow | BlankLine>;
  end(): Array<FileRow | BlankLine>;
}

/** Splits bytes into NDJSON rows (lines), each decoded as strict UTF-8 and parsed as JSON, at most `maxLineBytes` kept per line. */
export function createNdjsonReader(maxLineBytes: number): RowReader {
  const strict = new TextDecoder('utf-8', { fatal: true });
  const lossy = new TextDecoder('utf-8');
  let parts: Buffer[] = [];
  let size = 0;
  let overflow = 0;
  let line = 0;
  let row = 0;
  const finish = (): FileRow | BlankLine => {
    line++;
    let bytes = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    parts = [];
    size = 0;
    if (overflow > 0) {
      const total = bytes.length + overflow;
      overflow = 0;
      row++;
      return { row, line, raw: lossy.decode(bytes), error: { code: 'LINE_TOO_LONG', message: `Line ${line} is ${total} bytes, over the limit of ${maxLineBytes} (option maxLineBytes); its first ${maxLineBytes} bytes are kept.` } };
    }
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    if (bytes.every((b) => b === 0x20 || b === 0x09)) return { blank: true };
    row++;
    let text: string;
    try {
      text = strict.decode(bytes);
    } catch {
      return { row, line, raw: lossy.decode(bytes), error: { code: 'INVALID_UTF8', message: `Line ${line} is not valid UTF-8.` } };
    }
    try {
      return { row, line, raw: text, value: JSON.parse(text) };
    } catch (cause) {
      return { row, line, raw: text, error: { code: 'MALFORMED_JSON', message: `Line ${line} is not valid JSON: ${(cause as Error).message}` } };
    }
  };
  const add = (piece: Buffer) => {
    if (piece.length === 0) return;
    const room = maxLineBytes - size;
    if (piece.length <= room) {
      parts.push(piece);
      size += piece.length;
    } else {
      if (room > 0) parts.push(piece.subarray(0, room));
      size = maxLineBytes;
      overflow += piece.length - Math.max(room, 0);
    }
  };
  return {
    push(chunk) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      const out: Array<FileRow | BlankLine> = [];
      let start = 0;
      for (let nl = buf.indexOf(LF, start); nl !== -1; nl = buf.indexOf(LF, start)) {
        add(buf.subarray(start, nl));
        out.push(finish());
        start = nl + 1;
      }
      // copy: the tail outlives this chunk
      add(Buffer.from(buf.subarray(start)));
      return out;
    },
    end() {
      return size > 0 || overflow > 0 ? [finish()] : [];
    },
  };
}

/** Options of {@link createCsvReader}. */
export interface CsvReadOptions {
  maxRecordChars: number;
  delimiter: string;
}

interface CsvRecordText {
  line: number;
  text: string;
  error?: { code: string; message: string };
}

/**
 * Splits CSV text into records, quote-aware (RFC 4180: newlines inside quotes belong to the field),
 * checking that quotes are well-formed and each record is within the length limit.
 *
 * Why not hand the stream straight to csv-parse: with `skip_records_with_error`, csv-parse 7 loses
 * every record after an unclosed quote or an oversize record. Bounding and checking each record
 * first keeps one bad row from swallowing the rest of the file; csv-parse then parses the fields.
 */
function createCsvSplitter(options: CsvReadOptions): { push(text: string): CsvRecordText[]; end(): CsvRecordText[] } {
  const d = options.delimiter;
  // 0 field start, 1 unquoted, 2 quoted, 3 quote seen inside quoted, 4 skipping a bad record to the next newline
  let state = 0;
  let pieces: string[] = [];
  let length = 0;
  let line = 1;
  let startLine = 1;
  let error: { code: string; message: string } | undefined;
  const take = (s: string) => {
    if (length + s.length > options.maxRecordChars) {
      pieces.push(s.slice(0, Math.max(0, options.maxRecordChars - length)));
      length = options.maxRecordChars;
      error ??= { code: 'LINE_TOO_LONG', message: `The record starting at line ${startLine} is longer than ${options.maxRecordChars} characters (option maxLineBytes); its start is kept.` };
      state = 4;
    } else {
      pieces.push(s);
      length += s.length;
    }
  };
  const end = (): CsvRecordText => {
    const rec: CsvRecordText = { line: startLine, text: pieces.join(''), ...(error ? { error } : {}) };
    pieces = [];
    length = 0;
    error = undefined;
    state = 0;
    startLine = line;
    return rec;
  };
  return {
    push(chunk) {
      const out: CsvRecordText[] = [];
      let from = 0;
      for (let i = 0; i < chunk.length; i++) {
        const c = chunk[i]!;
        if (c === '\n') {
          line++;
          if (state !== 2) {
            take(chunk.slice(from, i + 1));
            from = i + 1;
            out.push(end());
            continue;
          }
        }
        if (state === 4) continue;
        if (c === '"') {
          if (state === 0) state = 2;
          else if (state === 2) state = 3;
          else if (state === 3) state = 2;
          else {
            error = { code: 'MALFORMED_CSV', message: `Line ${line}: a quote inside an unquoted field.` };
            state = 4;
          }
        } else if (state === 3) {
          if (c === d) state = 0;
          else if (c !== '\r') {
            error = { code: 'MALFORMED_CSV', message: `Line ${line}: characters after a closing quote.` };
            state = 4;
          }
        } else if (c === d) {
          if (state !== 2) state = 0;
        } else if (state === 0 && c !== '\r') state = 1;
        // keep memory bounded inside a long quoted field
        if (i - from >= 65536) {
          take(chunk.slice(from, i + 1));
          from = i + 1;
        }
      }
      if (from < chunk.length) take(chunk.slice(from));
      return out;
    },
    end() {
      if (length === 0) return [];
      if (state === 2 && !error) error = { code: 'MALFORMED_CSV', message: `The record starting at line ${startLine} has a quote that is never closed.` };
      return [end()];
    },
  };
}

type Parsed = { ok: unknown } | { error: string };

function parseOne(text: string, header: string[] | undefined, delimiter: string): Parsed {
  try {
    const rows = parseCsv(text, { columns: header ?? false, delimiter, relax_column_count: false }) as unknown[];
    if (rows.length !== 1) return { error: `expected one record, found ${rows.length}` };
    return { ok: rows[0] };
  } catch (error) {
    return { error: (error as Error).message };
  }
}

/**
 * Reads CSV rows (header → text values): records are bounded and checked by the splitter, then
 * parsed by csv-parse in batches of 500 (one call per record is 5× slower).
 */
export function createCsvReader(options: CsvReadOptions): RowReader {
  const splitter = createCsvSplitter(options);
  const decoder = new TextDecoder('utf-8');
  let header: string[] | undefined;
  let row = 0;
  let batch: CsvRecordText[] = [];

  const parseBatch = (records: CsvRecordText[]): FileRow[] => {
    const good = records.filter((r) => !r.error);
    let parsed: Parsed[] | undefined;
    if (good.length > 0) {
      const sink: Parsed[] = [];
      try {
        parseCsv(good.map((r) => (r.text.endsWith('\n') ? r.text : `${r.text}\n`)).join(''), {
          columns: header!,
          delimiter: options.delimiter,
          skip_records_with_error: true,
          on_record: (rec: Record<string, string>) => {
            sink.push({ ok: rec });
            return null;
          },
          on_skip: (err: Error | undefined) => {
            sink.push({ error: err?.message ?? 'unparseable record' });
          },
        });
        parsed = sink;
      } catch {
        parsed = undefined;
      }
      // Only trust a batch parse that maps one-to-one onto the records; else parse one by one.
      if (!parsed || parsed.length !== good.length) parsed = good.map((r) => parseOne(r.text, header, options.delimiter));
    }
    const out: FileRow[] = [];
    let g = 0;
    for (const r of records) {
      row++;
      const raw = r.text.replace(/\r?\n$/, '');
      const p = r.error ? undefined : parsed![g++]!;
      if (r.error) out.push({ row, line: r.line, raw, error: r.error });
      else if (p && 'error' in p) out.push({ row, line: r.line, raw, error: { code: 'MALFORMED_CSV', message: `Line ${r.line}: ${p.error}` } });
      else if (raw.includes('\uFFFD')) out.push({ row, line: r.line, raw, error: { code: 'INVALID_UTF8', message: `Line ${r.line} is not valid UTF-8.` } });
      else out.push({ row, line: r.line, raw, value: p!.ok });
    }
    return out;
  };

  const accept = (records: CsvRecordText[], final: boolean): Array<FileRow | BlankLine> => {
    const out: Array<FileRow | BlankLine> = [];
    for (const rec of records) {
      if (rec.text.trim() === '' && !rec.error) {
        out.push({ blank: true });
        continue;
      }
      if (!header) {
        if (rec.error) throw new VerityError('MALFORMED_INPUT', `CSV header (line ${rec.line}): ${rec.error.message}`);
        if (rec.text.includes('\uFFFD')) throw new VerityError('MALFORMED_INPUT', `CSV header (line ${rec.line}) is not valid UTF-8.`);
        const parsedHeader = parseOne(rec.text.replace(/^\uFEFF/, ''), undefined, options.delimiter);
        const cols = 'ok' in parsedHeader ? parsedHeader.ok : undefined;
        if (!Array.isArray(cols) || cols.length === 0 || cols.some((c) => typeof c !== 'string' || c.trim() === ''))
          throw new VerityError('MALFORMED_INPUT', `CSV header (line ${rec.line}) must name every column.`);
        const names = (cols as string[]).map((c) => c.trim());
        if (new Set(names).size !== names.length) throw new VerityError('MALFORMED_INPUT', `CSV header (line ${rec.line}) names a column twice.`);
        header = names;
        continue;
      }
      batch.push(rec);
      if (batch.length >= 500) {
        out.push(...parseBatch(batch));
        batch = [];
      }
    }
    if (final) {
      if (batch.length > 0) out.push(...parseBatch(batch));
      batch = [];
      if (!header) throw new VerityError('MALFORMED_INPUT', 'The CSV has no header row.');
    }
    return out;
  };

  return {
    push(chunk) {
      return accept(splitter.push(typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true })), false);
    },
    end() {
      const rest = decoder.decode();
      return accept([...(rest ? splitter.push(rest) : []), ...splitter.end()], true);
    },
  };
}
