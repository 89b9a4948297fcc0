import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createFileAuditLog } from '../../src/audit/file-audit-log.js';
import { verifyInclusion } from '../../src/audit/merkle.js';
import { loadSigner } from '../../src/keys/key-files.js';
import { fact } from '../conformance/audit-log.js';
import { tempProject } from './provenance-cli.js';

describe('verity keys and audit commands', () => {
  it('generates keys, exports the public key, and never prints the private key', async () => {
    const p = tempProject();
    const gen = await p.run('keys', 'generate');
    expect(gen.code).toBe(0);
    const priv = join(p.dir, '.verity/keys/signing.key.pem');
    expect(statSync(priv).mode & 0o777).toBe(0o600);
    const pub = await p.run('keys', 'export-public');
    expect(pub.out).toBe(readFileSync(join(p.dir, '.verity/keys/signing.pub.pem'), 'utf8'));
    const again = await p.run('keys', 'generate');
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/refusing to overwrite/);
    const body = readFileSync(priv, 'utf8').split('\n')[1]!;
    for (const o of [gen, pub, again]) expect(o.out + o.err).not.toContain(body);
  });

  it('verifies, proves, shows the head and exports the audit log; exits 1 and names a tampered entry', async () => {
    const p = tempProject();
    await p.run('keys', 'generate');
    const signer = loadSigner({ privateKeyFile: join(p.dir, '.verity/keys/signing.key.pem') });
    const log = createFileAuditLog({ dir: join(p.dir, '.verity/audit'), signer });
    for (let i = 0; i < 6; i += 3) await log.append([fact(i), fact(i + 1), fact(i + 2, { note: 'a=b|c\\d\nline' })]);
    await log.close();

    const ok = await p.run('audit', 'verify');
    expect(ok).toMatchObject({ code: 0 });
    expect(ok.out).toMatch(/Audit log OK: 6 entries, 2 signed tree heads/);
    const head = JSON.parse((await p.run('--json', 'audit', 'head')).out);
    expect(head.tree_size).toBe(6);
    expect(head.envelope.signatures[0].keyid).toBe(signer.keyid);
    const proof = JSON.parse((await p.run('--json', 'audit', 'proof', '4')).out);
    const h = (s: string) => Buffer.from(s, 'hex');
    expect(verifyInclusion(4, 6, h(proof.leaf_hash), proof.proof.map(h), h(head.root_hash)).valid).toBe(true);
    expect((await p.run('audit', 'proof', '4', '--size', '3')).code).toBe(66);
    expect((await p.run('audit', 'proof', 'x')).code).toBe(2);
    const cons = JSON.parse((await p.run('--json', 'audit', 'consistency', '3')).out);
    expect(cons).toMatchObject({ size1: 3, size2: 6 });

    const nd = await p.run('audit', 'export');
    expect(nd.out.trim().split('\n').map((l) => JSON.parse(l).index)).toEqual([0, 1, 2, 3, 4, 5]);
    const cef = (await p.run('audit', 'export', '--format', 'cef')).out.trim().split('\n');
    expect(cef).toHaveLength(6);
    expect(cef[0]).toMatch(/^CEF:0\|Verity\|Verity\|[^|]+\|ingest\.batch\|ingest\.batch\|3\|rt=\d+ externalId=0 suser=test cs1Label=tenant cs1=t01 /);
    expect(cef[2]).toContain('"note":"a\\=b|c\\\\\\\\d\\\\nline"');
    expect((await p.run('audit', 'export', '--format', 'xml')).code).toBe(2);

    const path = join(p.dir, '.verity/audit/entries.log');
    writeFileSync(path, readFileSync(path, 'latin1').replace('"batch":4', '"batch":7'), 'latin1');
    const bad = await p.run('audit', 'verify');
    expect(bad.code).toBe(1);
    expect(bad.out).toMatch(/first bad entry 4/);
  });
});
