import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, loadSigner } from '../../src/keys/key-files.js';
import { createSnapshot } from '../../src/snapshots/create-snapshot.js';
import { createTestFrameBuilder, FRAME_CSV } from './test-frame-builder.js';

const has = (tool: string) => spawnSync('which', [tool]).status === 0;
const tools = ['openssl', 'jq', 'sha256sum', 'base64', 'bash'].every(has);

/** The shell block of docs/provenance.md marked `<!-- verify-without-verity -->`. */
function docScript(): string {
  const doc = readFileSync(new URL('../../docs/provenance.md', import.meta.url), 'utf8');
  const at = doc.indexOf('<!-- verify-without-verity -->');
  const m = /```sh\n([\s\S]*?)```/.exec(doc.slice(at));
  if (at < 0 || !m) throw new Error('docs/provenance.md lost its verify-without-verity block');
  return m[1]!;
}

describe('verifying a snapshot without Verity (docs/provenance.md)', () => {
  it.skipIf(!tools)('the documented openssl/jq/sha256sum commands accept a good snapshot and reject a changed one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'verity-nov-'));
    const keys = generateKeyPair({ dir: join(dir, 'keys') });
    writeFileSync(join(dir, 'labels.csv'), FRAME_CSV);
    const s = await createSnapshot({ name: 'doc', frame: join(dir, 'labels.csv'), views: ['engagement'], builder: createTestFrameBuilder(), signer: loadSigner({ privateKeyFile: keys.privateKeyFile }), dir: join(dir, 'snapshots') });
    const run = () => spawnSync('bash', ['-e', '-c', docScript()], { env: { ...process.env, SNAP: s.path, PUB: keys.publicKeyFile }, encoding: 'utf8' });
    const ok = run();
    expect(ok.stdout + ok.stderr).toMatch(/Signature Verified Successfully/);
    expect(ok.stdout).toMatch(/data\/part-0000.parquet: OK/);
    expect(ok.status).toBe(0);

    chmodSync(join(s.path, 'data'), 0o755);
    chmodSync(join(s.path, 'data/part-0000.parquet'), 0o644);
    const bytes = readFileSync(join(s.path, 'data/part-0000.parquet'));
    bytes[5] = bytes[5]! ^ 1;
    writeFileSync(join(s.path, 'data/part-0000.parquet'), bytes);
    const bad = run();
    expect(bad.status).not.toBe(0);
    expect(bad.stdout).toMatch(/FAILED/);

    chmodSync(join(s.path, 'statement.dsse.json'), 0o644);
    const env = JSON.parse(readFileSync(join(s.path, 'statement.dsse.json'), 'utf8'));
    const payload = Buffer.from(env.payload, 'base64').toString().replace('"rows":4', '"rows":9');
    writeFileSync(join(s.path, 'statement.dsse.json'), JSON.stringify({ ...env, payload: Buffer.from(payload).toString('base64') }));
    const forged = run();
    expect(forged.status).not.toBe(0);
    expect(forged.stdout + forged.stderr).toMatch(/Signature Verification Failure/);
  });
});
