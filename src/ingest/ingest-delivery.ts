import { isUtf8 } from 'node:buffer';
import { VerityError } from '../errors.js';
import type { IngestReport, IngestTarget } from './ingest-target.js';
import type { Source, SourceDelivery, SourceSignal } from './source.js';

/** What {@link ingestDelivery} needs. */
export interface IngestDeliveryOptions {
  /** The adapter that decodes (and verifies) the delivery. */
  source: Source;
  /** The raw delivery. */
  delivery: SourceDelivery;
  /** Where the decoded events go (the lake, or a bus publisher). */
  target: IngestTarget;
  /** The tenant the delivery belongs to. */
  tenant_id: string;
  /** The clock for signature freshness windows. */
  now: Date;
  /** The source's shared secret. When set and the source signs deliveries, the signature is required. */
  secret?: string | undefined;
  /** Set false to skip signature verification even with a secret (e.g. `verity ingest --no-verify`). */
  verify?: boolean;
  /** Refuse (UNPROCESSABLE) a delivery with no decodable item instead of quarantining its items (default true). */
  refuseUndecodable?: boolean;
}

/** An {@link IngestReport} plus the delivery's non-data signals (e.g. Salesforce gaps: "re-sync needed"). */
export interface DeliveryIngestReport extends IngestReport {
  signals: SourceSignal[];
}

/**
 * Takes one delivery through the boundary: UTF-8 check, signature (when a secret is configured),
 * decode, then a durable ingest of the envelopes and the undecodable items (which go to quarantine).
 *
 * Throws before anything is written when the delivery as a whole is unacceptable:
 * `MALFORMED_INPUT` (invalid UTF-8, unparseable body), `SIGNATURE_INVALID`.
 * @example
 * const report = await ingestDelivery({ source, delivery: { body, headers }, target: lake, tenant_id: 't01', now: new Date() });
 */
export async function ingestDelivery(options: IngestDeliveryOptions): Promise<DeliveryIngestReport> {
  const { source, delivery, target, tenant_id, now, secret } = options;
  if (!isUtf8(delivery.body)) {
    throw new VerityError('MALFORMED_INPUT', `The ${source.name} delivery body is not valid UTF-8. Send UTF-8 encoded JSON.`);
  }
  const context = { tenant_id, now, ...(secret === undefined ? {} : { secret }) };
  if (secret !== undefined && options.verify !== false && source.capabilities.signatures) {
    if (!source.verify) throw new VerityError('INTERNAL', `Source "${source.name}" declares signatures but has no verify().`);
    source.verify(delivery, context);
  }
  const decoded = source.decode(delivery, context);
  // A delivery none of whose items decodes is refused whole (4xx with the reasons), leaving the lake
  // untouched: the sender still holds the bytes. A batch with some good items quarantines the bad ones.
  if (decoded.envelopes.length === 0 && decoded.signals.length === 0 && decoded.rejected.length > 0 && options.refuseUndecodable !== false) {
    const first = decoded.rejected[0]!;
    throw new VerityError('UNPROCESSABLE', `No item of the ${source.name} delivery could be decoded; first: item ${first.index}: ${first.code}: ${first.message}`, {
      details: decoded.rejected.slice(0, 20).map((r) => ({ index: r.index, code: r.code, message: r.message })),
    });
  }
  const report = await target.ingest(decoded.envelopes, { rejected: decoded.rejected, source: source.name, tenant_id });
  return { ...report, signals: decoded.signals };
}
