import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Envelope } from '../../src/envelope.js';
import { VerityError } from '../../src/errors.js';
import type { IngestCallOptions, IngestReport } from '../../src/ingest/ingest-target.js';
import type { DecodeResult, RejectedItem, Source, SourceDelivery } from '../../src/ingest/source.js';

/** A tiny in-memory lake double: dedupes on (tenant, event_id), quarantines payloads whose `email` lacks "@". */
export function createFakeLake(options: { delayMs?: number; failWith?: Error } = {}) {
  const raw: Envelope[] = [];
  const quarantine: Array<{ event_id?: string; reason: string; raw?: string }> = [];
  const seen = new Set<string>();
  let closed = 0;
  let started = 0;
  return {
    raw,
    /** Ingest calls that have begun (a request is in flight once this grows). */
    get startedCount() {
      return started;
    },
    quarantine,
    get closedCount() {
      return closed;
    },
    stats: () => ({ raw: raw.length, quarantine: quarantine.length }),
    async ingest(envelopes: Envelope[], opts: IngestCallOptions = {}): Promise<IngestReport> {
      started++;
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      if (options.failWith) throw options.failWith;
      const report: IngestReport = { accepted: 0, duplicates: 0, quarantined: 0, byReason: {}, results: [] };
      for (const e of envelopes) {
        const key = `${e.tenant_id}:${e.event_id}`;
        if (seen.has(key)) {
          report.duplicates++;
          report.results.push({ event_id: e.event_id, status: 'duplicate' });
          continue;
        }
        seen.add(key);
        const email = e.payload.email;
        if (email !== undefined && !(typeof email === 'string' && email.includes('@'))) {
          quarantine.push({ event_id: e.event_id, reason: 'format' });
          report.quarantined++;
          report.byReason.format = (report.byReason.format ?? 0) + 1;
          report.results.push({ event_id: e.event_id, status: 'quarantined', reasons: ['format'] });
        } else {
          raw.push({ ...e, ingest_seq: raw.length + 1 });
          report.accepted++;
          report.results.push({ event_id: e.event_id, status: 'accepted', ingest_seq: raw.length });
        }
      }
      for (const r of opts.rejected ?? []) {
        quarantine.push({ reason: r.code, raw: r.raw });
        report.quarantined++;
        report.byReason[r.code] = (report.byReason[r.code] ?? 0) + 1;
      }
      return report;
    },
    async close() {
      closed++;
    },
  };
}

/** A native-envelope source double: JSON array or NDJSON; non-object items are rejected. */
export function createFakeEnvelopeSource(): Source {
  return {
    name: 'envelopes',
    capabilities: { signatures: false, batches: true, deletes: true, merges: true, resyncSignals: false },
    decode(delivery: SourceDelivery, context): DecodeResult {
      const text = delivery.body.toString('utf8').trim();
      let items: unknown[];
      const rejected: RejectedItem[] = [];
      if (text.startsWith('[')) {
        try {
          items = JSON.parse(text) as unknown[];
        } catch (error) {
          throw new VerityError('MALFORMED_INPUT', `Body is not JSON: ${(error as Error).message}`);
        }
      } else {
        items = [];
        text.split('\n').forEach((line, index) => {
          try {
            items.push(JSON.parse(line));
          } catch {
            rejected.push({ index, raw: line, code: 'MALFORMED_JSON', message: 'line is not JSON' });
          }
        });
      }
      const envelopes: Envelope[] = [];
      items.forEach((item, index) => {
        const e = item as Envelope;
        if (typeof item !== 'object' || item === null || typeof e.event_id !== 'string') {
          rejected.push({ index, raw: JSON.stringify(item) ?? String(item), code: 'INVALID_ENVELOPE', message: 'not an envelope' });
        } else envelopes.push({ ...e, tenant_id: context.tenant_id });
      });
      return { envelopes, rejected, signals: [] };
    },
  };
}

/** Signature for {@link createFakeSignedSource}: hex HMAC-SHA256 of `timestamp.body`. */
export function fakeSign(secret: string, body: string, timestamp: number): string {
  return createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
}

/** A signed webhook source double named `hubspot` (header x-test-signature + x-test-timestamp, 5-minute window). */
export function createFakeSignedSource(): Source {
  const inner = createFakeEnvelopeSource();
  return {
    ...inner,
    name: 'hubspot',
    capabilities: { ...inner.capabilities, signatures: true },
    verify(delivery, context) {
      const sig = delivery.headers['x-test-signature'];
      const ts = Number(delivery.headers['x-test-timestamp']);
      if (!sig || !Number.isFinite(ts)) throw new VerityError('SIGNATURE_INVALID', 'missing signature');
      if (Math.abs(context.now.getTime() - ts) > 300_000) throw new VerityError('SIGNATURE_INVALID', 'stale signature');
      const want = Buffer.from(fakeSign(context.secret!, delivery.body.toString('utf8'), ts));
      const got = Buffer.from(sig);
      if (want.length !== got.length || !timingSafeEqual(want, got)) throw new VerityError('SIGNATURE_INVALID', 'signature does not match');
    },
  };
}

/** A valid native envelope for tests. */
export function envelope(i: number, overrides: Partial<Envelope> = {}): Envelope {
  return {
    event_id: `evt-${i}`,
    tenant_id: 't01',
    entity: 'contact',
    entity_key: { contact_id: `con_${i}` },
    op: 'upsert',
    event_time: '2026-03-01T12:00:00.000Z',
    source: { system: 'verity', connector: 'test', position: String(i) },
    payload: { contact_id: `con_${i}`, email: `user${i}@example.com` },
    ...overrides,
  };
}
