import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { VerityError } from '../errors.js';
import type { Signer, Verifier } from './signer.js';

/** The key id Verity uses: hex SHA-256 of the 32-byte raw Ed25519 public key. */
export function ed25519KeyId(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') throw new VerityError('INVALID_ARGUMENT', 'The key is not an Ed25519 key. Generate one with `verity keys generate`.');
  return createHash('sha256').update(Buffer.from(jwk.x, 'base64url')).digest('hex');
}

function parsePrivate(pem: string | Buffer, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch (error) {
    // The parser's message may quote the input; keep only a generic description so no key bytes leak.
    throw new VerityError('INVALID_ARGUMENT', `The private key from ${where} is not a PEM (PKCS#8) private key. Generate one with \`verity keys generate\`.`, {
      cause: new Error((error as { code?: string }).code ?? 'unparseable key'),
    });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new VerityError('INVALID_ARGUMENT', `The private key from ${where} is a ${key.asymmetricKeyType ?? 'unknown'} key; Verity signs with Ed25519. Generate one with \`verity keys generate\`.`);
  return key;
}

function parsePublic(pem: string | Buffer, where: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new VerityError('INVALID_ARGUMENT', `The public key from ${where} is not a PEM (SPKI) public key.`, { cause: error });
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new VerityError('INVALID_ARGUMENT', `The public key from ${where} is a ${key.asymmetricKeyType ?? 'unknown'} key; expected Ed25519.`);
  return key;
}

/**
 * A {@link Verifier} for an Ed25519 public key (SPKI PEM).
 * @example const v = createEd25519Verifier(readFileSync('signing.pub.pem', 'utf8'));
 */
export function createEd25519Verifier(publicKeyPem: string | Buffer, where = 'the given PEM'): Verifier {
  const publicKey = parsePublic(publicKeyPem, where);
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const keyid = ed25519KeyId(publicKey);
  return {
    keyid,
    algorithm: 'ed25519',
    publicKeyPem: pem,
    verify(bytes, signature) {
      if (signature.length !== 64) return false;
      return cryptoVerify(null, bytes, publicKey, signature);
    },
  };
}

/**
 * A {@link Signer} for an Ed25519 private key (PKCS#8 PEM). The key object stays inside the
 * closure: the signer's enumerable fields are only `keyid`, `algorithm` and `publicKeyPem`, so
 * logging or serialising it never shows private material.
 * @example const signer = createEd25519Signer(readFileSync('signing.key.pem'));
 */
export function createEd25519Signer(privateKeyPem: string | Buffer, where = 'the given PEM'): Signer {
  const privateKey = parsePrivate(privateKeyPem, where);
  const verifier = createEd25519Verifier(createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }));
  const signer: Signer = {
    keyid: verifier.keyid,
    algorithm: 'ed25519',
    publicKeyPem: verifier.publicKeyPem,
    verify: verifier.verify,
    sign(bytes) {
      return new Uint8Array(cryptoSign(null, bytes, privateKey));
    },
  };
  Object.defineProperty(signer, 'toJSON', { enumerable: false, value: () => ({ keyid: verifier.keyid, algorithm: 'ed25519' }) });
  return signer;
}
