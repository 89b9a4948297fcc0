import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresAuditLog } from '../../src/audit/postgres-audit-log.js';
import { auditLogConformance, fact, testSigner } from '../conformance/audit-log.js';
import { describeWithServer, SERVERS } from '../helpers/servers.js';

const run = `t${process.pid}_${Date.now().toString(36)}`;
const schemas: string[] = [];
let n = 0;
const nextSchema = () => {
  const s = `verity_audit_${run}_${n++}`;
  schemas.push(s);
  return s;
};
const clock = () => new Date('2026-03-01T12:00:00.000Z');

await describeWithServer('postgres', 'PostgreSQL audit log', () => {
  afterAll(async () => {
    const c = new pg.Client({ connectionString: SERVERS.postgres.url });
    await c.connect();
    for (const s of schemas) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
    await c.end();
  });

  describe('conformance', () => {
    auditLogConformance(async (signer) => {
      const schema = nextSchema();
      return {
        log: createPostgresAuditLog({ url: SERVERS.postgres.url, schema, signer, clock }),
        reopen: async () => createPostgresAuditLog({ url: SERVERS.postgres.url, schema, signer, clock }),
      };
    });
  });

  it('detects an entry altered in the table and names it', async () => {
    const schema = nextSchema();
    const signer = testSigner();
    const log = createPostgresAuditLog({ url: SERVERS.postgres.url, schema, signer, clock });
    for (let i = 0; i < 8; i += 2) await log.append([fact(i), fact(i + 1)]);
    expect((await log.verify()).valid).toBe(true);
    const c = new pg.Client({ connectionString: SERVERS.postgres.url });
    await c.connect();
    await c.query(`UPDATE "${schema}".entries SET body = convert_to(replace(convert_from(body, 'UTF8'), '"accepted":15', '"accepted":16'), 'UTF8') WHERE idx = 5`);
    await c.end();
    const v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.first_bad_index).toBe(5);
    expect(v.problems[0]!.message).toMatch(/Entry 5/);
    await log.close();
  });

  it('lets two writers append concurrently without a gap or a duplicate', async () => {
    const schema = nextSchema();
    const signer = testSigner();
    const a = createPostgresAuditLog({ url: SERVERS.postgres.url, schema, signer, clock });
    const b = createPostgresAuditLog({ url: SERVERS.postgres.url, schema, signer, clock });
    await a.size();
    await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).append([fact(i), fact(i + 50)])));
    expect(await a.size()).toBe(20);
    const v = await b.verify();
    expect(v).toMatchObject({ valid: true, entries: 20, heads: 10 });
    await a.close();
    await b.close();
  });

  it('reports an unreachable server as BACKEND_UNAVAILABLE', async () => {
    const log = createPostgresAuditLog({ url: 'postgres://postgres@127.0.0.1:1/none', schema: nextSchema() });
    await expect(log.size()).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
    await log.close();
  });
});
