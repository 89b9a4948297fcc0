import { randomUUID } from 'node:crypto';
import { afterAll } from 'vitest';
import { createRedisOnlineStore } from '../../src/features/online-stores/redis-online-store.js';
import { onlineStoreConformance } from '../conformance/online-store.js';
import { SERVERS, describeWithServer } from '../helpers/servers.js';

const prefix = `verity-test:${randomUUID()}:`;

await describeWithServer('redis', 'redis online store (conformance)', () => {
  onlineStoreConformance({ open: async () => createRedisOnlineStore({ url: SERVERS.redis.url, keyPrefix: prefix }) });
  afterAll(async () => {
    const { Redis } = await import('ioredis');
    const c = new Redis(SERVERS.redis.url);
    const keys = await c.keys(`${prefix}*`);
    if (keys.length) await c.del(...keys);
    await c.quit();
  });
});
