import { closeSync, existsSync, fstatSync, fsync, ftruncateSync, mkdirSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { promisify } from 'node:util';
import { join, resolve } from 'node:path';
import { crc32 } from 'node:zlib';
import { VerityError } from '../errors.js';
import type { Signer, Verifier } from '../keys/signer.js';
import type { AuditFact } from './audit-sink.js';
import { decodeEntry, encodeEntry } from './audit-entry.js';
import type { AuditLog, AuditVerification, ConsistencyProof, InclusionProof, SignedTreeHead } from './audit-log.js';
import { HashArray } from './hash-array.js';
import { appendNodes, consistencyProof, EMPTY_ROOT, hashLeaf, inclusionProof, rootHash, type NodeReader } from './merkle.js';
import { signTreeHead } from './tree-head.js';
import { releaseLockFile, tryLockFile } from '../util/lock-file.js';
import { verifyAuditStream, type StoredEntry } from './verify-audit-log.js';

/** Options for {@link createFileAuditLog}. */
export interface FileAuditLogOptions {
  /** Directory of the log (e.g. `.verity/audit`); created if absent. */
  dir: string;
  /** Signs a tree head after each batch; without it heads are unsigned. */
  signer?: Signer;
  /** Checks head signatures in `verify` (default: the signer). */
  verifier?: Verifier;
  /** Clock for tree head timestamps (default: now). */
  clock?: () => Date;
  /** fsync after each batch (default true; tests of crash recovery may turn it off). */
  fsync?: boolean;
  /**
   * Open without the writer lock and without repairing anything (for `verify`, `head`, proofs and
   * export while another process appends): a torn or not yet indexed tail is ignored, not cut.
   */
  readOnly?: boolean;
}


/** An append holds the lock for milliseconds; one held longer than this was left by a hung or dead writer. */
const LOCK_STALE_MS = 30_000;
/** How long an append waits for another process's append before giving up. */
const LOCK_WAIT_MS = 10_000;

/**
 * Takes `<dir>/LOCK` (pid inside) for one append or repair. A lock left by a dead process, by this
 * process (an append that threw) or older than {@link LOCK_STALE_MS} is taken over; a live one is
 * waited for, up to {@link LOCK_WAIT_MS}. Returns the release function.
 */
async function acquireAppendLock(dir: string, wait = LOCK_WAIT_MS): Promise<() => void> {
  const lock = join(dir, 'LOCK');
  const deadline = Date.now() + wait;
  for (let delay = 1; ; delay = Math.min(delay * 2, 20)) {
    const taken = heldLocks.has(lock) ? process.pid : tryLock(lock);
    if (taken === true) {
      heldLocks.add(lock);
      return () => {
        heldLocks.delete(lock);
        releaseLockFile(lock);
      };
    }
    if (Date.now() >= deadline)
      throw new VerityError('CONFLICT', `Audit log ${dir}: process ${taken} has held ${lock} for over ${wait / 1000} s. If no Verity process has that pid, delete the file.`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Locks this process holds right now (an append awaiting its fsync): not stale, whatever the pid says. */
const heldLocks = new Set<string>();

/** Creates the lock file, or returns the pid of the live process holding it (see {@link tryLockFile}). */
function tryLock(lock: string): true | number {
  return tryLockFile(lock, { staleMs: LOCK_STALE_MS });
}

const fsyncAsync = promisify(fsync);

const FRAME_HEADER = 8;
const READ_CHUNK = 4 * 1024 * 1024;

/**
 * The embedded audit log: append-only files in one directory.
 *
 * - `entries.log`: frames `[u32 length][u32 crc32][canonical JSON entry]`;
 * - `entries.idx`: the u64 offset of each frame;
 * - `nodes-LL.bin`: the hashes of the perfect subtrees at level LL (level 00 = leaf hashes), so
 *   proofs read O(log n) stored hashes;
 * - `heads.ndjson`: one signed tree head per appended batch.
 *
 * Opening recovers from a crash in the middle of an append: a torn last frame (or a frame written
 * but not yet indexed) is truncated or indexed, and missing subtree hashes are recomputed. An
 * indexed frame that fails its checksum is never removed: `verify` reports it. Several processes
 * may append (`verity serve` and a CLI command): each append holds `<dir>/LOCK` for its few
 * milliseconds and first catches up with what other processes appended.
 * @example
 * const log = createFileAuditLog({ dir: '.verity/audit', signer });
 * await log.append([{ type: 'snapshot.created', actor: 'cli', time: new Date().toISOString(), data: { id } }]);
 */
export function createFileAuditLog(options: FileAuditLogOptions): AuditLog {
  const dir = resolve(options.dir);
  const readOnly = options.readOnly === true;
  if (readOnly && !existsSync(join(dir, 'entries.log'))) throw new VerityError('NOT_FOUND', `No audit log in ${dir} yet: nothing has been recorded.`);
  mkdirSync(dir, { recursive: true });
  const clock = options.clock ?? (() => new Date());
  const doSync = options.fsync !== false;
  const verifier = options.verifier ?? options.signer;
  const mode = (p: string) => (readOnly ? 'r' : existsSync(p) ? 'r+' : 'w+');
  const logFd = openSync(join(dir, 'entries.log'), mode(join(dir, 'entries.log')));
  const idxFd = openSync(join(dir, 'entries.idx'), existsSync(join(dir, 'entries.idx')) || !readOnly ? mode(join(dir, 'entries.idx')) : 'r');
  const headsPath = join(dir, 'heads.ndjson');
  const levels: HashArray[] = [];
  const levelFds: number[] = [];
  let count = 0;
  let logEnd = 0;
  let heads: SignedTreeHead[] = [];
  let headsBytes = 0;
  let closed = false;
  let queue: Promise<unknown> = Promise.resolve();
  let headsFd: number | undefined;

  const levelFd = (l: number): number => {
    while (levelFds.length <= l) {
      const p = join(dir, `nodes-${String(levelFds.length).padStart(2, '0')}.bin`);
      levelFds.push(readOnly && !existsSync(p) ? -1 : openSync(p, mode(p)));
      levels.push(new HashArray());
    }
    return levelFds[l]!;
  };
  const read: NodeReader = (level, index) => {
    const arr = levels[level];
    if (!arr || index >= arr.length) throw new VerityError('INTEGRITY_FAILED', `Audit log ${dir}: subtree hash (level ${level}, index ${index}) is missing. Run \`verity audit verify\`.`);
    return arr.get(index);
  };
  const readAt = (fd: number, position: number, length: number): Buffer => {
    const buf = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const n = readSync(fd, buf, got, length - got, position + got);
      if (n === 0) break;
      got += n;
    }
    return got === length ? buf : buf.subarray(0, got);
  };
  const offsetOf = (i: number): number => Number(readAt(idxFd, i * 8, 8).readBigUInt64BE(0));
  /** Reads the frame at `offset`: its bytes, or why it is not a complete, valid frame. */
  const frameAt = (offset: number, fileSize: number): { bytes?: Buffer; end: number; torn?: boolean; error?: string } => {
    if (offset + FRAME_HEADER > fileSize) return { end: offset, torn: true, error: 'frame header is incomplete' };
    const header = readAt(logFd, offset, FRAME_HEADER);
    const length = header.readUInt32BE(0);
    const end = offset + FRAME_HEADER + length;
    if (end > fileSize) return { end, torn: true, error: `frame of ${length} bytes runs past the end of the file` };
    const bytes = readAt(logFd, offset + FRAME_HEADER, length);
    if (crc32(bytes) !== header.readUInt32BE(4)) return { end, error: 'checksum mismatch: the entry bytes were altered or corrupted' };
    return { bytes, end };
  };

  /**
   * Loads the log's state from disk. With `repair` (only under the lock), a torn tail is cut and
   * complete unindexed frames are indexed; without it, the tail is ignored and nothing is written.
   */
  function recover(repair: boolean): void {
    const logSize = fstatSync(logFd).size;
    let n = Math.floor(fstatSync(idxFd).size / 8);
    // Index entries pointing past the end of the log belong to frames that never reached disk
    // (possible only without fsync: frames are synced before they are indexed). An indexed frame
    // that is present but broken is never cut: that is tampering or corruption, for verify to report.
    while (n > 0 && offsetOf(n - 1) + FRAME_HEADER > logSize) n--;
    if (repair) ftruncateSync(idxFd, n * 8);
    let end = n > 0 ? Math.min(frameAt(offsetOf(n - 1), logSize).end, logSize) : 0;
    // Frames written after the last indexed one: index the complete ones, cut the torn tail.
    const unindexedTail = end < logSize;
    for (;;) {
      if (!repair) break; // a writer may be mid-append: leave its tail alone
      const f = frameAt(end, logSize);
      if (!f.bytes) break;
      const b = Buffer.alloc(8);
      b.writeBigUInt64BE(BigInt(end));
      writeSync(idxFd, b, 0, 8, n * 8);
      n++;
      end = f.end;
    }
    if (end < logSize && repair) ftruncateSync(logFd, end);
    count = n;
    logEnd = end;
    // Subtree hashes: keep the largest prefix every level agrees on, recompute the rest.
    let consistent = count;
    for (let l = 0; ; l++) {
      const p = join(dir, `nodes-${String(l).padStart(2, '0')}.bin`);
      if (!existsSync(p) && l > 0 && 2 ** l > count) break;
      const fd = levelFd(l);
      const stored = fd < 0 ? 0 : Math.floor(fstatSync(fd).size / 32);
      consistent = Math.min(consistent, (stored + 1) * 2 ** l - 1);
    }
    for (let l = 0; l < levelFds.length; l++) {
      const keep = Math.floor(consistent / 2 ** l);
      if (repair) ftruncateSync(levelFds[l]!, keep * 32);
      if (keep > 0) levels[l]!.pushAll(readAt(levelFds[l]!, 0, keep * 32));
    }
    if (consistent < count) {
      const leafHashes: Buffer[] = [];
      for (let i = consistent; i < count; i++) {
        const f = frameAt(offsetOf(i), logSize);
        leafHashes.push(hashLeaf(f.bytes ?? Buffer.alloc(0)));
      }
      storeNodes(appendNodes(read, consistent, leafHashes), repair);
    }
    // Heads: drop a torn last line.
    heads = [];
    headsBytes = 0;
    if (existsSync(headsPath)) {
      const text = readFileSync(headsPath, 'utf8');
      const lines = text.split('\n');
      const complete = text.endsWith('\n') ? lines.slice(0, -1) : lines.slice(0, -1);
      heads = [];
      for (const line of complete) {
        try {
          heads.push(JSON.parse(line) as SignedTreeHead);
        } catch {
          throw new VerityError('INTEGRITY_FAILED', `Audit log ${dir}: heads.ndjson has a malformed line; run \`verity audit verify\`.`);
        }
      }
      // Not repairing while a writer appends: heads newer than the indexed entries we see are not ours to check.
      if (!repair && unindexedTail) heads = heads.filter((h) => h.tree_size <= count);
      headsBytes = Buffer.byteLength(complete.map((l) => l + '\n').join(''));
      if (!text.endsWith('\n') && text.length > 0 && repair) {
        const fd = openSync(headsPath, 'r+');
        ftruncateSync(fd, headsBytes);
        closeSync(fd);
      }
    }
  }

  function storeNodes(nodes: ReturnType<typeof appendNodes>, write: boolean): void {
    const byLevel = new Map<number, Buffer[]>();
    for (const n of nodes) {
      if (!byLevel.has(n.level)) byLevel.set(n.level, []);
      byLevel.get(n.level)!.push(n.hash);
    }
    for (const [level, hashes] of byLevel) {
      const fd = levelFd(level);
      const bytes = Buffer.concat(hashes);
      if (write) writeSync(fd, bytes, 0, bytes.length, levels[level]!.length * 32);
      levels[level]!.pushAll(bytes);
      // No fsync: subtree hashes are derived data; opening the log recomputes any that a crash lost.
    }
  }

  /** Forgets the in-memory state and loads it again (another process appended, or a repair is due). */
  function reload(repair: boolean): void {
    // The files changed under us (another writer, a repair): reopen the heads file on the next append.
    if (headsFd !== undefined) closeSync(headsFd);
    headsFd = undefined;
    for (let l = 0; l < levels.length; l++) levels[l] = new HashArray();
    recover(repair);
    repaired = repair;
  }
  /** Whether the files changed since this instance last saw them (another process appended). */
  const changedOnDisk = (): boolean =>
    fstatSync(idxFd).size !== count * 8 || fstatSync(logFd).size !== logEnd || (existsSync(headsPath) ? statSync(headsPath).size : 0) !== headsBytes;

  // A writer repairs a crashed append's tail at open when no other process is appending right now;
  // otherwise it loads without repairing, and its first append repairs under the lock.
  let repaired = false;
  const lockPath = join(dir, 'LOCK');
  if (!readOnly && !heldLocks.has(lockPath) && tryLock(lockPath) === true) {
    try {
      recover(true);
      repaired = true;
    } finally {
      releaseLockFile(lockPath);
    }
  } else recover(false);

  /** Appends under the lock, onto the state just loaded. */
  async function appendLocked(facts: AuditFact[]): Promise<{ firstIndex: number; head: SignedTreeHead }> {
    const firstIndex = count;
    const bodies = facts.map((f, i) => encodeEntry(firstIndex + i, f));
    const frames: Buffer[] = [];
    const offsets = Buffer.alloc(8 * bodies.length);
    let at = logEnd;
    bodies.forEach((body, i) => {
      const header = Buffer.alloc(FRAME_HEADER);
      header.writeUInt32BE(body.length, 0);
      header.writeUInt32BE(crc32(body), 4);
      frames.push(header, body);
      offsets.writeBigUInt64BE(BigInt(at), i * 8);
      at += FRAME_HEADER + body.length;
    });
    const data = Buffer.concat(frames);
    writeSync(logFd, data, 0, data.length, logEnd);
    // The fsyncs run on the I/O thread pool: the event loop (an HTTP server's ingest) is not blocked
    // while the disk flushes. Appends stay serial (this instance's queue, and the lock across instances).
    if (doSync) await fsyncAsync(logFd);
    writeSync(idxFd, offsets, 0, offsets.length, firstIndex * 8);
    logEnd = at;
    storeNodes(appendNodes(read, firstIndex, bodies.map((b) => hashLeaf(b))), true);
    count += bodies.length;
    const head = signTreeHead({ tree_size: count, root_hash: rootHash(read, count).toString('hex'), timestamp: clock().toISOString() }, options.signer);
    // Opened once in append mode (O_APPEND writes at the end even after another process appended or a repair cut the file).
    headsFd ??= openSync(headsPath, 'a');
    const line = JSON.stringify(head) + '\n';
    writeSync(headsFd, line);
    headsBytes += Buffer.byteLength(line);
    if (doSync) await fsyncAsync(headsFd);
    heads.push(head);
    return { firstIndex, head };
  }

  const ensureOpen = () => {
    if (closed) throw new VerityError('UNAVAILABLE', `Audit log ${dir} is closed.`);
  };
  const serial = <T>(fn: () => T | Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const currentHead = (): SignedTreeHead => heads[heads.length - 1] ?? { tree_size: 0, root_hash: EMPTY_ROOT.toString('hex'), timestamp: new Date(0).toISOString() };
  const checkSize = (size: number, what: string) => {
    if (!Number.isSafeInteger(size) || size < 0 || size > count) throw new VerityError('INVALID_ARGUMENT', `${what} ${size} is outside the audit log (size ${count}).`);
  };

  return {
    capabilities: { sharedWriters: true, durable: doSync },

    append(facts: AuditFact[]) {
      return serial(async () => {
        ensureOpen();
        if (readOnly) throw new VerityError('CONFLICT', `Audit log ${dir} was opened read-only; open it without readOnly to append.`);
        if (!Array.isArray(facts) || facts.length === 0) throw new VerityError('INVALID_ARGUMENT', 'Audit append needs at least one fact.');
        const release = await acquireAppendLock(dir);
        try {
          if (!repaired || changedOnDisk()) reload(true);
          return await appendLocked(facts);
        } catch (error) {
          repaired = false; // a half-done append: reload (and repair) before the next one
          throw error;
        } finally {
          release();
        }
      });
    },

    async size() {
      return count;
    },

    async head() {
      return currentHead();
    },

    async *heads() {
      yield* heads.slice();
    },

    async entry(index) {
      ensureOpen();
      if (!Number.isSafeInteger(index) || index < 0 || index >= count) throw new VerityError('NOT_FOUND', `Audit entry ${index} does not exist (the log has ${count} entries).`);
      const f = frameAt(offsetOf(index), logEnd);
      if (!f.bytes) throw new VerityError('INTEGRITY_FAILED', `Audit entry ${index}: ${f.error}. Run \`verity audit verify\`.`);
      return decodeEntry(f.bytes, index);
    },

    async *entries(range = {}) {
      ensureOpen();
      const from = Math.max(0, range.from ?? 0);
      const to = Math.min(count, range.to ?? count);
      for (let i = from; i < to; i++) yield await this.entry(i);
    },

    async inclusionProof(index, treeSize) {
      ensureOpen();
      const size = treeSize ?? count;
      checkSize(size, 'Tree size');
      if (!Number.isSafeInteger(index) || index < 0 || index >= size) throw new VerityError('NOT_FOUND', `Audit entry ${index} is not in the tree of size ${size}.`);
      const proof: InclusionProof = {
        index,
        tree_size: size,
        leaf_hash: Buffer.from(read(0, index)).toString('hex'),
        root_hash: rootHash(read, size).toString('hex'),
        proof: inclusionProof(read, index, size).map((p) => p.toString('hex')),
      };
      return proof;
    },

    async consistencyProof(size1, size2) {
      ensureOpen();
      const second = size2 ?? count;
      checkSize(second, 'Tree size');
      if (!Number.isSafeInteger(size1) || size1 < 0 || size1 > second) throw new VerityError('INVALID_ARGUMENT', `Tree size ${size1} must be between 0 and ${second}.`);
      const proof: ConsistencyProof = {
        size1,
        size2: second,
        root1: rootHash(read, size1).toString('hex'),
        root2: rootHash(read, second).toString('hex'),
        proof: consistencyProof(read, size1, second).map((p) => p.toString('hex')),
      };
      return proof;
    },

    verify(): Promise<AuditVerification> {
      return serial(() => {
        ensureOpen();
        if (changedOnDisk()) reload(false);
        return verifyAuditStream({
          entries: scanFrames(),
          heads,
          verifier,
          storedNode: (level, index) => (levels[level] && index < levels[level].length ? levels[level].get(index) : undefined),
        });
      });
    },

    async close() {
      if (closed) return;
      await queue;
      closed = true;
      for (const fd of [logFd, idxFd, ...levelFds, headsFd ?? -1]) if (fd >= 0) closeSync(fd);
    },
  };

  /** Reads every frame sequentially in large chunks, checking framing, checksums and the index. */
  function* scanFrames(): Generator<StoredEntry> {
    const size = logEnd;
    let buf = Buffer.alloc(0);
    let bufStart = 0;
    let pos = 0;
    const ensure = (need: number): boolean => {
      const inside = pos >= bufStart && pos <= bufStart + buf.length;
      if (inside && pos + need <= bufStart + buf.length) return true;
      const keep = inside ? buf.subarray(pos - bufStart) : Buffer.alloc(0);
      const more = readAt(logFd, pos + keep.length, Math.max(READ_CHUNK, need));
      buf = Buffer.concat([keep, more]);
      bufStart = pos;
      return pos + need <= bufStart + buf.length;
    };
    const idx = readAt(idxFd, 0, count * 8);
    for (let i = 0; i < count; i++) {
      const stored = levels[0] && i < levels[0].length ? levels[0].get(i) : undefined;
      const base = { index: i, ...(stored ? { storedLeafHash: stored } : {}) };
      pos = Number(idx.readBigUInt64BE(i * 8));
      // Where the next frame starts per the index: a frame whose own length disagrees is broken.
      const next = i + 1 < count ? Number(idx.readBigUInt64BE((i + 1) * 8)) : size;
      if (pos + FRAME_HEADER > next || !ensure(FRAME_HEADER)) {
        yield { ...base, error: `frame header is missing (bytes ${pos}..${next})` };
        continue;
      }
      const length = buf.readUInt32BE(pos - bufStart);
      const crc = buf.readUInt32BE(pos - bufStart + 4);
      if (pos + FRAME_HEADER + length !== next) {
        yield { ...base, error: `frame length ${length} disagrees with the index (the next entry starts at byte ${next}); the frame header was altered` };
        continue;
      }
      if (!ensure(FRAME_HEADER + length)) {
        yield { ...base, error: 'frame runs past the end of the log' };
        continue;
      }
      const bytes = Buffer.from(buf.subarray(pos - bufStart + FRAME_HEADER, pos - bufStart + FRAME_HEADER + length));
      if (crc32(bytes) !== crc) yield { ...base, error: 'checksum mismatch: the entry bytes were altered or corrupted' };
      else yield { ...base, bytes };
    }
  }
}
