import type { Redis as RedisClient } from 'ioredis';
import { VerityError } from '../../errors.js';
import type { OnlineCell, OnlineStore, OnlineWrite } from '../online-store.js';

/** Options for {@link createRedisOnlineStore}. */
export interface RedisOnlineStoreOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key (default `verity:fs:`); use a unique one per project or test run. */
  keyPrefix?: string;
  /** Connect timeout in ms (default 2000). */
  connectTimeoutMs?: number;
}

// The write rule as one atomic script per row: each cell is `event_time|ingest_seq|json` and is
// replaced only by a strictly larger (event_time, ingest_seq). Redis runs a script atomically, so
// concurrent writers from any number of processes cannot interleave between the read and the set.
const COMPARE_AND_SET = `
local applied = 0
for i = 1, #ARGV, 4 do
  local cur = redis.call('HGET', KEYS[1], ARGV[i])
  local win = true
  if cur then
    local p1 = string.find(cur, '|', 1, true)
    local p2 = string.find(cur, '|', p1 + 1, true)
    local cet = tonumber(string.sub(cur, 1, p1 - 1))
    local cseq = tonumber(string.sub(cur, p1 + 1, p2 - 1))
    local et = tonumber(ARGV[i + 1])
    local seq = tonumber(ARGV[i + 2])
    if et < cet or (et == cet and seq <= cseq) then win = false end
  end
  if win then
    redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[i + 2] .. '|' .. ARGV[i + 3])
    applied = applied + 1
  end
end
return applied
`;

// Reads many rows in one round trip, each row answered as ONE string: its field count, then names
// and values, joined by "\n" (HGETALL, not HMGET: a small hash is a list Redis scans once). One bulk
// string per row instead of one per cell is what keeps a 100 × 50 read cheap to decode. Cells are
// `event_time|ingest_seq|json` and JSON text never holds a raw newline, so the split is exact; a
// row whose split does not give the announced count (a cell this store did not write) is read
// again with a plain HGETALL.
const READ_ROWS = `
local out = {}
for k = 1, #KEYS do
  local all = redis.call('HGETALL', KEYS[k])
  if #all == 0 then out[k] = '0' else out[k] = (#all / 2) .. '\\n' .. table.concat(all, '\\n') end
end
return out
`;

type Client = RedisClient & {
  verityCas(key: string, ...args: string[]): Promise<number>;
  verityReadRows(keyCount: number, ...keys: string[]): Promise<string[]>;
};

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
// JSON text escapes control characters, so a string without them, quotes or backslashes is its own content.
// eslint-disable-next-line no-control-regex
const JSON_PLAIN_STRING = /^"[^"\\\u0000-\u001f]*"$/;

/** A cell's JSON value; numbers, strings without escapes and literals are read without `JSON.parse` (same result). */
function parseValue(json: string): unknown {
  if (json === 'null') return null;
  if (json === 'true') return true;
  if (json === 'false') return false;
  if (JSON_NUMBER.test(json)) return Number(json);
  if (JSON_PLAIN_STRING.test(json)) return json.slice(1, -1);
  return JSON.parse(json);
}

function decode(raw: string): OnlineCell {
  const p1 = raw.indexOf('|');
  const p2 = raw.indexOf('|', p1 + 1);
  return { event_time: Number(raw.slice(0, p1)), ingest_seq: Number(raw.slice(p1 + 1, p2)), value: parseValue(raw.slice(p2 + 1)) };
}

/** Decodes name/value pairs (`parts[from]`, `parts[from + 1]`, …) into a row, keeping only `fields` when given. */
function decodeRow(parts: readonly string[], from: number, fields: ReadonlySet<string> | undefined): Record<string, OnlineCell> | undefined {
  let out: Record<string, OnlineCell> | undefined;
  for (let i = from; i + 1 < parts.length; i += 2) {
    const name = parts[i]!;
    if (fields && !fields.has(name)) continue;
    (out ??= {})[name] = decode(parts[i + 1]!);
  }
  return out;
}

/**
 * The Redis online store: one hash per (tenant, view, entity key), one field per feature, written
 * through a Lua compare-and-set so the write rule holds across processes. ioredis is loaded on
 * first use, so projects on the default store never load it.
 * @example
 * const store = createRedisOnlineStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'myproj:' });
 */
export function createRedisOnlineStore(options: RedisOnlineStoreOptions = {}): OnlineStore {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const prefix = options.keyPrefix ?? 'verity:fs:';
  let client: Promise<Client> | undefined;
  let closed = false;
  const connect = (): Promise<Client> => {
    if (closed) return Promise.reject(new VerityError('UNAVAILABLE', 'The Redis online store is closed.'));
    client ??= (async () => {
      const { Redis } = await import('ioredis');
      // Concurrent writes batch themselves (auto-pipelining); a read is already one command and goes out at once.
      const c = new Redis(url, { lazyConnect: true, connectTimeout: options.connectTimeoutMs ?? 2000, maxRetriesPerRequest: 2, enableAutoPipelining: true, autoPipeliningIgnoredCommands: ['verityReadRows'] }) as Client;
      c.defineCommand('verityCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
      c.defineCommand('verityReadRows', { lua: READ_ROWS });
      try {
        await c.connect();
      } catch (error) {
        c.disconnect();
        client = undefined;
        throw new VerityError('BACKEND_UNAVAILABLE', `Cannot connect to Redis at ${url}: ${(error as Error).message}. Start Redis or set onlineStore in verity.config.yaml.`, { cause: error });
      }
      return c;
    })();
    return client;
  };
  const rowKey = (tenant: string, view: string, key: string) => `${prefix}${tenant}:${view}:${key}`;

  return {
    capabilities: { persistent: true, shared: true },
    async write(writes: readonly OnlineWrite[]) {
      const c = await connect();
      let total = 0;
      const results = await Promise.all(
        writes.map((w) => {
          const args: string[] = [];
          for (const [name, cell] of Object.entries(w.cells)) {
            total++;
            args.push(name, String(Math.trunc(cell.event_time)), String(Math.trunc(cell.ingest_seq)), JSON.stringify(cell.value ?? null));
          }
          return args.length ? c.verityCas(rowKey(w.tenant, w.view, w.key), ...args) : Promise.resolve(0);
        }),
      ).catch((error: unknown) => {
        throw new VerityError('BACKEND_UNAVAILABLE', `Redis write failed: ${(error as Error).message}`, { cause: error });
      });
      const applied = results.reduce((a, b) => a + Number(b), 0);
      return { applied, skipped: total - applied };
    },
    async read(tenant, view, keys, features) {
      const c = await connect();
      const fields = features ? new Set([...features, '$state', '$merged_into']) : undefined;
      const rowKeys = keys.map((k) => rowKey(tenant, view, k));
      const fail = (error: unknown): never => {
        throw new VerityError('BACKEND_UNAVAILABLE', `Redis read failed: ${(error as Error).message}`, { cause: error });
      };
      const replies = rowKeys.length ? await c.verityReadRows(rowKeys.length, ...rowKeys).catch(fail) : [];
      const rows: Array<Record<string, OnlineCell> | undefined> = new Array(keys.length);
      for (let i = 0; i < rowKeys.length; i++) {
        const parts = replies[i]!.split('\n');
        if (parts.length === 1 + 2 * Number(parts[0])) rows[i] = decodeRow(parts, 1, fields);
        else rows[i] = decodeRow(Object.entries(await c.hgetall(rowKeys[i]!).catch(fail)).flat(), 0, fields);
      }
      return rows;
    },
    async clearView(tenant, view) {
      const c = await connect();
      const pattern = rowKey(tenant, view, '').replace(/[*?[\]\\]/g, '\\$&') + '*';
      let cursor = '0';
      do {
        const [next, found] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (found.length) await c.del(...found);
        cursor = next;
      } while (cursor !== '0');
    },
    async close() {
      if (closed) return;
      closed = true;
      if (client) {
        const c = await client.catch(() => undefined);
        if (c) await c.quit().catch(() => c.disconnect());
      }
    },
  };
}
