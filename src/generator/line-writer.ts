import { closeSync, openSync, writeSync } from 'node:fs';
import { VerityError } from '../errors.js';

type Utf8Write = (this: Buffer, string: string, offset: number) => number;
/**
 * `Buffer#utf8Write` (undocumented, in every Node version Verity supports): what `Buffer#write`
 * calls after checking its arguments, which is a third of its cost for a line. Falls back to `write`.
 */
const utf8Write: Utf8Write = (Buffer.prototype as unknown as { utf8Write?: Utf8Write }).utf8Write ?? function (this: Buffer, s: string, offset: number) {
  return this.write(s, offset, 'utf8');
};

/** Size of a writer's buffer: lines are encoded into it and written out when it is full. */
const BUFFER_BYTES = 1 << 18;

/**
 * A buffered line writer over a file: each line is UTF-8-encoded straight into a fixed 256 KB
 * buffer, which is written with one synchronous `write(2)` when full. Memory is bounded by the
 * buffer, so there is no backpressure to wait for; a synchronous write of a large chunk costs less
 * than the stream and promise machinery of an asynchronous one, and encoding each line as it comes
 * keeps no string alive for the garbage collector to copy (a rope of pending lines was slower).
 */
export class LineWriter {
  private fd: number;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private pos = 0;
  /** Lines written so far. */
  lines = 0;
  /** Bytes written so far (exact once closed). */
  bytes = 0;

  constructor(readonly path: string) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw this.ioError(error);
    }
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    this.lines++;
    // A UTF-16 code unit takes at most 3 UTF-8 bytes.
    if (this.pos + line.length * 3 + 1 > BUFFER_BYTES) {
      this.flush();
      if (line.length * 3 + 1 > BUFFER_BYTES) {
        this.writeOut(Buffer.from(`${line}\n`, 'utf8'));
        return;
      }
    }
    this.pos += utf8Write.call(this.buf, line, this.pos);
    this.buf[this.pos++] = 10;
  }

  private flush(): void {
    if (this.pos === 0) return;
    this.writeOut(this.buf.subarray(0, this.pos));
    this.pos = 0;
  }

  private writeOut(data: Buffer): void {
    if (this.fd < 0) throw this.ioError(new Error('the file is closed'));
    try {
      let done = 0;
      while (done < data.length) done += writeSync(this.fd, data, done, data.length - done);
    } catch (error) {
      throw this.ioError(error);
    }
    this.bytes += data.length;
  }

  /** Flushes and closes the file (idempotent; the file is closed even when the flush fails). */
  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      const fd = this.fd;
      this.fd = -1;
      try {
        closeSync(fd);
      } catch (error) {
        // eslint-disable-next-line no-unsafe-finally
        throw this.ioError(error);
      }
    }
  }

  private ioError(error: unknown): VerityError {
    const message = error instanceof Error ? error.message : String(error);
    return new VerityError('IO_ERROR', `Cannot write ${this.path}: ${message}`, { cause: error });
  }
}
