import { createWriteStream, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { VerityError } from '../errors.js';

/** Bytes buffered in memory before a write is handed to the stream. */
const CHUNK_CHARS = 1 << 17;

/**
 * A buffered line writer over a file stream: lines are joined into ~128 KB chunks, and the
 * caller awaits {@link LineWriter.drain} so memory stays bounded (backpressure).
 */
export class LineWriter {
  private readonly stream: WriteStream;
  private buffer = '';
  private error: Error | undefined;
  /** Lines written so far. */
  lines = 0;
  /** Bytes written (exact once closed). */
  get bytes(): number {
    return this.stream.bytesWritten;
  }

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.stream.on('error', (e) => (this.error = e));
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    // String concatenation builds a rope that is flattened once per chunk: cheaper than join.
    this.buffer += `${line}\n`;
    this.lines++;
    if (this.buffer.length >= CHUNK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.buffer.length === 0) return;
    this.stream.write(this.buffer);
    this.buffer = '';
  }

  /** True when the stream's buffer is full and the caller should await {@link drain}. */
  get needsDrain(): boolean {
    return this.stream.writableNeedDrain;
  }

  /** Waits until the stream accepts more data. */
  async drain(): Promise<void> {
    this.check();
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    this.flush();
    this.stream.end();
    if (!this.stream.closed) await once(this.stream, 'close');
    this.check();
  }

  private check(): void {
    if (this.error) throw new VerityError('IO_ERROR', `Cannot write ${this.path}: ${this.error.message}`, { cause: this.error });
  }
}
