import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import type { AuditFact } from '../../src/audit/audit-sink.js';
import { createSnapshot } from '../../src/snapshots/create-snapshot.js';
import { listSnapshots, readSignedManifest, resolveSnapshot } from '../../src/snapshots/snapshot-store.js';
import { verifySnapshot } from '../../src/snapshots/verify-snapshot.js';
import { testSigner } from '../conformance/audit-log.js';
import { createTestFrameBuilder, FRAME_CSV } from './test-frame-builder.js';

const clock = () => new Date('2026-03-10T09:00:00.000Z');
const signer = testSigner('snapshot-tests');

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'verity-snap-'));
  writeFileSync(join(dir, 'labels.csv'), FRAME_CSV);
  return { dir, frame: join(dir, 'labels.csv'), snapshots: join(dir, 'snapshots') };
}

async function readParquet(path: string) {
  const db = await DuckDBInstance.create(':memory:');
  const conn = await db.connect();
  const r = await conn.runAndReadAll(`SELECT * FROM read_parquet('${path}')`);
  const rows = r.getRowObjectsJS();
  conn.closeSync();
  db.closeSync();
  return rows;
}

describe('createSnapshot', () => {
  it('writes Parquet and a signed manifest with everything needed to reproduce the dataset', async () => {
    const s = setup();
    const facts: AuditFact[] = [];
    const created = await createSnapshot({
      name: 'lead-scoring', frame: s.frame, views: ['engagement', 'firmo'], purpose: 'model_training',
      builder: createTestFrameBuilder(), signer, dir: s.snapshots, clock,
      audit: { append: async (f) => (facts.push(...f), { firstIndex: 0 }) },
    });
    expect(created.version).toBe(1);
    expect(created.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    const m = readSignedManifest(created.path);
    expect(m.snapshot).toEqual({ name: 'lead-scoring', id: created.id, version: 1, created_at: '2026-03-10T09:00:00.000Z' });
    expect(m.consent).toEqual({ purpose: 'model_training', excluded_rows: 1 });
    expect(m.frame).toMatchObject({ source: 'labels.csv', rows: 4 });
    expect(m.feature_views.map((v) => v.name)).toEqual(['engagement', 'firmo']);
    expect(m.contracts).toContainEqual({ entity: 'contact', version: '1.0.0' });
    expect(m.lake.positions).toEqual({ lastSeq: 4242 });
    expect(m.lake.files_read).toHaveLength(2);
    expect(m.retrieval).toEqual({ knowledge: 'as_of', tenant_id: 't01' });
    expect(m.data.rows).toBe(3);
    expect(m.data.column_count).toBe(8);
    expect(m.data.columns.map((c) => c.name).slice(0, 3)).toEqual(['contact_id', 'event_timestamp', 'label']);
    expect(m.data.files[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(m.code.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(m.signer.keyid).toBe(signer.keyid);
    const rows = await readParquet(join(created.path, 'data/part-0000.parquet'));
    expect(rows.map((r) => r.contact_id)).toEqual(['con_1', 'con_2', 'con_4']);
    expect(facts).toHaveLength(1);
    expect(facts[0]).toMatchObject({ type: 'snapshot.created', data: { name: 'lead-scoring', id: created.id, version: 1, rows: 3 } });
    expect((await verifySnapshot(created.path, signer)).valid).toBe(true);
  });

  it('makes the snapshot read-only and never overwrites: the same name again is a new version with the same bytes and id', async () => {
    const s = setup();
    const opts = { name: 'leads', frame: s.frame, views: ['engagement'], builder: createTestFrameBuilder(), signer, dir: s.snapshots, clock };
    const a = await createSnapshot(opts);
    const b = await createSnapshot(opts);
    expect([a.version, b.version]).toEqual([1, 2]);
    expect(b.id).toBe(a.id);
    const da = readFileSync(join(a.path, 'data/part-0000.parquet'));
    expect(readFileSync(join(b.path, 'data/part-0000.parquet')).equals(da)).toBe(true);
    for (const f of ['data/part-0000.parquet', 'manifest.json', 'statement.dsse.json']) expect(statSync(join(a.path, f)).mode & 0o222).toBe(0);
    expect(statSync(a.path).mode & 0o222).toBe(0);
    expect(readSignedManifest(a.path).snapshot.version).toBe(1);
    expect(readdirSync(s.snapshots).filter((f) => f.startsWith('.tmp'))).toEqual([]);
    // Different inputs, different id.
    const c = await createSnapshot({ ...opts, views: ['engagement', 'firmo'] });
    expect(c.id).not.toBe(a.id);
    expect(listSnapshots(s.snapshots).map((x) => `${x.name}@${x.version}`)).toEqual(['leads@1', 'leads@2', 'leads@3']);
    expect(resolveSnapshot(s.snapshots, 'leads')).toBe(c.path);
    expect(resolveSnapshot(s.snapshots, 'leads@v1')).toBe(a.path);
    expect(resolveSnapshot(s.snapshots, c.id.slice(7, 19))).toBe(c.path);
    expect(() => resolveSnapshot(s.snapshots, 'leads@9')).toThrow(/no version 9/);
    expect(() => resolveSnapshot(s.snapshots, 'nope')).toThrow(/No snapshot matches/);
  });

  it('leaves nothing behind when the builder fails, and refuses bad names, views and frames', async () => {
    const s = setup();
    const failing = { async build(): Promise<never> { throw new Error('feature store down'); } };
    await expect(createSnapshot({ name: 'x', frame: s.frame, views: ['v'], builder: failing, signer, dir: s.snapshots })).rejects.toThrow('feature store down');
    expect(readdirSync(s.snapshots)).toEqual([]);
    await expect(createSnapshot({ name: '../evil', frame: s.frame, views: ['v'], builder: createTestFrameBuilder(), signer, dir: s.snapshots })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createSnapshot({ name: 'x', frame: s.frame, views: [], builder: createTestFrameBuilder(), signer, dir: s.snapshots })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(createSnapshot({ name: 'x', frame: join(s.dir, 'absent.csv'), views: ['v'], builder: createTestFrameBuilder(), signer, dir: s.snapshots })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    writeFileSync(join(s.dir, 'bad.csv'), 'a,b\n1,2,3\n"unclosed\n');
    await expect(createSnapshot({ name: 'x', frame: join(s.dir, 'bad.csv'), views: ['v'], builder: createTestFrameBuilder(), signer, dir: s.snapshots })).rejects.toMatchObject({ code: 'MALFORMED_INPUT' });
  });

  it('puts no private key material in the manifest, statement or audit fact', async () => {
    const s = setup();
    const facts: AuditFact[] = [];
    const created = await createSnapshot({ name: 'k', frame: s.frame, views: ['v'], builder: createTestFrameBuilder(), signer, dir: s.snapshots, audit: { append: async (f) => (facts.push(...f), { firstIndex: 0 }) } });
    const { createPrivateKey, createHash } = await import('node:crypto');
    const seed = createHash('sha256').update('snapshot-tests').digest();
    const pem = createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
    const body = pem.split('\n')[1]!;
    const texts = [readFileSync(join(created.path, 'manifest.json'), 'utf8'), readFileSync(join(created.path, 'statement.dsse.json'), 'utf8'), Buffer.from(JSON.parse(readFileSync(join(created.path, 'statement.dsse.json'), 'utf8')).payload, 'base64').toString(), JSON.stringify(facts)];
    for (const t of texts) {
      expect(t).not.toContain(body);
      expect(t).not.toContain(seed.toString('hex'));
      expect(t).not.toContain(seed.toString('base64'));
      expect(t).not.toContain('PRIVATE KEY');
    }
  });
});

describe('verifySnapshot', () => {
  async function fresh() {
    const s = setup();
    const created = await createSnapshot({ name: 'v', frame: s.frame, views: ['engagement'], builder: createTestFrameBuilder(), signer, dir: s.snapshots, clock });
    chmodSync(created.path, 0o755);
    chmodSync(join(created.path, 'data'), 0o755);
    for (const f of ['data/part-0000.parquet', 'manifest.json', 'statement.dsse.json']) chmodSync(join(created.path, f), 0o644);
    return created;
  }

  it('names the data file whose byte changed, with the expected and actual digests', async () => {
    const c = await fresh();
    const p = join(c.path, 'data/part-0000.parquet');
    const bytes = readFileSync(p);
    for (const pos of [0, 100, bytes.length - 1]) {
      const copy = Buffer.from(bytes);
      copy[pos] = copy[pos]! ^ 0x20;
      writeFileSync(p, copy);
      const v = await verifySnapshot(c.path, signer);
      expect(v.valid).toBe(false);
      expect(v.signature.valid).toBe(true);
      expect(v.files[0]).toMatchObject({ path: 'data/part-0000.parquet', status: 'changed', expected: c.manifest.data.files[0]!.sha256 });
      expect(v.problems[0]).toMatch(/data\/part-0000.parquet: sha256 is [0-9a-f]{64}, expected/);
    }
    writeFileSync(p, bytes);
    expect((await verifySnapshot(c.path, signer)).valid).toBe(true);
    rmSync(p);
    expect((await verifySnapshot(c.path, signer)).files[0]!.status).toBe('missing');
  });

  it('names a tampered manifest field, a tampered signed statement, an added file and a foreign key', async () => {
    const c = await fresh();
    const mf = join(c.path, 'manifest.json');
    const original = readFileSync(mf, 'utf8');
    writeFileSync(mf, original.replace('"purpose": null', '"purpose": "marketing"'));
    let v = await verifySnapshot(c.path, signer);
    expect(v.manifest).toEqual([{ field: 'consent.purpose', signed: null, actual: 'marketing' }]);
    expect(v.problems.join('\n')).toMatch(/manifest.json field consent.purpose was tampered/);
    writeFileSync(mf, original);

    const sf = join(c.path, 'statement.dsse.json');
    const envText = readFileSync(sf, 'utf8');
    const env = JSON.parse(envText);
    const payload = Buffer.from(env.payload, 'base64').toString().replace('"rows":4', '"rows":5');
    writeFileSync(sf, JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    v = await verifySnapshot(c.path, signer);
    expect(v.signature.valid).toBe(false);
    expect(v.problems.join('\n')).toMatch(/Bad signature/);
    writeFileSync(sf, envText);

    appendFileSync(join(c.path, 'data/extra.parquet'), 'x');
    v = await verifySnapshot(c.path, signer);
    expect(v.files).toContainEqual({ path: 'data/extra.parquet', status: 'unexpected' });
    rmSync(join(c.path, 'data/extra.parquet'));

    v = await verifySnapshot(c.path, testSigner('someone else'));
    expect(v.valid).toBe(false);
    expect(v.signature.valid).toBe(false);
    expect((await verifySnapshot(c.path, signer)).valid).toBe(true);
    expect(existsSync(c.path)).toBe(true);
  });

  it('detects a change to any byte of manifest.json or statement.dsse.json', async () => {
    const c = await fresh();
    for (const name of ['manifest.json', 'statement.dsse.json']) {
      const file = join(c.path, name);
      const original = readFileSync(file);
      for (let pos = 0; pos < original.length; pos += 7) {
        const copy = Buffer.from(original);
        copy[pos] = copy[pos]! ^ 0x01;
        writeFileSync(file, copy);
        const v = await verifySnapshot(c.path, signer);
        expect({ name, pos, valid: v.valid, at: original.subarray(pos - 20, pos + 10).toString() }).toEqual({ name, pos, valid: false, at: original.subarray(pos - 20, pos + 10).toString() });
        expect(v.problems.join(' ')).toMatch(name === 'manifest.json' ? /manifest\.json/ : /statement|signature|payload/i);
      }
      writeFileSync(file, original);
    }
    expect((await verifySnapshot(c.path, signer)).valid).toBe(true);
  });
});
