import { crc32 } from 'node:zlib';
import { HEAD, HEAD_BYTES, HEX } from './log-framing.js';

const HEAD_CODES = Uint8Array.from(HEAD, (ch) => ch.charCodeAt(0));
/** Node's direct encoder (what `buffer.write(text, offset)` calls after parsing its arguments). */
type RawBuffer = Buffer & { utf8Write(text: string, offset: number): number };
const CLOSE = 0x7d; // the closing brace of the frame object
const NEWLINE = 0x0a;

/**
 * Encodes framed log lines (see log-framing.ts) directly into one growing buffer, without
 * building each line as a string first: a record is written in pieces ({@link FrameWriter.bytes},
 * {@link FrameWriter.integer}, {@link FrameWriter.byte}, {@link FrameWriter.text}) between
 * {@link FrameWriter.begin} and {@link FrameWriter.end}, which writes the checksum of the
 * record's bytes into the frame head. The caller guarantees each record is one JSON text without
 * a raw newline.
 * @example
 * const w = new FrameWriter(1024);
 * w.begin(); w.text('{"s":'); w.integer(7); w.byte(0x7d); w.end();
 * w.finish().toString(); // '{"c":"…","r":{"s":7}}\n'
 */
export class FrameWriter {
  private buffer: RawBuffer;
  private offset = 0;
  private start = 0;
  /** Records written. */
  count = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buffer = takeBuffer(Math.max(256, initialBytes));
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset;
  }

  /** Makes room for `extra` more bytes. */
  private ensure(extra: number): RawBuffer {
    const need = this.offset + extra;
    if (need > this.buffer.length) {
      const next = takeBuffer(Math.max(need, this.buffer.length * 2));
      this.buffer.copy(next, 0, 0, this.offset);
      releaseFrameBuffer(this.buffer);
      this.buffer = next;
    }
    return this.buffer;
  }

  /** Starts a record (writes the frame head with a checksum placeholder). */
  begin(): void {
    const buffer = this.ensure(HEAD_BYTES + 32);
    const o = (this.start = this.offset);
    buffer.set(HEAD_CODES, o);
    this.offset = o + HEAD_BYTES;
  }

  /** Appends bytes as they are. */
  bytes(bytes: Uint8Array): void {
    const n = bytes.length;
    const buffer = this.ensure(n);
    const o = this.offset;
    if (n <= 16) for (let k = 0; k < n; k++) buffer[o + k] = bytes[k]!;
    else buffer.set(bytes, o);
    this.offset = o + n;
  }

  /** Appends one byte (an ASCII character code). */
  byte(b: number): void {
    this.ensure(1)[this.offset++] = b;
  }

  /** Appends a non-negative safe integer in decimal. */
  integer(n: number): void {
    if (!(n >= 0 && n <= Number.MAX_SAFE_INTEGER) || Math.floor(n) !== n) {
      this.text(JSON.stringify(n));
      return;
    }
    const buffer = this.ensure(16);
    let digits = 1;
    for (let p = 10; p <= n; p *= 10) digits++;
    let o = this.offset + digits;
    this.offset = o;
    do {
      buffer[--o] = 48 + (n % 10);
      n = Math.floor(n / 10);
    } while (n > 0);
  }

  /** Appends any text as UTF-8. */
  text(text: string): void {
    const buffer = this.ensure(text.length * 3);
    this.offset += buffer.utf8Write(text, this.offset);
  }

  /** Abandons the record begun last (its encoding failed): what it wrote is dropped. */
  abort(): void {
    this.offset = this.start;
  }

  /** Ends the record: closes the frame, writes the newline and the checksum into the head. */
  end(): void {
    const buffer = this.ensure(2);
    const recordEnd = this.offset;
    buffer[recordEnd] = CLOSE;
    buffer[recordEnd + 1] = NEWLINE;
    this.offset = recordEnd + 2;
    let crc = crc32(buffer.subarray(this.start + HEAD_BYTES, recordEnd));
    for (let k = this.start + 13; k >= this.start + 6; k--) {
      buffer[k] = HEX[crc & 15]!;
      crc >>>= 4;
    }
    this.count++;
  }

  /**
   * The framed lines written: a view of the writer's buffer (the writer must not be used after).
   * Once they are written out, hand the view to {@link releaseFrameBuffer} so a later writer can reuse the memory.
   */
  finish(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }
}

/**
 * Framing buffers that are free to reuse. A fresh multi-megabyte buffer costs a page fault per
 * 4 KiB on first write (the kernel zeroes each page): for a bulk ingest that is as much time as
 * the encoding itself, so buffers written out are kept (up to {@link POOL_BYTES}) and reused.
 */
const pool: RawBuffer[] = [];
let pooledBytes = 0;
const POOL_BYTES = 128 << 20;
const POOL_MIN = 64 * 1024;

function takeBuffer(size: number): RawBuffer {
  let best = -1;
  for (let i = 0; i < pool.length; i++) if (pool[i]!.length >= size && (best < 0 || pool[i]!.length < pool[best]!.length)) best = i;
  if (best < 0) return Buffer.allocUnsafe(size) as RawBuffer;
  const buffer = pool[best]!;
  pool[best] = pool[pool.length - 1]!;
  pool.pop();
  pooledBytes -= buffer.length;
  return buffer;
}

/**
 * Returns the memory of framed lines from {@link FrameWriter.finish} for reuse, once nothing reads
 * them any more (they were written to the log, or dropped). Small buffers are not kept.
 */
export function releaseFrameBuffer(framed: Buffer): void {
  const size = framed.buffer.byteLength;
  // Only whole buffers of our own size class: small ones may be slices of Node's shared pool.
  if (framed.byteOffset !== 0 || size < POOL_MIN || pooledBytes + size > POOL_BYTES || pool.length >= 64) return;
  pool.push(Buffer.from(framed.buffer, 0, size) as RawBuffer);
  pooledBytes += size;
}
