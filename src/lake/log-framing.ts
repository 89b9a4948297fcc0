import { crc32 } from 'node:zlib';

/**
 * Framing of one append-log line: `{"c":"<crc32, 8 lower-case hex digits>","r":<record JSON>}\n`.
 *
 * Every line is itself a JSON object, so a segment is plain NDJSON that DuckDB's `read_json`
 * (and any NDJSON reader) reads directly; the checksum covers the UTF-8 bytes of the record JSON.
 * JSON text from JSON.stringify never contains a raw newline, so a newline ends a record. A line
 * whose checksum does not match, or a last line without its newline, is a torn write: recovery
 * truncates it. Checksums are computed over the encoded bytes in place: {@link FrameWriter}
 * encodes records straight into one growing buffer (the ingest path), {@link frameBatch} frames
 * ready JSON texts.
 */

const HEAD = '{"c":"00000000","r":';
/** Bytes before the record JSON. */
const HEAD_BYTES = 20;
const HEX = Buffer.from('0123456789abcdef');
const HEX_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX[i]!] = i;

/** Frames one record JSON text as a log line (with its trailing newline). */
export function frameLine(json: string): string {
  return `{"c":"${crc32(json).toString(16).padStart(8, '0')}","r":${json}}\n`;
}

/**
 * Encodes record JSON texts (each without raw newlines) as framed lines in one buffer: the text
 * is joined with checksum placeholders, encoded once, and each line's checksum is then computed
 * over its bytes and written into its placeholder.
 */
export function frameBatch(groups: ReadonlyArray<readonly string[]>): Buffer {
  let text = '';
  for (const lines of groups) if (lines.length > 0) text += HEAD + lines.join('}\n' + HEAD) + '}\n';
  const buffer = Buffer.from(text, 'utf8');
  let start = 0;
  while (start < buffer.length) {
    const nl = buffer.indexOf(10, start + HEAD_BYTES);
    let crc = crc32(buffer.subarray(start + HEAD_BYTES, nl - 1));
    for (let k = 13; k >= 6; k--) {
      buffer[start + k] = HEX[crc & 15]!;
      crc >>>= 4;
    }
    start = nl + 1;
  }
  return buffer;
}

const HEAD_BUFFER = Buffer.from(HEAD, 'latin1');
/** Node's direct encoders (what `buffer.write(text, offset, encoding)` calls after parsing its arguments). */
type RawBuffer = Buffer & { latin1Write(text: string, offset: number): number; utf8Write(text: string, offset: number): number };
const TAIL = 0x7d; // the closing brace of the frame object
const NEWLINE = 0x0a;

/**
 * Encodes framed log lines directly into one growing buffer, without building each line as a
 * string first: a record is written in pieces ({@link FrameWriter.ascii}, {@link FrameWriter.text},
 * {@link FrameWriter.bytes}, {@link FrameWriter.integer}) between {@link FrameWriter.begin} and
 * {@link FrameWriter.end}, which writes the checksum over the record's bytes into the frame head.
 * The caller guarantees the record is one JSON text without a raw newline.
 * @example
 * const w = new FrameWriter(1024);
 * w.begin(); w.ascii('{"s":'); w.integer(7); w.ascii('}'); w.end();
 * w.finish().toString(); // '{"c":"…","r":{"s":7}}\n'
 */
export class FrameWriter {
  private buffer: RawBuffer;
  private offset = 0;
  private start = 0;
  /** Records written. */
  count = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = Buffer.allocUnsafe(Math.max(256, initialBytes)) as RawBuffer;
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  private ensure(extra: number): void {
    const need = this.offset + extra;
    if (need <= this.buffer.length) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.buffer.length * 2)) as RawBuffer;
    this.buffer.copy(next, 0, 0, this.offset);
    this.buffer = next;
  }

  /** Starts a record (writes the frame head with a checksum placeholder). */
  begin(): void {
    this.ensure(HEAD_BYTES);
    this.start = this.offset;
    HEAD_BUFFER.copy(this.buffer, this.offset);
    this.offset += HEAD_BYTES;
  }

  /** Appends text known to be ASCII (JSON punctuation, numbers, ISO times): one byte per character. */
  ascii(text: string): void {
    this.ensure(text.length);
    this.offset += this.buffer.latin1Write(text, this.offset);
  }

  /** Appends any text as UTF-8. */
  text(text: string): void {
    this.ensure(text.length * 3);
    this.offset += this.buffer.utf8Write(text, this.offset);
  }

  /** Appends bytes as they are. */
  bytes(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buffer.set(bytes, this.offset);
    this.offset += bytes.length;
  }

  /** Appends a non-negative safe integer in decimal. */
  integer(n: number): void {
    this.ascii(String(n));
  }

  /** Ends the record: closes the frame, writes the newline and the checksum. */
  end(): void {
    this.ensure(2);
    const buffer = this.buffer;
    const recordEnd = this.offset;
    buffer[this.offset++] = TAIL;
    buffer[this.offset++] = NEWLINE;
    let crc = crc32(buffer.subarray(this.start + HEAD_BYTES, recordEnd));
    for (let k = this.start + 13; k >= this.start + 6; k--) {
      buffer[k] = HEX[crc & 15]!;
      crc >>>= 4;
    }
    this.count++;
  }

  /** Abandons a record begun but not ended (e.g. its encoding threw). */
  abort(): void {
    this.offset = this.start;
  }

  /** The framed lines written (a view of the internal buffer; the writer must not be used after). */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/** Checks one framed line held in `buffer[start, end)` (without its newline); returns the record JSON or undefined. */
export function unframeBytes(buffer: Buffer, start: number, end: number): string | undefined {
  if (end - start < HEAD_BYTES + 3) return undefined;
  // {"c":"  …  ","r":   …   }
  if (buffer[start] !== 0x7b || buffer[start + 1] !== 0x22 || buffer[start + 2] !== 0x63 || buffer[start + 5] !== 0x22 || buffer[start + 14] !== 0x22 || buffer[start + 16] !== 0x22 || buffer[start + 17] !== 0x72 || buffer[end - 1] !== 0x7d) return undefined;
  let expected = 0;
  for (let k = 6; k < 14; k++) {
    const v = HEX_VALUE[buffer[start + k]!]!;
    if (v < 0) return undefined;
    expected = expected * 16 + v;
  }
  if (crc32(buffer.subarray(start + HEAD_BYTES, end - 1)) !== expected) return undefined;
  return buffer.toString('utf8', start + HEAD_BYTES, end - 1);
}

/** Returns the record JSON of a framed line (without its newline), or undefined when the checksum or framing is wrong. */
export function unframeLine(line: string): string | undefined {
  const buffer = Buffer.from(line, 'utf8');
  return unframeBytes(buffer, 0, buffer.length);
}
