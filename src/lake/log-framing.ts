import { crc32 } from 'node:zlib';

/**
 * Framing of one append-log line: `{"c":"<crc32, 8 lower-case hex digits>","r":<record JSON>}\n`.
 *
 * Every line is itself a JSON object, so a segment is plain NDJSON that DuckDB's `read_json`
 * (and any NDJSON reader) reads directly; the checksum covers the UTF-8 bytes of the record JSON.
 * JSON text from JSON.stringify never contains a raw newline, so a newline ends a record. A line
 * whose checksum does not match, or a last line without its newline, is a torn write: recovery
 * truncates it. Checksums are computed over the encoded bytes in place: `FrameWriter`
 * (frame-writer.ts) encodes records straight into one growing buffer (the ingest path),
 * {@link frameBatch} frames ready JSON texts.
 */

/** The head of a framed line, with a checksum placeholder. */
export const HEAD = '{"c":"00000000","r":';
/** Bytes before the record JSON. */
export const HEAD_BYTES = 20;
/** Lower-case hex digits, by value. */
export const HEX = Buffer.from('0123456789abcdef');
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
