import { crc32 } from 'node:zlib';

/**
 * Framing of one append-log line: `<crc32 as 8 lower-case hex digits> <json>\n`.
 *
 * The checksum covers the UTF-8 bytes of the JSON text. JSON text never contains a raw newline
 * (JSON.stringify escapes control characters), so a newline ends a record. A line whose checksum
 * does not match, or a last line without its newline, is a torn write: recovery truncates it.
 */

/** Frames one JSON text as a log line (with its trailing newline). */
export function frameLine(json: string): string {
  return crc32(json).toString(16).padStart(8, '0') + ' ' + json + '\n';
}

/** Returns the JSON text of a framed line (without its newline), or undefined when the checksum or framing is wrong. */
export function unframeLine(line: string): string | undefined {
  if (line.length < 10 || line.charCodeAt(8) !== 32) return undefined;
  const json = line.slice(9);
  const expected = Number.parseInt(line.slice(0, 8), 16);
  if (!Number.isFinite(expected) || crc32(json) !== expected) return undefined;
  return json;
}
