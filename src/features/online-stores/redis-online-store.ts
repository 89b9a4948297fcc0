import type { Redis as RedisClient } from 'ioredis';
import { VerityError } from '../../errors.js';
import type { OnlineCell, OnlineStore, OnlineWrite } from '../online-store.js';
import { NearCache, type NearCacheStats } from './near-cache.js';

/** Options for {@link createRedisOnlineStore}. */
export interface RedisOnlineStoreOptions {
  /** `redis://host:port/db` (default `redis://127.0.0.1:6379`). */
  url?: string;
  /** Prefix of every key (default `verity:fs:`); use a unique one per project or test run. */
  keyPrefix?: string;
  /** Connect timeout in ms (default 2000). */
  connectTimeoutMs?: number;
  /** The connections' names in `CLIENT LIST` (default `verity-online-store`; the invalidation connection adds `-invalidations`). */
  clientName?: string;
  /**
   * The near cache: rows read recently are kept in this process (at most `maxRows`, least recently
   * used evicted; default 10000) and dropped when Redis reports a change (server-assisted
   * client-side caching, `CLIENT TRACKING … REDIRECT` to an invalidation connection). `false`
   * sends every read to Redis. See docs/features.md, "Near cache".
   */
  nearCache?: false | { maxRows?: number; heartbeatMs?: number };
}

/** The Redis online store: an {@link OnlineStore} that also reports on its near cache. */
export interface RedisOnlineStore extends OnlineStore {
  /** The near cache's counters, or undefined when it is off. */
  nearCacheStats(): NearCacheStats | undefined;
}

type Row = Record<string, OnlineCell>;
interface Connections {
  reads: Client;
  writes: Client;
}
const INVALIDATE_CHANNEL = '__redis__:invalidate';

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

const fieldSets = new WeakMap<readonly string[], ReadonlySet<string>>();
/** The fields a read returns: the requested features and the reserved cells (one set per features array). */
function fieldSet(features: readonly string[]): ReadonlySet<string> {
  let set = fieldSets.get(features);
  if (!set) fieldSets.set(features, (set = new Set([...features, '$state', '$merged_into'])));
  return set;
}

/** A cached full row narrowed to `fields` (undefined when none of them is present), as decodeRow would give it. */
function pick(row: Row | null | undefined, fields: ReadonlySet<string> | undefined): Row | undefined {
  if (!row || !fields) return row ?? undefined;
  let out: Row | undefined;
  for (const name in row) if (fields.has(name)) (out ??= {})[name] = row[name]!;
  return out;
}

/**
 * The Redis online store: one hash per (tenant, view, entity key), one field per feature, written
 * through a Lua compare-and-set so the write rule holds across processes. Reads go through a near
 * cache kept coherent by Redis's invalidation messages (`nearCache`). ioredis is loaded on first
 * use, so projects on the default store never load it.
 * @example
 * const store = createRedisOnlineStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'myproj:' });
 */
export function createRedisOnlineStore(options: RedisOnlineStoreOptions = {}): RedisOnlineStore {
  const url = options.url ?? 'redis://127.0.0.1:6379';
  const prefix = options.keyPrefix ?? 'verity:fs:';
  const nearOptions = options.nearCache === false ? undefined : (options.nearCache ?? {});
  const maxRows = nearOptions?.maxRows ?? 10_000;
  if (nearOptions && !(Number.isInteger(maxRows) && maxRows > 0)) throw new VerityError('INVALID_ARGUMENT', `nearCache.maxRows must be a positive integer (got ${maxRows}).`);
  const heartbeatMs = nearOptions?.heartbeatMs ?? 1000;
  const clientName = options.clientName ?? 'verity-online-store';
  if (nearOptions && !(heartbeatMs >= 10)) throw new VerityError('INVALID_ARGUMENT', `nearCache.heartbeatMs must be at least 10 (got ${heartbeatMs}).`);
  const cache = nearOptions ? new NearCache<Row>(maxRows) : undefined;
  let client: Promise<Connections> | undefined;
  let invalidations: RedisClient | undefined;
  let heartbeat: NodeJS.Timeout | undefined;
  let closed = false;
  const connect = (): Promise<Connections> => {
    if (closed) return Promise.reject(new VerityError('UNAVAILABLE', 'The Redis online store is closed.'));
    client ??= (async () => {
      const { Redis } = await import('ioredis');
      const open = (name: string, autoPipelining: boolean) => {
        // Concurrent writes batch themselves (auto-pipelining); a read is already one command and goes out at once.
        const c = new Redis(url, { connectionName: name, lazyConnect: true, connectTimeout: options.connectTimeoutMs ?? 2000, maxRetriesPerRequest: 2, enableAutoPipelining: autoPipelining, autoPipeliningIgnoredCommands: ['verityReadRows'] }) as Client;
        c.defineCommand('verityCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
        c.defineCommand('verityReadRows', { lua: READ_ROWS });
        return c;
      };
      // With the near cache, writes take a connection of their own: the compare-and-set reads each
      // cell before it sets it, and on the tracked read connection every write would subscribe this
      // process to invalidations of the keys it writes.
      const reads = open(clientName, true);
      const writes = cache ? open(`${clientName}-writes`, true) : reads;
      if (cache) invalidations = watchInvalidations(Redis, reads);
      try {
        await Promise.all([reads.connect(), writes === reads ? undefined : writes.connect()]);
      } catch (error) {
        reads.disconnect();
        writes.disconnect();
        stopWatching();
        client = undefined;
        throw new VerityError('BACKEND_UNAVAILABLE', `Cannot connect to Redis at ${url}: ${(error as Error).message}. Start Redis or set onlineStore in verity.config.yaml.`, { cause: error });
      }
      return { reads, writes };
    })();
    return client;
  };

  // The near cache's invalidation channel. A second connection (RESP2, where Redis delivers
  // invalidations as Pub/Sub messages on __redis__:invalidate) subscribes; the read connection
  // turns tracking on with REDIRECT to it, so Redis reports every later change of a key this
  // process read, whoever makes it (FLUSHDB/FLUSHALL: all keys). The cache answers only while both
  // connections are up and armed: either one closing drops the cache (Redis forgets what a closed
  // connection read and stops reporting to a closed subscriber), and the subscriber is pinged every
  // `heartbeatMs` — three missed beats also drop the cache and reconnect it, so a silently stalled
  // channel cannot keep stale rows alive.
  let subscriberId: string | undefined;
  let armGeneration = 0;
  let lastPong = 0;
  const disarm = () => {
    armGeneration++;
    cache?.disable();
  };
  const arm = async (c: Client) => {
    const generation = ++armGeneration;
    if (subscriberId === undefined || c.status !== 'ready') return;
    try {
      await c.client('TRACKING', 'ON', 'REDIRECT', subscriberId);
    } catch {
      return; // the connection dropped meanwhile; its 'ready' arms again
    }
    if (generation === armGeneration) cache?.enable();
  };
  function watchInvalidations(Redis: typeof import('ioredis').Redis, c: Client): RedisClient {
    const sub = new Redis(url, { connectionName: `${clientName}-invalidations`, lazyConnect: true, protocol: 2, autoResubscribe: false, connectTimeout: options.connectTimeoutMs ?? 2000 });
    sub.on('messageBuffer', (channel: Buffer, message: unknown) => {
      if (channel.toString() !== INVALIDATE_CHANNEL) return;
      if (Array.isArray(message)) cache!.invalidate(message.map(String));
      else cache!.reset();
    });
    sub.on('ready', () => {
      disarm();
      subscriberId = undefined;
      void (async () => {
        try {
          const id = String(await sub.client('ID'));
          await sub.subscribe(INVALIDATE_CHANNEL);
          subscriberId = id;
          lastPong = Date.now();
          await arm(c);
        } catch {
          // The subscriber dropped meanwhile; it arms again when it is back.
        }
      })();
    });
    sub.on('close', () => {
      subscriberId = undefined;
      disarm();
    });
    // Connection errors surface through reads on the main connection; the subscriber only retries.
    sub.on('error', () => undefined);
    c.on('ready', () => void arm(c));
    c.on('close', disarm);
    heartbeat = setInterval(() => {
      if (subscriberId === undefined) return;
      if (Date.now() - lastPong > 3 * heartbeatMs) {
        subscriberId = undefined;
        disarm();
        sub.disconnect(true);
        return;
      }
      sub.ping().then(
        () => (lastPong = Date.now()),
        () => undefined,
      );
    }, heartbeatMs);
    heartbeat.unref();
    void sub.connect().catch(() => undefined);
    return sub;
  }
  function stopWatching() {
    if (heartbeat) clearInterval(heartbeat);
    heartbeat = undefined;
    disarm();
    invalidations?.disconnect();
    invalidations = undefined;
  }
  const fetchRows = async (c: Client, rowKeys: readonly string[], fields: ReadonlySet<string> | undefined): Promise<Array<Row | undefined>> => {
    const fail = (error: unknown): never => {
      throw new VerityError('BACKEND_UNAVAILABLE', `Redis read failed: ${(error as Error).message}`, { cause: error });
    };
    const replies = rowKeys.length ? await c.verityReadRows(rowKeys.length, ...rowKeys).catch(fail) : [];
    const rows: Array<Row | undefined> = new Array(rowKeys.length);
    for (let i = 0; i < rowKeys.length; i++) {
      const parts = replies[i]!.split('\n');
      if (parts.length === 1 + 2 * Number(parts[0])) rows[i] = decodeRow(parts, 1, fields);
      else rows[i] = decodeRow(Object.entries(await c.hgetall(rowKeys[i]!).catch(fail)).flat(), 0, fields);
    }
    return rows;
  };
  const rowKey = (tenant: string, view: string, key: string) => `${prefix}${tenant}:${view}:${key}`;

  return {
    capabilities: { persistent: true, shared: true },
    nearCacheStats: () => cache?.stats(),
    async write(writes: readonly OnlineWrite[]) {
      const c = (await connect()).writes;
      // This process's own writes drop its cached rows before they are sent and again once they are
      // applied (Redis's invalidation may arrive later), so a read that follows a write sees it.
      const written = cache ? writes.map((w) => rowKey(w.tenant, w.view, w.key)) : undefined;
      if (written) cache!.invalidate(written);
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
      )
        .catch((error: unknown) => {
          throw new VerityError('BACKEND_UNAVAILABLE', `Redis write failed: ${(error as Error).message}`, { cause: error });
        })
        .finally(() => {
          if (written) cache!.invalidate(written);
        });
      const applied = results.reduce((a, b) => a + Number(b), 0);
      return { applied, skipped: total - applied };
    },
    async read(tenant, view, keys, features) {
      const c = (await connect()).reads;
      const fields = features ? fieldSet(features) : undefined;
      const rowKeys = keys.map((k) => rowKey(tenant, view, k));
      if (!cache) return fetchRows(c, rowKeys, fields);
      const rows: Array<Row | undefined> = new Array(keys.length);
      let missing: number[] | undefined;
      if (cache.enabled) {
        for (let i = 0; i < rowKeys.length; i++) {
          const hit = cache.get(rowKeys[i]!);
          if (hit === undefined) (missing ??= []).push(i);
          else rows[i] = pick(hit, fields);
        }
        if (!missing) return rows;
      }
      const fetchKeys = missing ? missing.map((i) => rowKeys[i]!) : rowKeys;
      // Whole rows are fetched and cached; each read narrows them to its fields.
      const ticket = cache.begin(fetchKeys);
      let fetched: Array<Row | undefined> | undefined;
      try {
        fetched = await fetchRows(c, fetchKeys, undefined);
      } finally {
        cache.end(ticket, fetchKeys, fetched);
      }
      for (let j = 0; j < fetchKeys.length; j++) rows[missing ? missing[j]! : j] = pick(fetched[j], fields);
      return rows;
    },
    async clearView(tenant, view) {
      const c = (await connect()).writes;
      cache?.reset();
      const pattern = rowKey(tenant, view, '').replace(/[*?[\]\\]/g, '\\$&') + '*';
      let cursor = '0';
      do {
        const [next, found] = await c.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        if (found.length) await c.del(...found);
        cursor = next;
      } while (cursor !== '0');
      // Again once deleted: a read that raced the deletes must not keep what it saw.
      cache?.reset();
    },
    async close() {
      if (closed) return;
      closed = true;
      if (heartbeat) clearInterval(heartbeat);
      const sub = invalidations;
      invalidations = undefined;
      if (sub) await sub.quit().catch(() => sub.disconnect());
      if (client) {
        const c = await client.catch(() => undefined);
        for (const conn of c ? new Set([c.reads, c.writes]) : []) await conn.quit().catch(() => conn.disconnect());
      }
    },
  };
}
