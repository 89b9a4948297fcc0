import { createHash, createHmac } from 'node:crypto';
import { VerityError } from '../../errors.js';
import type { SourceDelivery } from '../source.js';
import { constantTimeEqual, header } from './source-helpers.js';

/**
 * HubSpot request signatures (docs "Validating requests"):
 * - v3: `X-HubSpot-Signature-v3` = base64(HMAC-SHA256(clientSecret, method + uri + body + timestamp)),
 *   with `X-HubSpot-Request-Timestamp` in epoch milliseconds; reject when older than 5 minutes.
 * - v2: `X-HubSpot-Signature` = hex(SHA-256(clientSecret + method + uri + body)), version header `v2`.
 * - v1: `X-HubSpot-Signature` = hex(SHA-256(clientSecret + body)), version header `v1` (or absent).
 */

/** Options of {@link verifyHubSpotSignature}. */
export interface HubSpotSignatureOptions {
  /** The app's client secret. */
  secret: string;
  /** The verifier's clock. */
  now: Date;
  /** Oldest accepted v3 timestamp, in ms before `now` (default 300 000 = 5 minutes, HubSpot's rule). */
  maxAgeMs?: number;
  /** How far in the future a v3 timestamp may be (clock skew), in ms (default 60 000). */
  clockSkewMs?: number;
  /** Accept v1/v2 signatures when no v3 header is present (default true; they carry no timestamp, so replays are possible). */
  allowLegacy?: boolean;
}

// HubSpot docs (v3): decode these URL-encoded characters in the request URI before signing; every
// other escape (e.g. %20, %26, %3D) stays as sent. The '?' that starts the query is never encoded.
const V3_DECODE: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};

/** Applies HubSpot's v3 URI decoding rule (only the characters of HubSpot's table, hex case-insensitive). */
export function hubSpotV3Uri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => V3_DECODE[m.toUpperCase()] ?? m);
}

/** Computes a v3 signature (base64) over raw body bytes. */
export function signHubSpotV3(secret: string, method: string, uri: string, body: Buffer | string, timestamp: string): string {
  return createHmac('sha256', secret)
    .update(Buffer.from(method + hubSpotV3Uri(uri), 'utf8'))
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .update(Buffer.from(timestamp, 'utf8'))
    .digest('base64');
}

/** Computes a v1 (`uri` null) or v2 signature (hex). */
export function signHubSpotLegacy(version: 'v1' | 'v2', secret: string, method: string, uri: string | null, body: Buffer | string): string {
  const h = createHash('sha256').update(Buffer.from(version === 'v1' ? secret : secret + method + (uri ?? ''), 'utf8'));
  return h.update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body).digest('hex');
}

function fail(message: string): never {
  throw new VerityError('SIGNATURE_INVALID', `HubSpot webhook: ${message}`);
}

/**
 * Verifies a HubSpot delivery; throws `SIGNATURE_INVALID` when the signature is missing, stale or wrong.
 *
 * When a v3 header is present only v3 is checked (no downgrade to v1/v2). The v3 check accepts the
 * URI with HubSpot's documented decoding and, failing that, exactly as received (both are HMACs
 * under the secret, so accepting either admits nothing unsigned).
 */
export function verifyHubSpotSignature(delivery: SourceDelivery, options: HubSpotSignatureOptions): void {
  const body = delivery.body;
  const method = (delivery.method ?? 'POST').toUpperCase();
  const v3 = header(delivery, 'x-hubspot-signature-v3');
  if (v3 !== undefined) {
    const ts = header(delivery, 'x-hubspot-request-timestamp');
    if (ts === undefined) fail('header X-HubSpot-Request-Timestamp is missing (required with X-HubSpot-Signature-v3).');
    if (!/^\d{1,16}$/.test(ts.trim())) fail(`header X-HubSpot-Request-Timestamp "${ts.slice(0, 40)}" is not epoch milliseconds.`);
    const age = options.now.getTime() - Number(ts.trim());
    const maxAge = options.maxAgeMs ?? 300_000;
    const skew = options.clockSkewMs ?? 60_000;
    if (age > maxAge) fail(`request timestamp is ${Math.round(age / 1000)} s old; HubSpot signatures older than ${maxAge / 1000} s are rejected (replay protection).`);
    if (-age > skew) fail(`request timestamp is ${Math.round(-age / 1000)} s in the future (allowed clock skew ${skew / 1000} s). Check the server clock.`);
    if (!delivery.url) fail('the request URL is needed to check X-HubSpot-Signature-v3 (pass delivery.url as HubSpot called it).');
    const candidates = new Set([delivery.url, hubSpotV3Uri(delivery.url)]);
    for (const uri of candidates) {
      if (constantTimeEqual(signHubSpotV3(options.secret, method, uri, body, ts), v3.trim())) return;
    }
    fail('X-HubSpot-Signature-v3 does not match the body, URL and timestamp (wrong secret, altered body, or a proxy changed the URL).');
  }
  const legacy = header(delivery, 'x-hubspot-signature');
  if (legacy === undefined) fail('no signature header (expected X-HubSpot-Signature-v3, or X-HubSpot-Signature with X-HubSpot-Signature-Version).');
  if (options.allowLegacy === false) fail('only v3 signatures are accepted by this configuration; X-HubSpot-Signature-v3 is missing.');
  const version = (header(delivery, 'x-hubspot-signature-version') ?? 'v1').trim().toLowerCase();
  if (version !== 'v1' && version !== 'v2') fail(`unknown X-HubSpot-Signature-Version "${version.slice(0, 20)}" (expected v1 or v2).`);
  if (version === 'v2' && !delivery.url) fail('the request URL is needed to check a v2 signature.');
  const expected = signHubSpotLegacy(version, options.secret, method, delivery.url ?? null, body);
  if (!constantTimeEqual(expected, legacy.trim().toLowerCase())) fail(`X-HubSpot-Signature (${version}) does not match the body.`);
}
