import { releaseLockFile, tryLockFile } from '../util/lock-file.js';
import { mkdir, readFile, readdir, rm } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { VerityError, toVerityError } from '../errors.js';
import type { Envelope } from '../envelope.js';
import { createGate, stateFieldsOf } from '../ingest/gate.js';
import { openAppendLog, type AppendLog } from './append-log.js';
import { readCatalog } from './catalog.js';
import { createDuckEngine } from './duckdb-engine.js';
import { writeFileAtomic } from './fs-util.js';
import { createIngest } from './lake-ingest.js';
import { createLakeIndex } from './lake-index.js';
import type { LakeCore } from './lake-core.js';
import { createLakeQuery } from './lake-query.js';
import { compactLake, compactionIdle, maybeCompactInBackground } from './compaction.js';
import { createQuarantineZone } from './quarantine-zone.js';
import type { LogRecord } from './log-records.js';
import { scanRaw } from './scan-raw.js';
import type { Lake, LakeOptions } from './types.js';

const DEFAULT_MAX_SEGMENT_BYTES = 64 * 1024 * 1024;
/** Sequence numbers are reserved durably in blocks so that none is reused after a crash. */
const SEQ_RESERVATION_BLOCK = 100_000;
/** Lake directories open for writing in this process. */
const openDirs = new Set<string>();

/**
 * Opens (creating or recovering) the event lake in `options.dir`.
 *
 * Recovery: reads the catalog, removes files an interrupted compaction left behind, loads the
 * index checkpoint, replays every log record after it (truncating a torn last record), and
 * resumes `ingest_seq` after anything ever reserved, so a sequence number is never reused.
 * One process at a time may open a lake for writing (a `LOCK` file holds its pid); readers pass
 * `readOnly: true`.
 * @example
 * const lake = await openLake({ dir: '.verity' });
 * const report = await lake.ingest(envelopes);   // resolves after fsync
 * for await (const e of lake.scanRaw({ entity: 'lead' })) console.log(e.ingest_seq, e.event_id);
 * console.log(await lake.query('SELECT entity, count(*) AS n FROM raw_events GROUP BY ALL'));
 * await lake.close();
 */
export async function openLake(options: LakeOptions): Promise<Lake> {
  if (!options || typeof options.dir !== 'string' || options.dir.length === 0) throw new VerityError('INVALID_ARGUMENT', 'openLake: `dir` is required (the lake directory, e.g. .verity).');
  const dir = options.dir;
  const readOnly = options.readOnly === true;
  const lockPath = join(dir, 'LOCK');
  const seqPath = join(dir, 'seq.json');
  try {
    if (!readOnly) {
      await mkdir(dir, { recursive: true });
      await acquireLock(dir, lockPath);
    }
  } catch (error) {
    throw toVerityError(error);
  }
  try {
    const catalogPath = join(dir, 'catalog.json');
    const checkpointPath = join(dir, 'index', 'checkpoint.ndjson');
    const catalog = await readCatalog(catalogPath);
    if (!readOnly) await removeOrphans(dir, new Set(catalog.files.map((f) => f.path)));
    const index = createLakeIndex();
    const checkpointSeq = await index.loadCheckpoint(checkpointPath);
    let reserved = await readReservation(seqPath);
    const gate = createGate({ ...(options.contracts ? { contracts: options.contracts } : {}), ...(options.checkReferences ? { checkReferences: true } : {}) });
    const stateFieldsCache = new Map<string, readonly string[] | undefined>();
    const stateFieldsFor = (entity: string, tenant: string) => {
      if (!options.contracts) return undefined;
      const k = tenant + '\u0000' + entity;
      if (!stateFieldsCache.has(k)) {
        const validator = options.contracts.validatorFor(entity, tenant);
        stateFieldsCache.set(k, validator ? stateFieldsOf(validator) : undefined);
      }
      return stateFieldsCache.get(k);
    };
    let maxSeen = 0;
    const log: AppendLog = await openAppendLog({
      dir: join(dir, 'log'),
      maxSegmentBytes: options.maxSegmentBytes ?? DEFAULT_MAX_SEGMENT_BYTES,
      readOnly,
      onRecord(json) {
        const record = JSON.parse(json) as LogRecord;
        if (record.s > maxSeen) maxSeen = record.s;
        if (record.s > checkpointSeq) {
          if (record.k === 'r') index.applyRaw(record, stateFieldsFor(record.e.entity, record.e.tenant_id));
          else index.applyQuarantine(record);
        }
        return record.s;
      },
      beforeWrite(maxSeq) {
        if (maxSeq <= reserved) return undefined;
        reserved = maxSeq + SEQ_RESERVATION_BLOCK;
        return writeFileAtomic(seqPath, JSON.stringify({ reservedThrough: reserved }) + '\n');
      },
    });
    const durableSeq = Math.max(maxSeen, checkpointSeq, catalog.compactedThrough);
    let closed = false;
    const core: LakeCore = {
      dir,
      readOnly,
      clock: options.clock ?? (() => new Date()),
      actor: options.actor ?? 'verity',
      contracts: options.contracts,
      audit: options.audit,
      lineage: options.lineage,
      gate,
      index,
      log,
      engine: createDuckEngine(),
      catalog,
      durableSeq,
      nextSeq: Math.max(durableSeq, reserved) + 1,
      activeScans: 0,
      pendingRemovals: [],
      replaysLoaded: -1,
      compactAfterRows: !readOnly && options.compactAfterRows !== undefined && options.compactAfterRows > 0 ? options.compactAfterRows : undefined,
      rowsSinceCompaction: 0,
      backgroundError: undefined,
      catalogPath,
      checkpointPath,
      paused: undefined,
      assertWritable(what) {
        if (closed) throw new VerityError('UNAVAILABLE', `Lake ${dir} is closed; cannot ${what}.`);
        if (readOnly) throw new VerityError('CONFLICT', `Lake ${dir} is open read-only; cannot ${what}.`);
      },
      stateFieldsFor,
      async appendDurably(records, firstSeq, lastSeq, count) {
        await log.append(records, firstSeq, lastSeq);
        if (lastSeq > core.durableSeq) core.durableSeq = lastSeq;
        const appended = count ?? (Buffer.isBuffer(records) ? 0 : records.length);
        if (appended > 0) maybeCompactInBackground(core, appended);
      },
      async quiesce() {
        let release!: () => void;
        const gate = new Promise<void>((resolve) => (release = resolve));
        while (core.paused) await core.paused;
        core.paused = gate;
        try {
          await log.append([], 0, 0);
        } catch (error) {
          core.paused = undefined;
          release();
          throw error;
        }
        return () => {
          core.paused = undefined;
          release();
        };
      },
    };
    // Finish a compaction interrupted after its catalog and checkpoint were written.
    if (!readOnly) {
      const done = log.segments().slice(0, -1).filter((s) => s.maxSeq <= Math.min(catalog.compactedThrough, checkpointSeq));
      if (done.length > 0) await log.remove(done.map((s) => s.number));
    }
    const ingest = createIngest(core);
    const query = createLakeQuery(core);
    const quarantine = createQuarantineZone(core, ingest, query);
    if (!readOnly) openDirs.add(dir);
    return {
      dir,
      ingest: (envelopes, ingestOptions) => ingest.ingest(envelopes, ingestOptions),
      scanRaw: (scanOptions) => scanRaw(core, scanOptions ?? {}),
      lastSeq: () => core.durableSeq,
      compact: () => compactLake(core),
      query: (sql) => query.query(sql),
      stats: () => query.stats(),
      quarantine,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await compactionIdle(core);
          await log.close();
          if (!readOnly && reserved > core.durableSeq) {
            try {
              await writeFileAtomic(seqPath, JSON.stringify({ reservedThrough: Math.max(core.durableSeq, core.nextSeq - 1) }) + '\n');
            } catch {
              // The larger reservation stays in force: a gap in ingest_seq, never a reuse.
            }
          }
        } finally {
          core.engine.close();
          if (!readOnly) {
            openDirs.delete(dir);
            releaseLockFile(lockPath);
          }
        }
      },
    };
  } catch (error) {
    if (!readOnly) {
      openDirs.delete(dir);
      releaseLockFile(lockPath);
    }
    throw toVerityError(error);
  }
}

async function acquireLock(dir: string, lockPath: string): Promise<void> {
  if (openDirs.has(dir)) throw new VerityError('CONFLICT', `Lake ${dir} is already open for writing in this process; close it first.`);
  // A stale lock (dead holder) is taken over; a concurrent takeover elsewhere (0) is retried briefly.
  for (let attempt = 0; attempt < 50; attempt++) {
    const taken = tryLockFile(lockPath);
    if (taken === true) return;
    if (taken > 0)
      throw new VerityError('CONFLICT', `Lake ${dir} is open for writing by process ${taken}. Stop it, or open the lake read-only (e.g. \`verity lake query\`).`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new VerityError('CONFLICT', `Lake ${dir}: could not take the lock ${lockPath}.`);
}


async function readReservation(path: string): Promise<number> {
  try {
    const value = (JSON.parse(await readFile(path, 'utf8')) as { reservedThrough?: unknown }).reservedThrough;
    return typeof value === 'number' && Number.isSafeInteger(value) ? value : 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw new VerityError('INTEGRITY_FAILED', `Lake sequence reservation ${path} is unreadable; restore it or set it above the largest ingest_seq.`, { cause: error });
  }
}

/** Removes Parquet files the catalog does not list and temporary files: leftovers of an interrupted compaction. */
async function removeOrphans(dir: string, listed: ReadonlySet<string>): Promise<void> {
  for (const zone of ['raw', 'quarantine', 'tmp']) {
    const root = join(dir, zone);
    let entries: string[];
    try {
      entries = (await readdir(root, { recursive: true }));
    } catch {
      continue;
    }
    for (const entry of entries) {
      const path = join(root, entry);
      const rel = relative(dir, path).split(sep).join('/');
      if (zone === 'tmp' || ((entry.endsWith('.parquet') || entry.includes('.tmp')) && !listed.has(rel))) await rm(path, { force: true, recursive: true });
    }
  }
}

export type { Envelope };
