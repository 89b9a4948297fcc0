import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import type { Redis as RedisClient } from 'ioredis';
import { createRedisOnlineStore, type RedisOnlineStore } from '../../src/features/online-stores/redis-online-store.js';
import { onlineStoreConformance } from '../conformance/online-store.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';

const prefix = `verity-test:${randomUUID()}:`;

await describeWithServer('redis', 'redis online store (conformance)', () => {
  onlineStoreConformance({ open: async () => createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix }) });

  it('reads a row holding a cell it did not write (JSON with a raw newline) through the HGETALL fallback', async () => {
    // Without the near cache: the cell written behind the store's back must be read at once.
    const store = createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix, nearCache: false });
    const { Redis } = await import('ioredis');
    const c = new Redis(SERVERS.redis.url);
    try {
      await store.write([{ tenant: 't01', view: 'raw', key: '["k"]', cells: { a: { value: 'x', event_time: 5, ingest_seq: 1 } } }]);
      await c.hset(`${prefix}t01:raw:["k"]`, 'b', '7|2|[1,\n 2]');
      const [row, none] = await store.read('t01', 'raw', ['["k"]', '["none"]']);
      expect(row).toEqual({ a: { value: 'x', event_time: 5, ingest_seq: 1 }, b: { value: [1, 2], event_time: 7, ingest_seq: 2 } });
      expect(none).toBeUndefined();
      await c.hset(`${prefix}t01:raw:["k"]`, 'c', '8|3|not json');
      await expect(store.read('t01', 'raw', ['["k"]'])).rejects.toThrow(SyntaxError);
    } finally {
      await c.quit();
      await store.close();
    }
  });
  describe('near cache', () => {
    // Polls until `check` passes (Redis's invalidation arrives asynchronously) or 3 s pass.
    const eventually = async (check: () => Promise<void>) => {
      const until = Date.now() + 3000;
      for (;;) {
        try {
          return await check();
        } catch (error) {
          if (Date.now() > until) throw error;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
    };
    const cellText = (value: unknown, et: number, seq: number) => `${et}|${seq}|${JSON.stringify(value)}`;
    const armed = (s: RedisOnlineStore) => eventually(async () => expect(s.nearCacheStats()?.enabled).toBe(true));
    async function withStores(body: (a: RedisOnlineStore, raw: RedisClient, name: string, url: string) => Promise<void>, url: string = SERVERS.redis.url) {
      const name = `verity-test-${randomUUID()}`;
      const a = createRedisOnlineStore({ url, keyPrefix: prefix, clientName: name, nearCache: { maxRows: 100, heartbeatMs: 100 } });
      const { Redis } = await import('ioredis');
      const raw = new Redis(url);
      try {
        await a.read('t01', 'warm', ['["x"]']);
        await armed(a);
        await body(a, raw, name, url);
      } finally {
        await a.close();
        await raw.quit();
      }
    }
    const value = async (s: RedisOnlineStore, view: string, key: string) => (await s.read('t01', view, [key]))[0]?.x?.value;

    it('answers repeated reads from memory and sees a change made by another client once Redis reports it', async () => {
      await withStores(async (a, raw) => {
        await a.write([{ tenant: 't01', view: 'nc', key: '["k"]', cells: { x: { value: 1, event_time: 10, ingest_seq: 1 } } }]);
        expect(await value(a, 'nc', '["k"]')).toBe(1);
        const before = a.nearCacheStats()!;
        expect(await value(a, 'nc', '["k"]')).toBe(1);
        expect(a.nearCacheStats()!.hits).toBe(before.hits + 1);
        await raw.hset(`${prefix}t01:nc:["k"]`, 'x', cellText(2, 20, 2));
        await eventually(async () => expect(await value(a, 'nc', '["k"]')).toBe(2));
        expect(a.nearCacheStats()!.invalidations).toBeGreaterThan(before.invalidations);
        // Another store handle (another process, in production) writes through the compare-and-set.
        const b = createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix, nearCache: false });
        try {
          await b.write([{ tenant: 't01', view: 'nc', key: '["k"]', cells: { x: { value: 3, event_time: 30, ingest_seq: 3 } } }]);
        } finally {
          await b.close();
        }
        await eventually(async () => expect(await value(a, 'nc', '["k"]')).toBe(3));
      });
    });

    it("caches a missing row and drops it when the row is created; its own writes are visible at once", async () => {
      await withStores(async (a, raw) => {
        expect(await a.read('t01', 'nc', ['["absent"]'])).toEqual([undefined]);
        const hits = a.nearCacheStats()!.hits;
        expect(await a.read('t01', 'nc', ['["absent"]'])).toEqual([undefined]);
        expect(a.nearCacheStats()!.hits).toBe(hits + 1);
        await raw.hset(`${prefix}t01:nc:["absent"]`, 'x', cellText('now', 5, 1));
        await eventually(async () => expect(await value(a, 'nc', '["absent"]')).toBe('now'));
        // Read-your-writes: no waiting for Redis's invalidation after this process's own write.
        for (let i = 1; i <= 20; i++) {
          await a.write([{ tenant: 't01', view: 'nc', key: '["own"]', cells: { x: { value: i, event_time: i, ingest_seq: i } } }]);
          expect(await value(a, 'nc', '["own"]')).toBe(i);
        }
      });
    });

    it('drops the cache when either connection is killed, arms again and stays coherent', async () => {
      await withStores(async (a, raw, name) => {
        await a.write([{ tenant: 't01', view: 'nc', key: '["kill"]', cells: { x: { value: 'v1', event_time: 1, ingest_seq: 1 } } }]);
        expect(await value(a, 'nc', '["kill"]')).toBe('v1');
        for (const [n, which] of [
          [1, `${name}-invalidations`],
          [2, name],
        ] as const) {
          const resets = a.nearCacheStats()!.resets;
          const list = String(await raw.client('LIST'));
          const id = new RegExp(`^id=(\\d+) .* name=${which} `, 'm').exec(list)?.[1];
          expect(id).toBeDefined();
          await raw.client('KILL', 'ID', id!);
          await eventually(async () => expect(a.nearCacheStats()!.resets).toBeGreaterThan(resets));
          // A change made while the connection is down or re-arming is never hidden by the cache.
          await raw.hset(`${prefix}t01:nc:["kill"]`, 'x', cellText(`v${n + 1}`, n + 1, n + 1));
          await eventually(async () => expect(await value(a, 'nc', '["kill"]')).toBe(`v${n + 1}`));
          await armed(a);
          expect(await value(a, 'nc', '["kill"]')).toBe(`v${n + 1}`);
          await raw.hset(`${prefix}t01:nc:["kill"]`, 'x', cellText(`w${n + 1}`, n + 10, n + 10));
          await eventually(async () => expect(await value(a, 'nc', '["kill"]')).toBe(`w${n + 1}`));
        }
      });
    });

    it('drops everything on FLUSHDB and keeps at most maxRows rows', async () => {
      // A database of its own, so the flush touches nothing else.
      await withStores(async (a, raw) => {
        const keys = Array.from({ length: 150 }, (_, i) => `["m${i}"]`);
        await a.write(keys.map((key, i) => ({ tenant: 't01', view: 'nc', key, cells: { x: { value: i, event_time: 1, ingest_seq: 1 } } })));
        const rows = await a.read('t01', 'nc', keys);
        expect(rows.map((r) => r?.x?.value)).toEqual(keys.map((_, i) => i));
        expect(a.nearCacheStats()!.rows).toBe(100);
        // The newest 100 are cached, the first 50 were evicted.
        const hits = a.nearCacheStats()!.hits;
        await a.read('t01', 'nc', keys.slice(50));
        expect(a.nearCacheStats()!.hits).toBe(hits + 100);
        await raw.flushdb();
        await eventually(async () => expect(await a.read('t01', 'nc', keys.slice(140))).toEqual(new Array(10).fill(undefined)));
      }, `${SERVERS.redis.url}/13`);
    });

    it('reports its counters on the server /metrics', async () => {
      const { createServer } = await import('../../src/server/create-server.js');
      const { createFeatureRoutes } = await import('../../src/server/routes/features.js');
      const { defineFeatureView, lastValue } = await import('../../src/features/feature-view.js');
      const view = defineFeatureView({ name: 'ncm', entity: 'contact', keys: ['contact_id'], features: { x: lastValue('x', { type: 'integer' }) } });
      await withStores(async (a) => {
        const lake = { ingest: async () => ({ accepted: 0, duplicates: 0, quarantined: 0, byReason: {}, results: [] }) };
        const server = createServer({ lake, sources: [], tenantDefault: 't01', plugins: [createFeatureRoutes({ store: a, views: [view] })], closeResources: false });
        try {
          await a.write([{ tenant: 't01', view: 'ncm', key: JSON.stringify(['c1']), cells: { x: { value: 5, event_time: Date.now(), ingest_seq: 1 } } }]);
          for (let i = 0; i < 3; i++) {
            const res = await server.app.inject({ method: 'POST', url: '/v1/features/online', payload: JSON.stringify({ view: 'ncm', entities: [{ contact_id: 'c1' }] }), headers: { 'content-type': 'application/json' } });
            expect(res.json().rows[0].features.x.value).toBe(5);
          }
          const text = (await server.app.inject({ method: 'GET', url: '/metrics' })).body;
          expect(text).toMatch(/^verity_online_near_cache_hits_total 2$/m);
          expect(text).toMatch(/^verity_online_near_cache_enabled 1$/m);
          expect(text).toMatch(/^verity_online_near_cache_rows [1-9]/m);
        } finally {
          await server.close();
        }
      });
    });

    it('sends every read to Redis when turned off, and refuses bad settings', async () => {
      const off = createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix, nearCache: false });
      try {
        expect(off.nearCacheStats()).toBeUndefined();
        expect(await off.read('t01', 'nc', ['["none"]'])).toEqual([undefined]);
      } finally {
        await off.close();
      }
      expect(() => createRedisOnlineStore({ nearCache: { maxRows: 0 } })).toThrow(/maxRows/);
      expect(() => createRedisOnlineStore({ nearCache: { heartbeatMs: 1 } })).toThrow(/heartbeatMs/);
    });
  });

  afterAll(async () => {
    const { Redis } = await import('ioredis');
    const c = new Redis(SERVERS.redis.url);
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
    await c.quit();
  });
});
