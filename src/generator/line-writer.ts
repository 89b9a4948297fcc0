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
  private parts: string[] = [];
  private chars = 0;
  private error: Error | undefined;
  /** Lines written so far. */
  lines = 0;
  /** Bytes written so far (UTF-8). */
  bytes = 0;

  constructor(readonly path: string) {
    this.stream = createWriteStream(path, { highWaterMark: 1 << 20 });
    this.stream.on('error', (e) => (this.error = e));
  }

  /** Appends one line (without its newline). */
  write(line: string): void {
    this.parts.push(line);
    this.chars += line.length + 1;
    this.lines++;
    if (this.chars >= CHUNK_CHARS) this.flush();
  }

  private flush(): void {
    if (this.parts.length === 0) return;
    const chunk = this.parts.join('\n') + '\n';
    this.parts = [];
    this.chars = 0;
    this.bytes += Buffer.byteLength(chunk);
    this.stream.write(chunk);
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
