import { crc32 } from 'node:zlib';
import { HEAD, HEAD_BYTES, HEX } from './log-framing.js';

const HEAD_CODES = Uint8Array.from(HEAD, (ch) => ch.charCodeAt(0));
/** Node's direct encoder (what `buffer.write(text, offset)` calls after parsing its arguments). */
type RawBuffer = Buffer & { utf8Write(text: string, offset: number): number };
const CLOSE = 0x7d; // the closing brace of the frame object
/** Nesting depth {@link FrameWriter.json} encodes itself (deeper values, and cycles, fall back to JSON.stringify). */
const MAX_JSON_DEPTH = 64;
/** Encoded member names (`"name":`), by name; cleared when full (names of hostile payloads do not pile up). */
const KEY_BYTES = new Map<string, Uint8Array>();
const MAX_KEYS = 4096;
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

  /**
   * Appends `JSON.stringify(value)` as UTF-8, encoding it straight into the buffer (no JSON string
   * is built: for an envelope that is about three times faster than `JSON.stringify` plus
   * {@link FrameWriter.text}). Only plain JSON data is encoded here: strings, finite numbers,
   * booleans, null, arrays and objects whose prototype is `Object.prototype` or null, without
   * `toJSON`, nested at most {@link MAX_JSON_DEPTH} deep; anything else (a Date, a class
   * instance, a BigInt, a non-finite number at the top, a cycle) makes it write nothing and return
   * false, and the caller uses `JSON.stringify` (which gives the same text, or throws).
   * Getters are read as `JSON.stringify` reads them, so a value with getters may have them read
   * twice when it falls back.
   */
  json(value: unknown): boolean {
    const start = this.offset;
    if (this.jsonValue(value, 0)) return true;
    this.offset = start;
    return false;
  }

  private jsonValue(v: unknown, depth: number): boolean {
    switch (typeof v) {
      case 'string':
        this.jsonString(v);
        return true;
      case 'number':
        if (v >= 0 && v <= Number.MAX_SAFE_INTEGER && Math.floor(v) === v) this.integer(v);
        // JSON.stringify writes NaN and ±Infinity as null.
        else this.ascii(Number.isFinite(v) ? JSON.stringify(v) : 'null');
        return true;
      case 'boolean':
        this.ascii(v ? 'true' : 'false');
        return true;
      case 'object': {
        if (v === null) {
          this.ascii('null');
          return true;
        }
        if (depth >= MAX_JSON_DEPTH) return false;
        if (Array.isArray(v)) {
          if (Object.getPrototypeOf(v) !== Array.prototype) return false;
          this.byte(0x5b); // [
          for (let i = 0; i < v.length; i++) {
            if (i > 0) this.byte(0x2c); // ,
            const x: unknown = v[i];
            // In an array, JSON.stringify writes what it cannot encode as null.
            if (x === undefined || typeof x === 'function' || typeof x === 'symbol') this.ascii('null');
            else if (!this.jsonValue(x, depth + 1)) return false;
          }
          this.byte(0x5d); // ]
          return true;
        }
        const proto: unknown = Object.getPrototypeOf(v);
        if (proto !== Object.prototype && proto !== null) return false;
        const o = v as Record<string, unknown>;
        if (typeof o.toJSON === 'function') return false;
        this.byte(0x7b); // {
        let first = true;
        // for…in visits own keys in the order JSON.stringify does (integer keys first, then insertion order).
        for (const k in o) {
          if (!Object.prototype.hasOwnProperty.call(o, k)) continue;
          const x = o[k];
          // In an object, JSON.stringify leaves out what it cannot encode.
          if (x === undefined || typeof x === 'function' || typeof x === 'symbol') continue;
          if (!first) this.byte(0x2c);
          first = false;
          this.jsonKey(k);
          if (!this.jsonValue(x, depth + 1)) return false;
        }
        this.byte(0x7d);
        return true;
      }
      default:
        return false;
    }
  }

  /** A member name and its colon: the bytes of the names seen often (envelope fields, payload fields) are kept. */
  private jsonKey(k: string): void {
    let bytes = KEY_BYTES.get(k);
    if (bytes === undefined) {
      const text = JSON.stringify(k) + ':';
      bytes = Buffer.from(text, 'utf8');
      if (KEY_BYTES.size >= MAX_KEYS) KEY_BYTES.clear();
      KEY_BYTES.set(k, bytes);
    }
    this.bytes(bytes);
  }

  /** A JSON string literal: printable ASCII is copied byte by byte; any other text goes through JSON.stringify's escaping. */
  private jsonString(s: string): void {
    const n = s.length;
    const buffer = this.ensure(n + 2);
    const start = this.offset;
    let o = start;
    buffer[o++] = 0x22;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) {
        this.offset = start;
        this.text(JSON.stringify(s));
        return;
      }
      buffer[o++] = c;
    }
    buffer[o++] = 0x22;
    this.offset = o;
  }

  /** Appends ASCII text. */
  private ascii(text: string): void {
    const n = text.length;
    const buffer = this.ensure(n);
    const o = this.offset;
    for (let i = 0; i < n; i++) buffer[o + i] = text.charCodeAt(i);
    this.offset = o + n;
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
