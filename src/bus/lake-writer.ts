import type { Envelope } from '../envelope.js';
import { VerityError } from '../errors.js';
import { addIngestReport, emptyIngestReport, type IngestReport, type IngestTarget } from '../ingest/ingest-target.js';
import type { RejectedItem } from '../ingest/source.js';
import type { Bus, BusConsumer, BusDelivery } from './bus.js';
import { decodeBusMessage } from './bus-message.js';

/** Options of {@link createLakeWriter}. */
export interface LakeWriterOptions {
  /** The bus to consume. */
  bus: Bus;
  /** Where events are written: the lake (its `ingest` dedupes durably, so redelivery is harmless). */
  lake: IngestTarget;
  /** Durable consumer name (default `verity-lake-writer`); writers sharing it share the work. */
  durable?: string;
  /** Messages per lake batch (default 1000). */
  batchSize?: number;
  /** How long one fetch waits for messages, in ms (default 1000). */
  fetchExpiresMs?: number;
  /** Redelivery delay for messages not acked, in ms (default 30 s). */
  ackWaitMs?: number;
  /** Called after each durable batch. */
  onBatch?: (batch: LakeWriterBatch) => void;
}

/** What one fetched batch became. */
export interface LakeWriterBatch extends IngestReport {
  /** Messages fetched. */
  messages: number;
  /** Messages that failed validation at the boundary: quarantined and terminated. */
  invalid: number;
  /** Messages that had been delivered before (a crashed or slow writer). */
  redelivered: number;
}

/** A running consumer from the bus into the lake. */
export interface LakeWriter {
  /** Fetches one batch, writes it durably, then acks it. Resolves with what it did (zero messages when idle). */
  runOnce(): Promise<LakeWriterBatch>;
  /** Loops {@link LakeWriter.runOnce} until {@link LakeWriter.stop} (or `until` returns true); resolves with the totals. */
  run(options?: { until?: (totals: LakeWriterBatch, last: LakeWriterBatch) => boolean | Promise<boolean> }): Promise<LakeWriterBatch>;
  /** Messages the durable consumer has not acked yet (0 when the writer has caught up). */
  pending(): Promise<number>;
  /** Asks {@link LakeWriter.run} to stop after the batch in progress. */
  stop(): void;
}

const emptyBatch = (): LakeWriterBatch => ({ ...emptyIngestReport(), messages: 0, invalid: 0, redelivered: 0 });

function tenantFromSubject(subject: string): string {
  const parts = subject.split('.');
  return parts.length >= 2 ? parts[parts.length - 2]! : 'unknown';
}

/**
 * Creates the lake-writer: a durable bus consumer that writes batches to the lake and acks them
 * only after the lake's `ingest` resolved (the batch is fsynced). A crash before the ack means the
 * batch is redelivered and the lake's durable dedupe drops what was already written, so every
 * event lands exactly once. Messages that fail validation are quarantined with reason
 * `BUS_MESSAGE_INVALID` and terminated; they never stop the writer.
 * @example
 * const writer = createLakeWriter({ bus: createNatsBus({ url }), lake: await openLake({ dir }) });
 * await writer.run();
 */
export function createLakeWriter(options: LakeWriterOptions): LakeWriter {
  const durable = options.durable ?? 'verity-lake-writer';
  const batchSize = options.batchSize ?? 1000;
  const expiresMs = options.fetchExpiresMs ?? 1000;
  let consumer: Promise<BusConsumer> | undefined;
  let stopping = false;

  async function write(deliveries: BusDelivery[]): Promise<LakeWriterBatch> {
    const batch = emptyBatch();
    batch.messages = deliveries.length;
    const envelopesBySource = new Map<string, Envelope[]>();
    const rejectedByGroup = new Map<string, { source: string; tenant_id: string; items: RejectedItem[] }>();
    const invalid: Array<{ delivery: BusDelivery; reason: string }> = [];
    const addRejected = (source: string, tenant_id: string, item: RejectedItem) => {
      const key = JSON.stringify([source, tenant_id]);
      let group = rejectedByGroup.get(key);
      if (!group) rejectedByGroup.set(key, (group = { source, tenant_id, items: [] }));
      group.items.push(item);
    };
    for (const d of deliveries) {
      if (d.redelivered) batch.redelivered++;
      const decoded = decodeBusMessage(d.data);
      if (!decoded.ok) {
        invalid.push({ delivery: d, reason: decoded.message });
        addRejected('bus', tenantFromSubject(d.subject), { index: 0, raw: decoded.raw, code: decoded.code, message: decoded.message });
        continue;
      }
      const m = decoded.message;
      if (m.kind === 'rejected') {
        addRejected(m.source, m.tenant_id, m.item);
        continue;
      }
      let list = envelopesBySource.get(m.source);
      if (!list) envelopesBySource.set(m.source, (list = []));
      if (m.kind === 'envelope') list.push(m.envelope);
      else for (const e of m.envelopes) list.push(e);
    }
    batch.invalid = invalid.length;
    try {
      for (const [source, envelopes] of envelopesBySource) addIngestReport(batch, await options.lake.ingest(envelopes, { source }), false);
      for (const g of rejectedByGroup.values()) addIngestReport(batch, await options.lake.ingest([], { rejected: g.items, source: g.source, tenant_id: g.tenant_id }), false);
    } catch (error) {
      // Nothing is acked: the bus redelivers the whole batch and the lake's dedupe absorbs what was written.
      for (const d of deliveries) d.nak(1000);
      throw error;
    }
    const invalidSet = new Set(invalid.map((i) => i.delivery));
    await Promise.all(deliveries.filter((d) => !invalidSet.has(d)).map((d) => d.ack()));
    for (const { delivery, reason } of invalid) delivery.term(reason);
    return batch;
  }

  async function openConsumer(): Promise<BusConsumer> {
    consumer ??= options.bus.consumer(durable, options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs });
    try {
      return await consumer;
    } catch (error) {
      consumer = undefined;
      throw error;
    }
  }

  const writer: LakeWriter = {
    async pending() {
      return (await openConsumer()).pending();
    },
    async runOnce() {
      const c = await openConsumer();
      const deliveries = await c.fetch({ max: batchSize, expiresMs });
      if (deliveries.length === 0) return emptyBatch();
      const batch = await write(deliveries);
      options.onBatch?.(batch);
      return batch;
    },
    async run(runOptions = {}) {
      stopping = false;
      const totals = emptyBatch();
      while (!stopping) {
        const b = await writer.runOnce();
        addIngestReport(totals, b, false);
        totals.messages += b.messages;
        totals.invalid += b.invalid;
        totals.redelivered += b.redelivered;
        if (runOptions.until && (await runOptions.until(totals, b))) break;
      }
      const open = consumer;
      consumer = undefined;
      if (open) await (await open).close();
      return totals;
    },
    stop() {
      stopping = true;
    },
  };
  if (batchSize < 1) throw new VerityError('INVALID_ARGUMENT', `Lake-writer batchSize must be at least 1, got ${batchSize}.`);
  return writer;
}
