import { readFile } from 'node:fs/promises';
import { VerityError } from '../errors.js';
import { referenceKeyOf, STATE_TIME } from '../ingest/gate.js';
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
  exists(tenant_id: string, entity: string, key: string): boolean;
  previous(tenant_id: string, entity: string, key: string): Record<string, unknown> | undefined;
  replayedSeq(quarantineSeq: number): number | undefined;
  /** Applies an accepted raw record (at acceptance and during recovery). */
  applyRaw(record: RawLogRecord, stateFields?: readonly string[]): void;
  /** Applies a quarantine record. */
  applyQuarantine(record: QuarantineLogRecord): void;
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
  serializeCheckpoint(throughSeq: number): string;
  /** Loads a checkpoint written by saveCheckpoint; returns its throughSeq (0 when there is none). */
  loadCheckpoint(path: string): Promise<number>;
}


const MAX_STATE_STRING = 64;
const CHUNK = 20_000;

/** Creates an empty index. */
export function createLakeIndex(): LakeIndex {
  const seen = new Map<string, Set<string>>();
  const keys = new Map<string, Set<string>>();
  const states = new Map<string, Record<string, unknown>>();
  const replayed = new Map<number, number>();
  let quarantined = 0;
  let seenTotal = 0;

  const markSeen = (tenant: string, id: string) => {
    let set = seen.get(tenant);
    if (!set) seen.set(tenant, (set = new Set()));
    const before = set.size;
    set.add(id);
    if (set.size !== before) seenTotal++;
  };

  return {
    hasSeen: (tenant, id) => seen.get(tenant)?.has(id) === true,
    exists: (tenant, entity, key) => keys.get(tenant + '\u0000' + entity)?.has(key) === true,
    previous: (tenant, entity, key) => states.get(tenant + '\u0000' + entity + '\u0000' + key),
    replayedSeq: (q) => replayed.get(q),
    applyRaw(record, stateFields) {
      const e = record.e;
      markSeen(e.tenant_id, e.event_id);
      if (record.q !== undefined) replayed.set(Number(record.q.slice(1)), record.s);
      if (e.op === 'truncate') return;
      const ref = referenceKeyOf(e.entity_key);
      const entityKey = e.tenant_id + '\u0000' + e.entity;
      let set = keys.get(entityKey);
      if (!set) keys.set(entityKey, (set = new Set()));
      set.add(ref);
      const stateKey = entityKey + '\u0000' + ref;
      if (e.op === 'delete' || e.op === 'merge') {
        states.delete(stateKey);
        return;
      }
      const current = states.get(stateKey);
      // A late event (older than the state we hold) must not roll the state back: transition
      // rules judge the next event against the newest known state.
      if (current && typeof current[STATE_TIME] === 'string' && (current[STATE_TIME]) > e.event_time) return;
      const base = e.changed_fields !== undefined ? current : undefined;
      const next: Record<string, unknown> = base ? { ...base } : {};
      let any = false;
      const fields = stateFields ?? Object.keys(e.payload);
      for (const f of fields) {
        if (!(f in e.payload)) continue;
        const v = e.payload[f];
        if (v === null || typeof v === 'number' || typeof v === 'boolean' || (typeof v === 'string' && v.length <= MAX_STATE_STRING)) {
          next[f] = v;
          any = true;
        }
      }
      if (any || base) {
        next[STATE_TIME] = e.event_time;
        states.set(stateKey, next);
      }
    },
    applyQuarantine(record) {
      quarantined++;
      if (record.event_id !== null) markSeen(record.tenant_id, record.event_id);
    },
    seenCount: () => seenTotal,
    replayedCount: () => replayed.size,
    replayedPairs: () => [...replayed],
    quarantineCount: () => quarantined,
    serializeCheckpoint(throughSeq) {
      const lines: string[] = [JSON.stringify({ t: 'header', version: 1, throughSeq, quarantined })];
      for (const [tenant, set] of seen) {
        const ids = [...set];
        for (let i = 0; i < ids.length; i += CHUNK) lines.push(JSON.stringify({ t: 'seen', tenant, ids: ids.slice(i, i + CHUNK) }));
      }
      for (const [k, set] of keys) {
        const list = [...set];
        for (let i = 0; i < list.length; i += CHUNK) lines.push(JSON.stringify({ t: 'keys', k, keys: list.slice(i, i + CHUNK) }));
      }
      const stateEntries = [...states];
      for (let i = 0; i < stateEntries.length; i += CHUNK) lines.push(JSON.stringify({ t: 'state', entries: stateEntries.slice(i, i + CHUNK) }));
      const replays = [...replayed];
      for (let i = 0; i < replays.length; i += CHUNK) lines.push(JSON.stringify({ t: 'replayed', entries: replays.slice(i, i + CHUNK) }));
      lines.push(JSON.stringify({ t: 'end', lines: lines.length + 1 }));
      return lines.join('\n') + '\n';
    },
    async loadCheckpoint(path) {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
        throw error;
      }
      const lines = text.split('\n').filter((l) => l.length > 0);
      let header: { throughSeq: number; quarantined: number } | undefined;
      let ended = false;
      try {
        for (const line of lines) {
          const rec = JSON.parse(line);
          if (rec.t === 'header') header = rec;
          else if (rec.t === 'seen') for (const id of rec.ids as string[]) markSeen(rec.tenant, id);
          else if (rec.t === 'keys') {
            let set = keys.get(rec.k);
            if (!set) keys.set(rec.k, (set = new Set()));
            for (const k of rec.keys as string[]) set.add(k);
          } else if (rec.t === 'state') for (const [k, v] of rec.entries as Array<[string, Record<string, unknown>]>) states.set(k, v);
          else if (rec.t === 'replayed') for (const [q, s] of rec.entries as Array<[number, number]>) replayed.set(q, s);
          else if (rec.t === 'end') ended = rec.lines === lines.length;
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
