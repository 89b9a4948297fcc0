import { constants as fsConstants } from 'node:fs';
import { open, readdir, readFile, rm, stat, truncate, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { VerityError, toVerityError } from '../errors.js';
import { ensureDirectory, fsyncDirectory } from './fs-util.js';
import { frameBatch, unframeBytes } from './log-framing.js';

/**
 * The append log: numbered segment files of framed NDJSON lines (see log-framing.ts), written by
 * a group committer. Concurrent appends that arrive while a write is in flight form the next
 * batch: one durable `writev` for the whole batch (the segment is open with O_DSYNC where the
 * platform has it, so the write and its flush are one operation on the I/O thread pool, with no
 * turn of the event loop between them; elsewhere a `datasync` follows); every append's promise
 * resolves only after its batch is durable. Small appends wait for the end of the turn so that
 * the appends made in one turn share a write; a large one (a bulk batch) starts writing at once
 * when the log is idle, overlapping the caller's next batch. A failed write or fsync poisons the log (every later append
 * rejects) because the page cache state is then unknown; the lake must be reopened, which
 * recovers from what is on disk.
 */

/** One segment file. */
export interface SegmentInfo {
  number: number;
  path: string;
  /** Durable bytes. */
  bytes: number;
  /** Smallest and largest ingest_seq in it (0 when empty). */
  minSeq: number;
  maxSeq: number;
}

/** Options of {@link openAppendLog}. */
export interface AppendLogOptions {
  /** The directory of the segment files. */
  dir: string;
  maxSegmentBytes: number;
  readOnly: boolean;
  /** Called for every valid record during recovery, in order; returns the record's ingest_seq. */
  onRecord: (json: string, segment: number) => number;
  /** Called before a batch whose largest seq is `maxSeq` is written (seq reservation); returns a promise only when it has work to wait for. */
  beforeWrite?: (maxSeq: number) => Promise<void> | undefined;
}

/** The append log. */
export interface AppendLog {
  /**
   * Appends records whose seqs are within `minSeq..maxSeq`; resolves once durable. `records` are
   * JSON texts without raw newlines, or lines already framed into one buffer (see
   * `FrameWriter`). An empty append is a barrier: it resolves after every earlier append is durable.
   */
  append(records: readonly string[] | Buffer, minSeq: number, maxSeq: number): Promise<void>;
  /** Seals the active segment (if it holds anything) and starts a new one. */
  rotate(): Promise<void>;
  /** Every segment, oldest first; the last one is the active one. */
  segments(): SegmentInfo[];
  /** Deletes sealed segments. */
  remove(numbers: number[]): Promise<void>;
  close(): Promise<void>;
}

const SEGMENT_RE = /^seg-(\d{8})\.log$/;
/** O_DSYNC: each write returns once its data is durable (undefined on platforms without it). */
const DSYNC: number | undefined = fsConstants.O_DSYNC;
const SEGMENT_FLAGS = DSYNC === undefined ? 'r+' : fsConstants.O_RDWR | DSYNC;
/** An append at least this large starts writing at once when the log is idle. */
const START_NOW_BYTES = 256 * 1024;
const segmentName = (n: number) => `seg-${String(n).padStart(8, '0')}.log`;

interface Pending {
  records: readonly string[] | Buffer;
  minSeq: number;
  maxSeq: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Opens (creating or recovering) the append log in `options.dir`. */
export async function openAppendLog(options: AppendLogOptions): Promise<AppendLog> {
  const { dir, readOnly } = options;
  if (!readOnly) await ensureDirectory(dir);
  let names: string[] = [];
  try {
    names = (await readdir(dir)).filter((n) => SEGMENT_RE.test(n)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw toVerityError(error);
  }
  const segments: SegmentInfo[] = [];
  for (let i = 0; i < names.length; i++) {
    const name = names[i]!;
    const info = await recoverSegment(join(dir, name), Number(SEGMENT_RE.exec(name)![1]), i === names.length - 1, options);
    segments.push(info);
  }

  let active: FileHandle | undefined;
  if (!readOnly) {
    if (segments.length === 0) segments.push(await createSegment(dir, 1));
    active = await open(segments[segments.length - 1]!.path, SEGMENT_FLAGS);
  }

  let queue: Pending[] = [];
  let rotateWaiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];
  let running = false;
  let failure: VerityError | undefined;
  let closed = false;

  const current = () => segments[segments.length - 1]!;

  async function rotateNow(): Promise<void> {
    const next = await createSegment(dir, current().number + 1);
    await active!.close();
    segments.push(next);
    active = await open(next.path, SEGMENT_FLAGS);
  }

  async function writeBatch(batch: Pending[]): Promise<void> {
    let minSeq = 0;
    let maxSeq = 0;
    const buffers: Buffer[] = [];
    let total = 0;
    for (const p of batch) {
      if (p.records.length === 0) continue;
      const framed = Buffer.isBuffer(p.records) ? p.records : frameBatch([p.records]);
      buffers.push(framed);
      total += framed.length;
      if (minSeq === 0 || p.minSeq < minSeq) minSeq = p.minSeq;
      if (p.maxSeq > maxSeq) maxSeq = p.maxSeq;
    }
    if (buffers.length === 0) return;
    const reserving = options.beforeWrite?.(maxSeq);
    if (reserving) await reserving;
    const segment = current();
    // One writev for the whole group (no copy into one buffer); a short write continues with the rest.
    let written = (await active!.writev(buffers, segment.bytes)).bytesWritten;
    if (written < total) {
      const rest = Buffer.concat(buffers, total);
      while (written < total) written += (await active!.write(rest, written, total - written, segment.bytes + written)).bytesWritten;
    }
    if (!DSYNC) await active!.datasync();
    segment.bytes += total;
    if (segment.minSeq === 0) segment.minSeq = minSeq;
    segment.maxSeq = Math.max(segment.maxSeq, maxSeq);
  }

  async function loop(): Promise<void> {
    try {
      while (queue.length > 0 || rotateWaiters.length > 0) {
        const batch = queue;
        queue = [];
        try {
          await writeBatch(batch);
        } catch (error) {
          failure = new VerityError('IO_ERROR', `Lake append log ${current().path}: write or fsync failed (${(error as Error).message}); reopen the lake to recover.`, { cause: error });
          for (const p of [...batch, ...queue]) p.reject(failure);
          for (const w of rotateWaiters) w.reject(failure);
          queue = [];
          rotateWaiters = [];
          return;
        }
        for (const p of batch) p.resolve();
        const waiters = rotateWaiters;
        rotateWaiters = [];
        try {
          if ((waiters.length > 0 && current().bytes > 0) || current().bytes >= options.maxSegmentBytes) await rotateNow();
          for (const w of waiters) w.resolve();
        } catch (error) {
          failure = new VerityError('IO_ERROR', `Lake append log ${dir}: segment rollover failed (${(error as Error).message}); reopen the lake to recover.`, { cause: error });
          for (const w of waiters) w.reject(failure);
        }
      }
    } finally {
      running = false;
    }
  }

  function kick(now = false): void {
    if (running) return;
    running = true;
    // Small appends start on the next turn so that appends made in the same turn share one write;
    // a large one starts now (the write is issued before append returns).
    if (now) void loop();
    else setImmediate(() => void loop());
  }

  function check(): void {
    if (readOnly) throw new VerityError('CONFLICT', `Lake ${dir} is open read-only.`);
    if (closed) throw new VerityError('UNAVAILABLE', `Lake ${dir} is closed.`);
    if (failure) throw failure;
  }

  return {
    append(records, minSeq, maxSeq) {
      check();
      return new Promise<void>((resolve, reject) => {
        queue.push({ records, minSeq, maxSeq, resolve, reject });
        kick(Buffer.isBuffer(records) && records.length >= START_NOW_BYTES);
      });
    },
    rotate() {
      check();
      return new Promise<void>((resolve, reject) => {
        rotateWaiters.push({ resolve, reject });
        kick();
      });
    },
    segments: () => segments.map((s) => ({ ...s })),
    async remove(numbers) {
      const activeNumber = readOnly ? Number.POSITIVE_INFINITY : current().number;
      for (const n of numbers) {
        if (n === activeNumber) continue;
        const i = segments.findIndex((s) => s.number === n);
        if (i < 0) continue;
        await rm(segments[i]!.path, { force: true });
        segments.splice(i, 1);
      }
      await fsyncDirectory(dir);
    },
    async close() {
      if (closed) return;
      if (!readOnly && !failure) await new Promise<void>((resolve) => {
        queue.push({ records: [], minSeq: 0, maxSeq: 0, resolve, reject: () => resolve() });
        kick();
      });
      closed = true;
      await active?.close();
      active = undefined;
    },
  };
}

async function createSegment(dir: string, number: number): Promise<SegmentInfo> {
  const path = join(dir, segmentName(number));
  const handle = await open(path, 'wx');
  await handle.sync();
  await handle.close();
  await fsyncDirectory(dir);
  return { number, path, bytes: 0, minSeq: 0, maxSeq: 0 };
}

/**
 * Reads one segment, hands every valid record to `onRecord`, and truncates a torn tail (a last
 * line without its newline or with a bad checksum, followed by nothing valid). A bad line with
 * valid lines after it, or a torn tail in a sealed segment, is corruption, not a torn write:
 * opening fails with INTEGRITY_FAILED rather than dropping acknowledged events.
 */
async function recoverSegment(path: string, number: number, isLast: boolean, options: AppendLogOptions): Promise<SegmentInfo> {
  const buffer = await readFile(path);
  const info: SegmentInfo = { number, path, bytes: 0, minSeq: 0, maxSeq: 0 };
  let start = 0;
  let badAt = -1;
  while (start < buffer.length) {
    const nl = buffer.indexOf(10, start);
    const end = nl < 0 ? buffer.length : nl;
    const json = nl < 0 ? undefined : unframeBytes(buffer, start, end);
    if (json === undefined) {
      if (badAt < 0) badAt = start;
    } else {
      if (badAt >= 0)
        throw new VerityError('INTEGRITY_FAILED', `Lake segment ${path}: a corrupt record at byte ${badAt} is followed by valid records; refusing to drop acknowledged events. Restore the file from a backup or inspect it by hand.`);
      const seq = options.onRecord(json, number);
      if (info.minSeq === 0) info.minSeq = seq;
      info.maxSeq = Math.max(info.maxSeq, seq);
    }
    start = nl < 0 ? buffer.length : nl + 1;
  }
  info.bytes = badAt < 0 ? buffer.length : badAt;
  if (badAt >= 0) {
    if (!isLast) throw new VerityError('INTEGRITY_FAILED', `Lake segment ${path} (sealed) ends with a corrupt record at byte ${badAt}. Restore it from a backup.`);
    if (!options.readOnly) {
      await truncate(path, badAt);
      const handle = await open(path, 'r+');
      await handle.sync();
      await handle.close();
    }
  }
  if (!options.readOnly && (await stat(path)).size !== info.bytes) throw new VerityError('INTERNAL', `Lake segment ${path}: size mismatch after recovery.`);
  return info;
}
