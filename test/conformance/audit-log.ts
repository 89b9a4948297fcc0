/**
 * The conformance suite every AuditLog implementation runs (files, PostgreSQL).
 * Call `auditLogConformance(name, factory)` inside a describe.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import type { AuditLog } from '../../src/audit/audit-log.js';
import type { AuditFact } from '../../src/audit/audit-sink.js';
import { hashLeaf, verifyConsistency, verifyInclusion } from '../../src/audit/merkle.js';
import { verifyTreeHead } from '../../src/audit/tree-head.js';
import { createEd25519Signer } from '../../src/keys/ed25519-signer.js';
import type { Signer } from '../../src/keys/signer.js';
import { canonicalJson } from '../../src/util/canonical-json.js';

/** A deterministic test signer (seed from a label). */
export function testSigner(label = 'audit-conformance'): Signer {
  const seed = createHash('sha256').update(label).digest();
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]);
  return createEd25519Signer(createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
}

/** A deterministic fact. */
export function fact(i: number, extra: Record<string, unknown> = {}): AuditFact {
  return { type: 'ingest.batch', actor: 'test', tenant_id: 't01', time: new Date(Date.UTC(2026, 2, 1, 12, 0, i % 60)).toISOString(), data: { batch: i, accepted: i * 3, ...extra } };
}

/** What a factory returns: a fresh, empty log, and a way to reopen the same storage. */
export interface AuditLogFixture {
  log: AuditLog;
  reopen?: () => Promise<AuditLog>;
}

const h = (s: string) => Buffer.from(s, 'hex');

/** Registers the shared tests. */
export function auditLogConformance(factory: (signer: Signer) => Promise<AuditLogFixture>): void {
  const opened: AuditLog[] = [];
  const open = async () => {
    const signer = testSigner();
    const f = await factory(signer);
    opened.push(f.log);
    return { ...f, signer };
  };
  afterEach(async () => {
    for (const l of opened.splice(0)) await l.close();
  });

  it('starts empty with the empty-tree root', async () => {
    const { log } = await open();
    expect(await log.size()).toBe(0);
    const head = await log.head();
    expect(head.tree_size).toBe(0);
    expect(head.root_hash).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect((await log.verify()).valid).toBe(true);
  });

  it('appends batches at consecutive indexes and signs a tree head per batch', async () => {
    const { log, signer } = await open();
    const a = await log.append([fact(0), fact(1), fact(2)]);
    const b = await log.append([fact(3)]);
    expect(a.firstIndex).toBe(0);
    expect(b.firstIndex).toBe(3);
    expect(b.head.tree_size).toBe(4);
    expect(verifyTreeHead(b.head, signer).valid).toBe(true);
    expect(verifyTreeHead({ ...b.head, tree_size: 5 }, signer).valid).toBe(false);
    expect((await log.head()).root_hash).toBe(b.head.root_hash);
    const heads = [];
    for await (const x of log.heads()) heads.push(x.tree_size);
    expect(heads).toEqual([3, 4]);
  });

  it('returns each entry as appended, with its leaf hash over the canonical bytes', async () => {
    const { log } = await open();
    await log.append([fact(0), fact(1, { nested: { b: 2, a: [1, 'x'] } })]);
    const e = await log.entry(1);
    expect(e).toMatchObject({ index: 1, type: 'ingest.batch', actor: 'test', tenant_id: 't01', data: { batch: 1, nested: { a: [1, 'x'], b: 2 } } });
    const { leaf_hash, ...body } = e;
    expect(leaf_hash).toBe(hashLeaf(Buffer.from(canonicalJson(body))).toString('hex'));
    const all = [];
    for await (const x of log.entries({ from: 1 })) all.push(x.index);
    expect(all).toEqual([1]);
    await expect(log.entry(2)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('proves inclusion of every entry against every tree size', async () => {
    const { log } = await open();
    for (let i = 0; i < 13; i += 3) await log.append([fact(i), fact(i + 1), fact(i + 2)]);
    const size = await log.size();
    expect(size).toBe(15);
    for (let n = 1; n <= size; n++)
      for (let i = 0; i < n; i++) {
        const p = await log.inclusionProof(i, n);
        expect(verifyInclusion(i, n, h(p.leaf_hash), p.proof.map(h), h(p.root_hash)).valid).toBe(true);
      }
    const p = await log.inclusionProof(4);
    expect(p.root_hash).toBe((await log.head()).root_hash);
    expect(verifyInclusion(5, p.tree_size, h(p.leaf_hash), p.proof.map(h), h(p.root_hash)).valid).toBe(false);
    await expect(log.inclusionProof(15)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(log.inclusionProof(0, 99)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });

  it('proves every signed head consistent with the current one', async () => {
    const { log } = await open();
    for (let i = 0; i < 10; i++) await log.append([fact(i)]);
    const now = await log.head();
    for await (const old of log.heads()) {
      const p = await log.consistencyProof(old.tree_size);
      expect(p.root1).toBe(old.root_hash);
      expect(verifyConsistency(old.tree_size, now.tree_size, p.proof.map(h), h(old.root_hash), h(now.root_hash)).valid).toBe(true);
    }
  });

  it('verifies a clean log in full', async () => {
    const { log } = await open();
    for (let i = 0; i < 20; i += 4) await log.append([fact(i), fact(i + 1), fact(i + 2), fact(i + 3)]);
    const v = await log.verify();
    expect(v).toMatchObject({ valid: true, entries: 20, heads: 5, problems: [] });
    expect(v.root_hash).toBe((await log.head()).root_hash);
  });

  it('refuses a malformed fact and appends nothing from its batch', async () => {
    const { log } = await open();
    await expect(log.append([fact(0), { type: '', actor: 'x', time: 'now', data: {} }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(log.append([{ ...fact(0), data: { n: Number.NaN } }])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(log.append([])).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(await log.size()).toBe(0);
    expect((await log.append([fact(1)])).firstIndex).toBe(0);
  });

  it('serialises concurrent appends without losing or duplicating an entry', async () => {
    const { log } = await open();
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => log.append([fact(i), fact(i + 100)])));
    expect(results.map((r) => r.firstIndex).sort((a, b) => a - b)).toEqual([0, 2, 4, 6, 8, 10, 12, 14, 16, 18]);
    expect(await log.size()).toBe(20);
    expect((await log.verify()).valid).toBe(true);
  });

  it('keeps every entry and head across a reopen, and closes twice safely', async () => {
    const { log, reopen } = await open();
    await log.append([fact(0), fact(1)]);
    await log.append([fact(2)]);
    const head = await log.head();
    await log.close();
    await log.close();
    if (!reopen) return;
    const again = await reopen();
    opened.push(again);
    expect(await again.size()).toBe(3);
    expect((await again.head()).root_hash).toBe(head.root_hash);
    expect((await again.append([fact(3)])).firstIndex).toBe(3);
    expect((await again.verify()).valid).toBe(true);
  });
}
