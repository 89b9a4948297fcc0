import { createHmac } from 'node:crypto';
import { VerityError } from '../../errors.js';
import type { SourceDelivery } from '../source.js';
import { constantTimeEqual, header } from './source-helpers.js';

/**
 * Standard Webhooks signatures (standardwebhooks.com spec, as sent by Debezium Server's HTTP sink
 * with `debezium.sink.http.authentication.type=standard-webhooks`):
 * `webhook-signature: v1,<base64 HMAC-SHA256(key, "<webhook-id>.<webhook-timestamp>.<body>")>`
 * (several space-separated entries allowed during key rotation), `webhook-timestamp` in epoch
 * seconds, key = base64-decoded secret after its `whsec_` prefix.
 */

/** Decodes a `whsec_<base64>` secret (the prefix is optional) into the HMAC key bytes. */
export function standardWebhooksKey(secret: string): Buffer {
  const b64 = secret.startsWith('whsec_') ? secret.slice(6) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64))
    throw new VerityError('INVALID_ARGUMENT', 'The Standard Webhooks secret must be "whsec_" followed by base64 (as configured in debezium.sink.http.authentication.webhook.secret).');
  const key = Buffer.from(b64, 'base64');
  if (key.length === 0) throw new VerityError('INVALID_ARGUMENT', 'The Standard Webhooks secret decodes to an empty key.');
  return key;
}

/** Signs a message the Standard Webhooks way; returns the `webhook-signature` value `v1,<base64>`. */
export function signStandardWebhook(secret: string, id: string, timestampSeconds: number | string, body: Buffer | string): string {
  const mac = createHmac('sha256', standardWebhooksKey(secret))
    .update(Buffer.from(`${id}.${timestampSeconds}.`, 'utf8'))
    .update(typeof body === 'string' ? Buffer.from(body, 'utf8') : body)
    .digest('base64');
  return `v1,${mac}`;
}

/** Options of {@link verifyStandardWebhook}. */
export interface StandardWebhookVerifyOptions {
  secret: string;
  now: Date;
  /** Accepted distance between `webhook-timestamp` and `now`, either way, in seconds (default 300). */
  toleranceSeconds?: number;
  /** Names the sender in error messages. */
  where?: string;
}

/** Verifies a Standard Webhooks delivery; throws `SIGNATURE_INVALID` when headers are missing, stale or wrong. */
export function verifyStandardWebhook(delivery: SourceDelivery, options: StandardWebhookVerifyOptions): void {
  const where = options.where ?? 'Webhook';
  const fail = (message: string): never => {
    throw new VerityError('SIGNATURE_INVALID', `${where}: ${message}`);
  };
  const id = header(delivery, 'webhook-id');
  const ts = header(delivery, 'webhook-timestamp');
  const sig = header(delivery, 'webhook-signature');
  if (id === undefined || ts === undefined || sig === undefined) fail('the Standard Webhooks headers webhook-id, webhook-timestamp and webhook-signature are required when a secret is set.');
  if (!/^\d{1,13}$/.test(ts!.trim())) fail(`webhook-timestamp "${ts!.slice(0, 40)}" is not epoch seconds.`);
  const drift = options.now.getTime() / 1000 - Number(ts!.trim());
  const tolerance = options.toleranceSeconds ?? 300;
  if (drift > tolerance) fail(`webhook-timestamp is ${Math.round(drift)} s old (tolerance ${tolerance} s): a stale or replayed delivery.`);
  if (-drift > tolerance) fail(`webhook-timestamp is ${Math.round(-drift)} s in the future (tolerance ${tolerance} s). Check the clocks.`);
  const expected = signStandardWebhook(options.secret, id!, ts!.trim(), delivery.body);
  const candidates = sig!
    .split(' ')
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1,'));
  let ok = false;
  // Check every entry (no early exit) so timing does not reveal which one matched.
  for (const c of candidates) ok = constantTimeEqual(c, expected) || ok;
  if (!ok) fail('webhook-signature does not match the body (wrong secret or altered body).');
}
