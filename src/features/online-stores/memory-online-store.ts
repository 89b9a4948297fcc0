import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { VerityError } from '../../errors.js';
import { isNewer, type OnlineCell, type OnlineStore, type OnlineWrite } from '../online-store.js';

/** Options for {@link createMemoryOnlineStore}. */
export interface MemoryOnlineStoreOptions {
  /** Directory for the snapshot and journal (e.g. `<lake>/online`). Without it the store is not persisted. */
  dir?: string;
  /** Journal lines after which a snapshot is written and the journal emptied (default 100 000). */
  snapshotEvery?: number;
}

type Row = Map<string, OnlineCell>;
const SEP = '\u0000';

/**
 * The in-process online store: the default, the test double and the reference for the contract.
 *
 * Persistence: every applied cell is appended to `journal.ndjson`; every `snapshotEvery` lines the
 * whole store is written to `snapshot.json` (temp file + rename) and the journal is emptied. On open
 * the snapshot is loaded and the journal replayed under the write rule, so a torn last line or a
 * crash between snapshot and truncation loses nothing and applies nothing twice. The journal is not
 * fsynced per write: the online store is a cache that `verity features materialize` can rebuild.
 * @example
 * const store = createMemoryOnlineStore({ dir: '.verity/online' });
 */
export function createMemoryOnlineStore(options: MemoryOnlineStoreOptions = {}): OnlineStore & { size(): number } {
  const rows = new Map<string, Row>();
  const snapshotEvery = options.snapshotEvery ?? 100_000;
  let journalLines = 0;
  let closed = false;
  const dir = options.dir;
  const journal = dir ? join(dir, 'journal.ndjson') : undefined;
  const snapshot = dir ? join(dir, 'snapshot.json') : undefined;

  const apply = (rowKey: string, name: string, cell: OnlineCell): boolean => {
    let row = rows.get(rowKey);
    if (!row) rows.set(rowKey, (row = new Map()));
    if (!isNewer(cell, row.get(name))) return false;
    row.set(name, cell);
    return true;
  };

  if (dir) {
    mkdirSync(dir, { recursive: true });
    if (existsSync(snapshot!)) {
      try {
        const data = JSON.parse(readFileSync(snapshot!, 'utf8')) as { rows: Array<[string, Array<[string, OnlineCell]>]> };
        for (const [k, cells] of data.rows) for (const [n, c] of cells) apply(k, n, c);
      } catch (error) {
        throw new VerityError('IO_ERROR', `Online store snapshot ${snapshot} is unreadable; delete it and run \`verity features materialize --full\`.`, { cause: error });
      }
    }
    if (existsSync(journal!)) {
      for (const line of readFileSync(journal!, 'utf8').split('\n')) {
        if (!line) continue;
        try {
          const [k, n, c] = JSON.parse(line) as [string, string, OnlineCell];
          apply(k, n, c);
          journalLines++;
        } catch {
          // A torn last line from a crash mid-append: the write it held was never acknowledged.
        }
      }
    }
  }

  const writeSnapshot = () => {
    if (!dir) return;
    const data = { format: 1, rows: [...rows].map(([k, row]) => [k, [...row]]) };
    writeFileSync(`${snapshot}.tmp`, JSON.stringify(data));
    renameSync(`${snapshot}.tmp`, snapshot!);
    writeFileSync(journal!, '');
    journalLines = 0;
  };

  const check = () => {
    if (closed) throw new VerityError('UNAVAILABLE', 'The memory online store is closed.');
  };

  return {
    capabilities: { persistent: dir !== undefined, shared: false },
    async write(writes: readonly OnlineWrite[]) {
      check();
      let applied = 0;
      let skipped = 0;
      const lines: string[] = [];
      for (const w of writes) {
        const rowKey = [w.tenant, w.view, w.key].join(SEP);
        for (const [name, cell] of Object.entries(w.cells)) {
          const c: OnlineCell = { value: cell.value ?? null, event_time: cell.event_time, ingest_seq: cell.ingest_seq };
          if (apply(rowKey, name, c)) {
            applied++;
            if (journal) lines.push(JSON.stringify([rowKey, name, c]));
          } else skipped++;
        }
      }
      if (journal && lines.length) {
        appendFileSync(journal, lines.join('\n') + '\n');
        journalLines += lines.length;
        if (journalLines >= snapshotEvery) writeSnapshot();
      }
      return { applied, skipped };
    },
    async read(tenant, view, keys, features) {
      check();
      const wanted = features ? new Set(features) : undefined;
      return keys.map((key) => {
        const row = rows.get(tenant + SEP + view + SEP + key);
        if (!row || row.size === 0) return undefined;
        const out: Record<string, OnlineCell> = {};
        for (const [n, c] of row) if (!wanted || wanted.has(n) || n.charCodeAt(0) === 36) out[n] = c;
        return out;
      });
    },
    async clearView(tenant, view) {
      check();
      const prefix = [tenant, view, ''].join(SEP);
      for (const k of [...rows.keys()]) if (k.startsWith(prefix)) rows.delete(k);
      writeSnapshot();
    },
    size: () => rows.size,
    async close() {
      if (closed) return;
      if (dir && journalLines > 0) writeSnapshot();
      closed = true;
    },
  };
}
