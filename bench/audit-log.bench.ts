/**
 * Audit log: batched appends (fsync per batch), full verification, inclusion proof generation.
 * Ceiling: the raw SHA-256 rate over the same leaf bytes (0x00 || entry), in the same run.
 * Default 100,000 entries in batches of 1,000; `--scale 10` reaches 1,000,000. One JSON line.
 */
import { createHash, createPrivateKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeEntry } from '../src/audit/audit-entry.js';
import { createFileAuditLog } from '../src/audit/file-audit-log.js';
import type { AuditFact } from '../src/audit/audit-sink.js';
import { verifyInclusion } from '../src/audit/merkle.js';
import { createEd25519Signer } from '../src/keys/ed25519-signer.js';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
const total = Math.round(100_000 * scale);
const batch = 1000;
const seed = createHash('sha256').update('bench').digest();
const signer = createEd25519Signer(createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }));
const fact = (i: number): AuditFact => ({ type: 'ingest.batch', actor: 'bench', tenant_id: `t${i % 7}`, time: '2026-03-01T12:00:00.000Z', data: { batch: i, accepted: i % 1000, digest: 'ab'.repeat(32) } });

const dir = mkdtempSync(join(tmpdir(), 'verity-bench-audit-'));
const log = createFileAuditLog({ dir, signer });
const facts = Array.from({ length: batch }, (_, i) => fact(i));
let t = process.hrtime.bigint();
for (let done = 0; done < total; done += batch) {
  const n = Math.min(batch, total - done);
  for (let i = 0; i < n; i++) facts[i] = fact(done + i);
  await log.append(n === batch ? facts : facts.slice(0, n));
}
const appendSeconds = Number(process.hrtime.bigint() - t) / 1e9;
const size = await log.size();

t = process.hrtime.bigint();
const v = await log.verify();
const verifySeconds = Number(process.hrtime.bigint() - t) / 1e9;
if (!v.valid || v.entries !== total) throw new Error(`verification failed: ${JSON.stringify(v.problems.slice(0, 3))}`);

const head = await log.head();
const samples = 2000;
let proofNs = 0;
for (let k = 0; k < samples; k++) {
  const index = (k * 7919) % size;
  const s = process.hrtime.bigint();
  const p = await log.inclusionProof(index);
  proofNs += Number(process.hrtime.bigint() - s);
  if (k < 20 && !verifyInclusion(index, p.tree_size, Buffer.from(p.leaf_hash, 'hex'), p.proof.map((x) => Buffer.from(x, 'hex')), Buffer.from(head.root_hash, 'hex')).valid) throw new Error('bad proof');
}
await log.close();

// Ceiling: SHA-256 over the same leaf bytes, nothing else (no JSON, no I/O, no tree).
const leaves = Array.from({ length: total }, (_, i) => Buffer.concat([Buffer.from([0]), encodeEntry(i, fact(i))]));
t = process.hrtime.bigint();
for (const leaf of leaves) createHash('sha256').update(leaf).digest();
const ceilingSeconds = Number(process.hrtime.bigint() - t) / 1e9;
rmSync(dir, { recursive: true, force: true });

console.log(
  JSON.stringify({
    bench: 'audit-log',
    entries: total,
    batch,
    append_entries_per_s: Math.round(total / appendSeconds),
    verify_seconds: Math.round(verifySeconds * 1000) / 1000,
    verify_entries_per_s: Math.round(total / verifySeconds),
    inclusion_proof_ms: Math.round((proofNs / samples / 1e6) * 10000) / 10000,
    target_inclusion_proof_ms: 1,
    ceiling: 'sha256 over the same leaf bytes (0x00 || entry), pre-encoded in memory',
    ceiling_entries_per_s: Math.round(total / ceilingSeconds),
    append_vs_ceiling: Math.round((ceilingSeconds / appendSeconds) * 1000) / 1000,
    verify_vs_ceiling: Math.round((ceilingSeconds / verifySeconds) * 1000) / 1000,
  }),
);
