import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateKeyPair, loadSigner, loadVerifier, exportPublicKey } from '../../src/keys/key-files.js';
import { pae, signEnvelope } from '../../src/snapshots/dsse.js';

const hasOpenssl = spawnSync('which', ['openssl']).status === 0;

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'verity-keys-'));
}

describe('key files', () => {
  it('writes the private key with mode 0600 and refuses to overwrite it', () => {
    const dir = tmp();
    const pair = generateKeyPair({ dir });
    expect(statSync(pair.privateKeyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(pair.privateKeyFile, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(readFileSync(pair.publicKeyFile, 'utf8')).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(() => generateKeyPair({ dir })).toThrow(/refusing to overwrite/);
    const again = generateKeyPair({ dir, force: true });
    expect(again.keyid).not.toBe(pair.keyid);
    expect(statSync(again.privateKeyFile).mode & 0o777).toBe(0o600);
  });

  it('loads the signer from a file or from an environment variable, the variable first', () => {
    const dir = tmp();
    const a = generateKeyPair({ dir, privateName: 'a.pem', publicName: 'a.pub' });
    const b = generateKeyPair({ dir, privateName: 'b.pem', publicName: 'b.pub' });
    const env = { VERITY_KEY: readFileSync(b.privateKeyFile, 'utf8') };
    expect(loadSigner({ root: dir, privateKeyFile: 'a.pem' }).keyid).toBe(a.keyid);
    expect(loadSigner({ root: dir, privateKeyFile: 'a.pem', privateKeyEnv: 'VERITY_KEY', env }).keyid).toBe(b.keyid);
    expect(loadSigner({ root: dir, privateKeyFile: 'a.pem', privateKeyEnv: 'ABSENT', env }).keyid).toBe(a.keyid);
    expect(loadVerifier({ root: dir, publicKeyFile: 'b.pub' }).keyid).toBe(b.keyid);
    expect(exportPublicKey({ root: dir, privateKeyFile: 'a.pem' }).publicKeyPem).toBe(readFileSync(a.publicKeyFile, 'utf8'));
  });

  it('never puts key material in errors, JSON or inspection of the signer', () => {
    const dir = tmp();
    const pair = generateKeyPair({ dir });
    const pem = readFileSync(pair.privateKeyFile, 'utf8');
    const body = pem.split('\n').filter((l) => l && !l.startsWith('-----')).join('');
    const signer = loadSigner({ root: dir, privateKeyFile: pair.privateKeyFile });
    const outputs = [JSON.stringify(signer), String(Object.keys(signer)), JSON.stringify(Object.entries(signer))];
    // A key with a damaged body: the error must not echo it.
    const broken = pem.replace(body.slice(10, 20), 'AAAAAAAAAA').replace('PRIVATE KEY-----\n', 'PRIVATE KEY-----\n!!');
    writeFileSync(join(dir, 'broken.pem'), broken);
    try {
      loadSigner({ root: dir, privateKeyFile: 'broken.pem' });
      expect.unreachable();
    } catch (error) {
      outputs.push(String(error), JSON.stringify(error), String((error as Error).cause), (error as Error).stack ?? '');
    }
    try {
      loadSigner({ privateKeyEnv: 'K', env: { K: 'not a key ' + body.slice(0, 30) } });
    } catch (error) {
      outputs.push(String(error), String((error as Error).cause));
    }
    for (const out of outputs) {
      expect(out).not.toContain(body.slice(0, 24));
      expect(out).not.toContain(body.slice(-24));
      expect(out).not.toContain('PRIVATE KEY');
    }
  });

  it('explains how to create a key when none exists', () => {
    expect(() => loadSigner({ root: tmp(), privateKeyFile: 'missing.pem' })).toThrow(/verity keys generate/);
    expect(() => loadSigner({})).toThrow(/verity keys generate/);
  });

  it.skipIf(!hasOpenssl)('produces DSSE signatures that openssl pkeyutl verifies against the exported public key', () => {
    const dir = tmp();
    const pair = generateKeyPair({ dir });
    const signer = loadSigner({ privateKeyFile: pair.privateKeyFile });
    const env = signEnvelope('application/vnd.in-toto+json', Buffer.from('{"hello":"world"}'), signer);
    writeFileSync(join(dir, 'pae.bin'), pae(env.payloadType, Buffer.from(env.payload, 'base64')));
    writeFileSync(join(dir, 'sig.bin'), Buffer.from(env.signatures[0]!.sig, 'base64'));
    const out = execFileSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pair.publicKeyFile, '-rawin', '-in', join(dir, 'pae.bin'), '-sigfile', join(dir, 'sig.bin')], { encoding: 'utf8' });
    expect(out).toMatch(/Signature Verified Successfully/);
    writeFileSync(join(dir, 'pae.bin'), Buffer.concat([pae(env.payloadType, Buffer.from(env.payload, 'base64')), Buffer.from(' ')]));
    const bad = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pair.publicKeyFile, '-rawin', '-in', join(dir, 'pae.bin'), '-sigfile', join(dir, 'sig.bin')], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
  });
});
