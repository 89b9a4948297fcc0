import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describeWithServer, SERVERS } from '../helpers/servers.js';
import { createPostgresRegistry } from '../../src/contracts/registry/postgres-registry.js';
import { registryConformance } from '../conformance/registry.js';

await describeWithServer('postgres', 'PostgreSQL registry', () => {
  registryConformance(async (options) => {
    const schema = `verity_reg_${randomBytes(6).toString('hex')}`;
    return {
      registry: createPostgresRegistry({ url: SERVERS.postgres.url, schema, ...options }),
      cleanup: async () => {
        const client = new pg.Client({ connectionString: SERVERS.postgres.url });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await client.end();
      },
    };
  });
});
