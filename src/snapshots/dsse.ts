import { VerityError } from '../errors.js';
import type { Signer, Verifier } from '../keys/signer.js';

/** A DSSE envelope (secure-systems-lab/dsse `envelope.md`, v1.0.2). */
export interface DsseEnvelope {
  payloadType: string;
  /** Standard base64 of the serialized body. */
  payload: string;
  signatures: Array<{ keyid?: string; sig: string }>;
}

/** The result of {@link verifyEnvelope}. */
export interface DsseVerification {
  /** True when at least one signature is valid for one of the given keys. */
  valid: boolean;
  /** The key ids whose signatures verified. */
  keyids: string[];
  /** The decoded payload bytes (only meaningful when `valid`). */
  payload: Buffer;
  /** Why it failed, when it did. */
  reason?: string;
}

/**
 * DSSE Pre-Authentication Encoding: `"DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`, LEN the
 * decimal byte length of the UTF-8 bytes.
 * @example pae('http://example.com/HelloWorld', Buffer.from('hello world'))
 */
export function pae(payloadType: string, body: Uint8Array): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

/** Signs `body` into a DSSE envelope with one signature. */
export function signEnvelope(payloadType: string, body: Uint8Array, signer: Signer): DsseEnvelope {
  const sig = signer.sign(pae(payloadType, body));
  return { payloadType, payload: Buffer.from(body).toString('base64'), signatures: [{ keyid: signer.keyid, sig: Buffer.from(sig).toString('base64') }] };
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes standard or URL-safe base64 (DSSE verifiers must accept both), rejecting anything else. */
export function decodeBase64(text: string, what: string): Buffer {
  if (typeof text !== 'string' || !BASE64.test(text)) throw new VerityError('MALFORMED_INPUT', `DSSE ${what} is not base64.`);
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

/** Checks the envelope's shape; throws MALFORMED_INPUT naming the bad field. */
export function parseEnvelope(value: unknown): DsseEnvelope {
  const e = value as Partial<DsseEnvelope> | null;
  if (!e || typeof e !== 'object') throw new VerityError('MALFORMED_INPUT', 'DSSE envelope is not a JSON object.');
  if (typeof e.payloadType !== 'string') throw new VerityError('MALFORMED_INPUT', 'DSSE envelope has no string "payloadType".');
  if (typeof e.payload !== 'string') throw new VerityError('MALFORMED_INPUT', 'DSSE envelope has no string "payload".');
  if (!Array.isArray(e.signatures) || e.signatures.length === 0) throw new VerityError('MALFORMED_INPUT', 'DSSE envelope has no "signatures".');
  for (const s of e.signatures) if (!s || typeof s.sig !== 'string') throw new VerityError('MALFORMED_INPUT', 'DSSE envelope has a signature without a string "sig".');
  return e as DsseEnvelope;
}

/**
 * Verifies a DSSE envelope against one or more keys: decodes the payload, rebuilds the PAE and
 * accepts when any signature verifies with any key (keyid is a hint only, per the spec).
 */
export function verifyEnvelope(envelope: unknown, verifiers: Verifier | Verifier[]): DsseVerification {
  const env = parseEnvelope(envelope);
  const keys = Array.isArray(verifiers) ? verifiers : [verifiers];
  const payload = decodeBase64(env.payload, 'payload');
  const message = pae(env.payloadType, payload);
  const keyids: string[] = [];
  for (const s of env.signatures) {
    let sig: Buffer;
    try {
      sig = decodeBase64(s.sig, 'signature');
    } catch {
      continue;
    }
    for (const key of keys) if (key.verify(message, sig) && !keyids.includes(key.keyid)) keyids.push(key.keyid);
  }
  return keyids.length > 0
    ? { valid: true, keyids, payload }
    : { valid: false, keyids, payload, reason: `no signature verifies with key ${keys.map((k) => k.keyid).join(', ')}` };
}
