import type { Envelope } from '../envelope.js';

const DIGITS = /^\d+$/;

/**
 * Orders two events of one record as DESIGN.md section 3 says: `event_time`, then the source
 * position where it is comparable (same system and connector, both decimal integers such as LSNs,
 * replay ids or row numbers), then `ingest_seq`, then `event_id` (only for envelopes that have no
 * position yet). Duplicate timestamps are therefore broken deterministically.
 */
export function compareEvents(a: Envelope, b: Envelope): number {
  const ta = Date.parse(a.event_time);
  const tb = Date.parse(b.event_time);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.source.system === b.source.system && a.source.connector === b.source.connector) {
    const pa = a.source.position;
    const pb = b.source.position;
    if (pa !== pb && DIGITS.test(pa) && DIGITS.test(pb)) {
      const ba = BigInt(pa);
      const bb = BigInt(pb);
      if (ba !== bb) return ba < bb ? -1 : 1;
    }
  }
  const sa = a.ingest_seq ?? 0;
  const sb = b.ingest_seq ?? 0;
  if (sa !== sb) return sa - sb;
  return a.event_id < b.event_id ? -1 : a.event_id > b.event_id ? 1 : 0;
}
