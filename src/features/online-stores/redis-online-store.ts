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

type Client = RedisClient & { verityCas(key: string, ...args: string[]): Promise<number> };

function decode(raw: string): OnlineCell {
  const p1 = raw.indexOf('|');
  const p2 = raw.indexOf('|', p1 + 1);
  return { event_time: Number(raw.slice(0, p1)), ingest_seq: Number(raw.slice(p1 + 1, p2)), value: JSON.parse(raw.slice(p2 + 1)) };
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
      const c = new Redis(url, { lazyConnect: true, connectTimeout: options.connectTimeoutMs ?? 2000, maxRetriesPerRequest: 2, enableAutoPipelining: true }) as Client;
      c.defineCommand('verityCas', { numberOfKeys: 1, lua: COMPARE_AND_SET });
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
      const fields = features ? [...features, '$state', '$merged_into'] : undefined;
      const pipeline = c.pipeline();
      for (const k of keys) {
        if (fields) pipeline.hmget(rowKey(tenant, view, k), ...fields);
        else pipeline.hgetall(rowKey(tenant, view, k));
      }
      const replies = (await pipeline.exec()) ?? [];
      return replies.map(([error, reply]) => {
        if (error) throw new VerityError('BACKEND_UNAVAILABLE', `Redis read failed: ${error.message}`, { cause: error });
        const out: Record<string, OnlineCell> = {};
        if (fields) (reply as Array<string | null>).forEach((raw, i) => raw !== null && (out[fields[i]!] = decode(raw)));
        else for (const [n, raw] of Object.entries(reply as Record<string, string>)) out[n] = decode(raw);
        return Object.keys(out).length ? out : undefined;
      });
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
