import { randomUUID } from 'node:crypto';
import { afterAll, expect, it } from 'vitest';
import { createRedisOnlineStore } from '../../src/features/online-stores/redis-online-store.js';
import { onlineStoreConformance } from '../conformance/online-store.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';

const prefix = `verity-test:${randomUUID()}:`;

await describeWithServer('redis', 'redis online store (conformance)', () => {
  onlineStoreConformance({ open: async () => createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix }) });

  it('reads a row holding a cell it did not write (JSON with a raw newline) through the HGETALL fallback', async () => {
    const store = createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix });
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
  afterAll(async () => {
    const { Redis } = await import('ioredis');
    const c = new Redis(SERVERS.redis.url);
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
    await c.quit();
  });
});
