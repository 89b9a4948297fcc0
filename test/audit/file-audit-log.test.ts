import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, statSync, truncateSync, writeFileSync, writeSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { createHash, createPrivateKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createFileAuditLog } from '../../src/audit/file-audit-log.js';
import { auditLogConformance, fact, testSigner } from '../conformance/audit-log.js';

/** The private key of testSigner(), for writers in other processes. */
const TEST_KEY_PEM = createPrivateKey({
  key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), createHash('sha256').update('audit-conformance').digest()]),
  format: 'der',
  type: 'pkcs8',
})
  .export({ type: 'pkcs8', format: 'pem' })
  .toString();
const clock = () => new Date('2026-03-01T12:00:00.000Z');
const tmp = () => mkdtempSync(join(tmpdir(), 'verity-audit-'));

describe('file audit log: conformance', () => {
  auditLogConformance(async (signer) => {
    const dir = tmp();
    return { log: createFileAuditLog({ dir, signer, clock }), reopen: async () => createFileAuditLog({ dir, signer, clock }) };
  });
});

/** Frame boundaries of entries.log: [start, end) of each entry's frame. */
function frames(dir: string): Array<[number, number]> {
  const buf = readFileSync(join(dir, 'entries.log'));
  const out: Array<[number, number]> = [];
  for (let at = 0; at < buf.length; ) {
    const end = at + 8 + buf.readUInt32BE(at);
    out.push([at, end]);
    at = end;
  }
  return out;
}

async function seeded(n = 6) {
  const dir = tmp();
  const signer = testSigner();
  const log = createFileAuditLog({ dir, signer, clock });
  for (let i = 0; i < n; i += 2) await log.append([fact(i), fact(i + 1)]);
  await log.close();
  return { dir, signer };
}

describe('file audit log: tampering', () => {
  it('detects a change to any byte of any entry and names that entry', async () => {
    const { dir, signer } = await seeded(6);
    const path = join(dir, 'entries.log');
    const original = readFileSync(path);
    const bounds = frames(dir);
    for (let pos = 0; pos < original.length; pos++) {
      const copy = Buffer.from(original);
      copy[pos] = copy[pos]! ^ 0x01;
      writeFileSync(path, copy);
      const log = createFileAuditLog({ dir, signer, clock });
      const v = await log.verify();
      await log.close();
      const entry = bounds.findIndex(([s, e]) => pos >= s && pos < e);
      expect({ pos, valid: v.valid, first: v.first_bad_index }).toEqual({ pos, valid: false, first: entry });
    }
    writeFileSync(path, original);
  });

  it('locates an entry rewritten with a fixed-up checksum by its recorded leaf hash', async () => {
    const { dir, signer } = await seeded(6);
    const path = join(dir, 'entries.log');
    const buf = readFileSync(path);
    const [start, end] = frames(dir)[3]!;
    const body = Buffer.from(buf.subarray(start + 8, end).toString().replace('"accepted":9', '"accepted":8'));
    buf.writeUInt32BE(crc32(body), start + 4);
    body.copy(buf, start + 8);
    writeFileSync(path, buf);
    const log = createFileAuditLog({ dir, signer, clock });
    const v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.first_bad_index).toBe(3);
    expect(v.problems[0]!.message).toMatch(/Entry 3: its bytes hash to/);
    await log.close();
  });

  it('catches a forged tree head and a head signed by another key', async () => {
    const { dir, signer } = await seeded(4);
    const headsPath = join(dir, 'heads.ndjson');
    const lines = readFileSync(headsPath, 'utf8').trim().split('\n');
    const h0 = JSON.parse(lines[0]!);
    writeFileSync(headsPath, [JSON.stringify({ ...h0, root_hash: '00'.repeat(32) }), lines[1]].join('\n') + '\n');
    let log = createFileAuditLog({ dir, signer, clock });
    let v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.problems.map((p) => p.message).join(' ')).toMatch(/Tree head at size 2/);
    await log.close();
    writeFileSync(headsPath, lines.join('\n') + '\n');
    log = createFileAuditLog({ dir, verifier: testSigner('another key'), clock });
    v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.problems[0]!.message).toMatch(/signature does not verify/);
    await log.close();
  });

  it('detects entries removed from the end', async () => {
    const { dir, signer } = await seeded(6);
    const bounds = frames(dir);
    truncateSync(join(dir, 'entries.log'), bounds[4]![0]);
    truncateSync(join(dir, 'entries.idx'), 4 * 8);
    const log = createFileAuditLog({ dir, signer, clock });
    const v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.problems.map((p) => p.message).join(' ')).toMatch(/claims size 6 but the log holds 4/);
    await log.close();
  });

  it('detects an altered stored subtree hash', async () => {
    const { dir, signer } = await seeded(8);
    const fd = openSync(join(dir, 'nodes-02.bin'), 'r+');
    writeSync(fd, Buffer.alloc(1, 0xff), 0, 1, 32 + 5);
    closeSync(fd);
    const log = createFileAuditLog({ dir, signer, clock });
    const v = await log.verify();
    expect(v.valid).toBe(false);
    expect(v.problems[0]).toMatchObject({ kind: 'node', index: 4 });
    await log.close();
  });
});

describe('file audit log: keys', () => {
  it('says when head signatures could not be checked for lack of a public key', async () => {
    const { dir, signer } = await seeded(2);
    const keyless = createFileAuditLog({ dir, clock });
    expect(await keyless.verify()).toMatchObject({ valid: true, signatures_checked: false });
    await keyless.close();
    const checked = createFileAuditLog({ dir, verifier: signer, clock });
    expect(await checked.verify()).toMatchObject({ valid: true, signatures_checked: true });
    await checked.close();
  });
});

describe('file audit log: crash recovery', () => {
  it('truncates a torn last frame and verifies up to the last complete entry', async () => {
    const { dir, signer } = await seeded(4);
    const size = statSync(join(dir, 'entries.log')).size;
    // A crash in the middle of the next append: half a frame, no index, no head.
    const body = Buffer.from('{"index":4,"actor":"test"');
    const header = Buffer.alloc(8);
    header.writeUInt32BE(200, 0);
    appendFileSync(join(dir, 'entries.log'), Buffer.concat([header, body]));
    const log = createFileAuditLog({ dir, signer, clock });
    expect(await log.size()).toBe(4);
    expect(statSync(join(dir, 'entries.log')).size).toBe(size);
    expect((await log.verify()).valid).toBe(true);
    expect((await log.append([fact(4)])).firstIndex).toBe(4);
    expect((await log.verify()).valid).toBe(true);
    await log.close();
  });

  it('indexes complete frames written before a crash and recomputes their subtree hashes', async () => {
    const { dir, signer } = await seeded(4);
    // Simulate: the frames of entries 4-5 reached disk, the index, nodes and head did not.
    const other = tmp();
    const full = createFileAuditLog({ dir: other, signer, clock });
    for (let i = 0; i < 6; i += 2) await full.append([fact(i), fact(i + 1)]);
    await full.close();
    const bounds = frames(other);
    appendFileSync(join(dir, 'entries.log'), readFileSync(join(other, 'entries.log')).subarray(bounds[4]![0]));
    const log = createFileAuditLog({ dir, signer, clock });
    expect(await log.size()).toBe(6);
    const v = await log.verify();
    expect(v.valid).toBe(true);
    expect(v.root_hash).toBe(JSON.parse(readFileSync(join(other, 'heads.ndjson'), 'utf8').trim().split('\n').pop()!).root_hash);
    await log.close();
  });

  it('drops a torn tree-head line and an index entry beyond the log', async () => {
    const { dir, signer } = await seeded(4);
    appendFileSync(join(dir, 'heads.ndjson'), '{"tree_size":5,"ro');
    appendFileSync(join(dir, 'entries.idx'), Buffer.alloc(5));
    const log = createFileAuditLog({ dir, signer, clock });
    expect(await log.size()).toBe(4);
    expect((await log.head()).tree_size).toBe(4);
    expect((await log.verify()).valid).toBe(true);
    await log.close();
  });
});

describe('file audit log: writers and readers', () => {
  it('lets several processes append concurrently without a gap, a duplicate or a broken proof', async () => {
    const { dir, signer } = await seeded(4);
    const here = createFileAuditLog({ dir, signer, clock });
    const second = createFileAuditLog({ dir, signer, clock }); // a second instance in this process is fine too
    // Two other processes append 30 single-fact batches each while this one appends 30.
    const child = (tag: string) =>
      new Promise<number>((done, fail) => {
        const script = `
          import { createFileAuditLog } from ${JSON.stringify(new URL('../../src/audit/file-audit-log.ts', import.meta.url).href)};
          import { createEd25519Signer } from ${JSON.stringify(new URL('../../src/keys/ed25519-signer.ts', import.meta.url).href)};
          const log = createFileAuditLog({ dir: ${JSON.stringify(dir)}, signer: createEd25519Signer(${JSON.stringify(TEST_KEY_PEM)}) });
          for (let i = 0; i < 30; i++) await log.append([${JSON.stringify(fact(0))}].map((f) => ({ ...f, data: { batch: i, writer: ${JSON.stringify(tag)} } })));
          await log.close();`;
        const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
        let err = '';
        p.stderr.on('data', (d) => (err += d));
        p.on('error', fail);
        p.on('exit', (code) => (code === 0 ? done(code) : fail(new Error(`writer ${tag} exited ${code}: ${err}`))));
      });
    const mine = (async () => {
      for (let i = 0; i < 30; i++) await (i % 2 ? here : second).append([fact(i, { writer: 'parent' })]);
    })();
    await Promise.all([child('a'), child('b'), mine]);
    await here.close();
    await second.close();
    const reader = createFileAuditLog({ dir, signer, readOnly: true });
    expect(await reader.size()).toBe(94);
    expect(await reader.verify()).toMatchObject({ valid: true, entries: 94, heads: 2 + 90 });
    const writers = new Map<string, number>();
    for await (const e of reader.entries({ from: 4 })) {
      const w = String((e as { data?: { writer?: string } }).data?.writer ?? (e as { fact?: { data?: { writer?: string } } }).fact?.data?.writer);
      writers.set(w, (writers.get(w) ?? 0) + 1);
    }
    expect(Object.fromEntries(writers)).toEqual({ a: 30, b: 30, parent: 30 });
    expect((await reader.inclusionProof(50)).tree_size).toBe(94);
    await reader.close();
    expect(existsSync(join(dir, 'LOCK'))).toBe(false);
  }, 60_000);

  it('takes over a lock left by a dead process, and repairs that process\'s torn append first', async () => {
    const { dir, signer } = await seeded(4);
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: 2 ** 22 + 12345 }) + '\n'); // no such process
    const header = Buffer.alloc(8);
    header.writeUInt32BE(100, 0);
    appendFileSync(join(dir, 'entries.log'), Buffer.concat([header, Buffer.from('{"index":4')]));
    const log = createFileAuditLog({ dir, signer, clock });
    await log.append([fact(9)]);
    expect(await log.size()).toBe(5);
    expect((await log.verify()).valid).toBe(true);
    await log.close();
  });

  it('readers neither block a writer nor cut its in-flight tail', async () => {
    const { dir, signer } = await seeded(4);
    const writer = createFileAuditLog({ dir, signer, clock });
    // A frame being written right now by another process (no index, no head yet), which holds the lock.
    writeFileSync(join(dir, 'LOCK'), JSON.stringify({ pid: process.ppid }) + '\n');
    const header = Buffer.alloc(8);
    header.writeUInt32BE(100, 0);
    appendFileSync(join(dir, 'entries.log'), Buffer.concat([header, Buffer.from('{"index":4')]));
    const size = statSync(join(dir, 'entries.log')).size;
    const reader = createFileAuditLog({ dir, signer, readOnly: true });
    expect(await reader.size()).toBe(4);
    expect((await reader.verify()).valid).toBe(true);
    await expect(reader.append([fact(9)])).rejects.toMatchObject({ code: 'CONFLICT' });
    await reader.close();
    // A writer opened while the other process holds the lock does not repair either.
    createFileAuditLog({ dir, signer, clock, readOnly: true });
    expect(statSync(join(dir, 'entries.log')).size).toBe(size);
    await writer.close();
    expect(() => createFileAuditLog({ dir: join(dir, 'absent'), readOnly: true })).toThrow(/No audit log/);
  });
});
