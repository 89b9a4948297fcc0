import { createHash, createPrivateKey, createPublicKey, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createEd25519Signer, createEd25519Verifier } from '../../src/keys/ed25519-signer.js';
import { pae, signEnvelope, verifyEnvelope } from '../../src/snapshots/dsse.js';
import { IN_TOTO_PAYLOAD_TYPE, parseStatement, serializeStatement, createStatement } from '../../src/snapshots/in-toto.js';
import { describeWithFixtures, readFixtureJson } from '../helpers/fixtures.js';

/** PKCS#8 PEM for an Ed25519 seed (fixed DER prefix + 32-byte seed). */
function ed25519PemFromSeed(seedHex: string): string {
  const der = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seedHex, 'hex')]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }).export({ type: 'pkcs8', format: 'pem' }).toString();
}

describeWithFixtures('dsse-in-toto', 'DSSE and in-toto vectors', () => {
  it('computes the PAE of every generated case byte for byte', () => {
    const { cases } = readFixtureJson('dsse-in-toto', 'pae-cases.generated.json');
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expect(pae(c.payloadType, Buffer.from(c.bodyUtf8, 'utf8')).toString('hex')).toBe(c.paeHex);
  });

  it('computes the PAE of the official DSSE protocol vector and verifies its ECDSA signature', () => {
    const v = readFixtureJson('dsse-in-toto', 'dsse-protocol-test-vector.json');
    const bytes = pae(v.payloadType, Buffer.from(v.serializedBodyUtf8));
    expect(bytes.toString('hex')).toBe(v.paeHex);
    const key = createPublicKey(v.publicKey.spkiPem);
    const sig = Buffer.from(v.envelope.signatures[0].sig, 'base64');
    expect(verify('sha256', bytes, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(true);
    const tampered = pae(v.payloadType + 'x', Buffer.from(v.serializedBodyUtf8));
    expect(verify('sha256', tampered, { key, dsaEncoding: 'ieee-p1363' }, sig)).toBe(false);
  });

  it('reproduces the Ed25519 in-toto envelope byte for byte and uses the same keyid convention', () => {
    const v = readFixtureJson('dsse-in-toto', 'intoto-slsa-ed25519.generated.json');
    const signer = createEd25519Signer(ed25519PemFromSeed(v.ed25519.seedHex));
    expect(signer.publicKeyPem).toBe(v.ed25519.spkiPem);
    expect(signer.keyid).toBe(createHash('sha256').update(Buffer.from(v.ed25519.publicKeyRawHex, 'hex')).digest('hex'));
    expect(pae(IN_TOTO_PAYLOAD_TYPE, Buffer.from(v.payloadUtf8)).toString('hex')).toBe(v.paeHex);
    const envelope = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from(v.payloadUtf8), signer);
    expect(envelope).toEqual(v.envelope);
    // The signed payload is the statement (the vector keeps insertion order; Verity signs canonical JSON).
    expect(JSON.parse(v.payloadUtf8)).toEqual(v.statement);
    expect(JSON.parse(serializeStatement(v.statement).toString())).toEqual(v.statement);
    const subjectDigest = createHash('sha256').update(v.subjectFileContentUtf8).digest('hex');
    expect(parseStatement(Buffer.from(v.payloadUtf8)).subject[0]!.digest.sha256).toBe(subjectDigest);
  });

  it('verifies the envelope and classifies every tamper case as expected', () => {
    const v = readFixtureJson('dsse-in-toto', 'intoto-slsa-ed25519.generated.json');
    const verifier = createEd25519Verifier(v.ed25519.spkiPem);
    expect(verifyEnvelope(v.envelope, verifier).valid).toBe(true);
    expect(v.tamperCases.length).toBe(3);
    for (const t of v.tamperCases) expect({ desc: t.desc, valid: verifyEnvelope(t.envelope, verifier).valid }).toEqual({ desc: t.desc, valid: t.valid });
  });
});

describe('DSSE with Verity keys', () => {
  it('rejects a signature made by another key and names the expected key', () => {
    const a = createEd25519Signer(ed25519PemFromSeed('11'.repeat(32)));
    const b = createEd25519Signer(ed25519PemFromSeed('22'.repeat(32)));
    const env = signEnvelope(IN_TOTO_PAYLOAD_TYPE, serializeStatement(createStatement([{ name: 'x', digest: { sha256: '00' } }], 'urn:t', {})), a);
    expect(verifyEnvelope(env, a).valid).toBe(true);
    const r = verifyEnvelope(env, b);
    expect(r.valid).toBe(false);
    expect(r.reason).toContain(b.keyid);
  });

  it('refuses a malformed envelope with a clear error', () => {
    const a = createEd25519Signer(ed25519PemFromSeed('11'.repeat(32)));
    expect(() => verifyEnvelope({ payloadType: 'x', payload: '***', signatures: [{ sig: 'AA==' }] }, a)).toThrow(/not base64/);
    expect(() => verifyEnvelope({ payloadType: 'x' }, a)).toThrow(/payload/);
  });
});
