import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { VerityError } from '../errors.js';
import { referenceKeyOf, STATE_TIME } from '../ingest/gate.js';
import { StringMap, StringTable } from './string-table.js';
import type { QuarantineLogRecord, RawLogRecord } from './log-records.js';

/**
 * The lake's in-memory indexes, rebuilt on open from a checkpoint plus the log tail:
 * - seen event ids per tenant (the gate's durable dedupe),
 * - the keys seen per tenant and entity in the raw zone (reference checks),
 * - the latest known state per record (transition rules): only scalar fields, and only the
 *   validator's `stateFields` when it declares them, so the map stays compact,
 * - replayed quarantine entries (quarantine id seq → raw seq), for exactly-once replay.
 */
export interface LakeIndex {
  hasSeen(tenant_id: string, event_id: string): boolean;
  /**
   * Marks `(tenant_id, event_id)` seen; returns false when it already was (a duplicate). One hash
   * operation where `hasSeen` plus the apply's mark take two: the ingest path dedupes with it.
   */
  claim(tenant_id: string, event_id: string): boolean;
  exists(tenant_id: string, entity: string, key: string): boolean;
  previous(tenant_id: string, entity: string, key: string): Record<string, unknown> | undefined;
  replayedSeq(quarantineSeq: number): number | undefined;
  /** Applies an accepted raw record (at acceptance and during recovery); `claimed`: its id was already marked seen by {@link claim}. */
  applyRaw(record: RawLogRecord, stateFields?: readonly string[], claimed?: boolean): void;
  /** Applies a quarantine record; `claimed` as for {@link applyRaw}. */
  applyQuarantine(record: QuarantineLogRecord, claimed?: boolean): void;
  /** Distinct (tenant, event_id) pairs. */
  seenCount(): number;
  replayedCount(): number;
  /** Every (quarantine seq, raw seq) replay pair. */
  replayedPairs(): Array<[number, number]>;
  quarantineCount(): number;
  /**
   * Serialises the index as a checkpoint covering every record up to `throughSeq`. Synchronous so
   * the snapshot is consistent; call it only while every applied record is durable (quiesced).
   */
  serializeCheckpoint(throughSeq: number): string[];
  /** Loads a checkpoint written by saveCheckpoint; returns its throughSeq (0 when there is none). */
  loadCheckpoint(path: string): Promise<number>;
}


const MAX_STATE_STRING = 64;
const CHUNK = 20_000;
/** The value of a known key with no state to keep. */
const NO_STATE = 0;

type Records = StringMap<Record<string, unknown> | typeof NO_STATE>;

/** Creates an empty index. */
export function createLakeIndex(): LakeIndex {
  // Nested maps keyed by the strings as they come (no concatenated keys to build and hash per event);
  // the large ones are string tables (see string-table.ts), not Maps: no heap object per key.
  const seen = new Map<string, StringTable>();
  /** tenant → entity → reference key → latest state (or NO_STATE): one map serves `exists` and `previous`. */
  const records = new Map<string, Map<string, Records>>();
  const replayed = new Map<number, number>();
  let quarantined = 0;
  let seenTotal = 0;

  const markSeen = (tenant: string, id: string): boolean => {
    let set = seen.get(tenant);
    if (!set) seen.set(tenant, (set = new StringTable()));
    if (!set.add(id)) return false;
    seenTotal++;
    return true;
  };
  // The record state `previous` looked up last: the gate asks for it right before the lake applies
  // the same event, so applyRaw reuses it instead of a second lookup in a large map.
  let memoMap: Records | undefined;
  let memoKey = '';
  let memoEntry = -1;
  const recordsOf = (tenant: string, entity: string, create: boolean): Records | undefined => {
    let byEntity = records.get(tenant);
    if (!byEntity) {
      if (!create) return undefined;
      records.set(tenant, (byEntity = new Map()));
    }
    let map = byEntity.get(entity);
    if (!map && create) byEntity.set(entity, (map = new StringMap()));
    return map;
  };

  return {
    hasSeen: (tenant, id) => seen.get(tenant)?.has(id) === true,
    claim: markSeen,
    exists: (tenant, entity, key) => recordsOf(tenant, entity, false)?.has(key) === true,
    previous: (tenant, entity, key) => {
      const map = recordsOf(tenant, entity, false);
      const entry = map ? map.find(key) : -1;
      memoMap = map;
      memoKey = key;
      memoEntry = entry;
      const state = entry < 0 ? undefined : map!.valueAt(entry);
      return state === undefined || state === NO_STATE ? undefined : state;
    },
    replayedSeq: (q) => replayed.get(q),
    applyRaw(record, stateFields, claimed) {
      const e = record.e;
      if (claimed !== true) markSeen(e.tenant_id, e.event_id);
      if (record.q !== undefined) replayed.set(Number(record.q.slice(1)), record.s);
      const memo = memoMap;
      memoMap = undefined;
      if (e.op === 'truncate') return;
      const ref = referenceKeyOf(e.entity_key);
      const map = recordsOf(e.tenant_id, e.entity, true)!;
      if (e.op === 'delete' || e.op === 'merge') {
        // The key stays known (references to it stay valid); its state is gone.
        map.set(ref, NO_STATE);
        return;
      }
      const entry = memo === map && memoEntry >= 0 && memoKey === ref ? memoEntry : map.intern(ref);
      const current = map.valueAt(entry);
      // A late event (older than the state held) must not roll the state back: transition rules
      // judge the next event against the newest known state.
      if (current !== undefined && current !== NO_STATE && ((current[STATE_TIME] as string | undefined) ?? '') > e.event_time) return;
      const prior = e.changed_fields !== undefined ? current : undefined;
      const base = prior === undefined || prior === NO_STATE ? undefined : prior;
      let next: Record<string, unknown> | undefined = base ? { ...base } : undefined;
      const payload = e.payload;
      if (stateFields) {
        for (let i = 0; i < stateFields.length; i++) {
          const f = stateFields[i]!;
          if (f in payload) (next ??= {})[f] = payload[f];
        }
      } else {
        for (const f in payload) {
          const v = payload[f];
          if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_STATE_STRING)) (next ??= {})[f] = v;
        }
      }
      if (next) next[STATE_TIME] = e.event_time;
      map.setAt(entry, next ?? NO_STATE);
    },
    applyQuarantine(record, claimed) {
      quarantined++;
      if (record.event_id !== null && claimed !== true) markSeen(record.tenant_id, record.event_id);
    },
    seenCount: () => seenTotal,
    replayedCount: () => replayed.size,
    replayedPairs: () => [...replayed],
    quarantineCount: () => quarantined,
    serializeCheckpoint(throughSeq) {
      const lines: string[] = [JSON.stringify({ t: 'header', version: 1, throughSeq, quarantined })];
      for (const [tenant, set] of seen) {
        const ids = [...set.keys()];
        for (let i = 0; i < ids.length; i += CHUNK) lines.push(JSON.stringify({ t: 'seen', tenant, ids: ids.slice(i, i + CHUNK) }));
      }
      for (const [tenant, byEntity] of records) {
        for (const [entity, map] of byEntity) {
          const entries = [...map.entries()];
          for (let i = 0; i < entries.length; i += CHUNK) lines.push(JSON.stringify({ t: 'records', tenant, entity, entries: entries.slice(i, i + CHUNK) }));
        }
      }
      const replays = [...replayed];
      for (let i = 0; i < replays.length; i += CHUNK) lines.push(JSON.stringify({ t: 'replayed', entries: replays.slice(i, i + CHUNK) }));
      lines.push(JSON.stringify({ t: 'end', lines: lines.length + 1 }));
      // Lines, not one string: a checkpoint of tens of millions of ids exceeds V8's string limit.
      return lines.map((l) => l + '\n');
    },
    async loadCheckpoint(path) {
      memoMap = undefined;
      try {
        await access(path);
      } catch {
        return 0;
      }
      let header: { throughSeq: number; quarantined: number } | undefined;
      let ended = false;
      let count = 0;
      try {
        // Streamed line by line: a big checkpoint is larger than one string may be.
        for await (const line of createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity })) {
          if (line.length === 0) continue;
          count++;
          const rec = JSON.parse(line);
          if (rec.t === 'header') header = rec;
          else if (rec.t === 'seen') for (const id of rec.ids as string[]) markSeen(rec.tenant, id);
          else if (rec.t === 'records') {
            const map = recordsOf(rec.tenant, rec.entity, true)!;
            for (const [k, v] of rec.entries as Array<[string, Record<string, unknown> | 0]>) map.set(k, v);
          } else if (rec.t === 'replayed') for (const [q, s] of rec.entries as Array<[number, number]>) replayed.set(q, s);
          else if (rec.t === 'end') ended = rec.lines === count;
        }
      } catch (error) {
        throw new VerityError('INTEGRITY_FAILED', `Lake index checkpoint ${path} is unreadable: ${(error as Error).message}.`, { cause: error });
      }
      if (!header || !ended) throw new VerityError('INTEGRITY_FAILED', `Lake index checkpoint ${path} is incomplete (no header or end marker).`);
      quarantined = header.quarantined;
      return header.throughSeq;
    },
  };
}
