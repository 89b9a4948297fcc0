import { groundTruth, type GroundTruthEntry } from './defects.js';
import type { DefectRoller } from './defect-roller.js';
import type { Envelope } from '../envelope.js';
import type { DeliveryUnit, GeneratedItem, GeneratedRecordLine, HubSpotDelivery } from './change.js';
import type { ActivityFileFormat } from './formats/activity-file-format.js';
import type { HubSpotFormat } from './formats/hubspot-format.js';
import { MinQueue } from './min-queue.js';
import type { Prng } from './prng.js';
import { DAY_MS, isoTime } from './time.js';

/** Most events in one HubSpot webhook POST (HubSpot's own batch limit). */
const HUBSPOT_BATCH_MAX = 100;
/** HubSpot groups events that occur within this window into one POST. */
const HUBSPOT_BATCH_WINDOW_MS = 1000;

type Delayed =
  | { kind: 'late'; unit: DeliveryUnit }
  | { kind: 'native-dup'; unit: DeliveryUnit }
  | { kind: 'hubspot-dup'; events: Array<Record<string, unknown>>; unit: DeliveryUnit };

/** What stands for a HubSpot POST when none is built (`TextOptions.hubspotPosts` false). */
const NO_POST = { native: {} as HubSpotDelivery, line: undefined };

/** Appends `items` to `to` (a loop: cheaper than flatMap or spread for the batch sizes here). */
function append<T>(to: T[], items: readonly T[]): void {
  for (let i = 0; i < items.length; i++) to.push(items[i]!);
}

/**
 * Flattens the texts of a unit that is held for later: a string built by templates is a tree of
 * pieces about twice the size of its flat copy, and held units are what bounds memory.
 */
function compact(unit: DeliveryUnit): DeliveryUnit {
  for (const texts of [unit.nativeJson, unit.nativeEscaped, unit.envelopeJson]) if (texts) for (const t of texts) t.charCodeAt(0);
  return unit;
}

/** The units' texts of one kind concatenated, or undefined when a unit lacks them. */
function joinTexts(units: readonly DeliveryUnit[], key: 'nativeJson' | 'nativeEscaped' | 'envelopeJson'): string[] | undefined {
  const out: string[] = [];
  for (const u of units) {
    const texts = u[key];
    if (texts === undefined) return undefined;
    append(out, texts);
  }
  return out;
}

/**
 * Turns rendered units into deliveries in delivery order, injecting the delivery-layer defects:
 * late events (held one to three days), out-of-order events (held until the same record's next event is
 * delivered), duplicate deliveries (a HubSpot batch re-sent with `attemptNumber + 1`, a Salesforce
 * event re-delivered with the same ids, a Debezium event re-emitted after a connector restart). It
 * batches HubSpot events into signed POSTs. Memory is bounded by what is held, i.e. by the rates.
 */
export class DeliveryPipeline {
  private readonly held = new Map<number, DeliveryUnit>();
  private readonly delayed = new MinQueue<Delayed>();
  private batch: DeliveryUnit[] = [];
  private batchEvents = 0;
  private batchFirst = 0;

  constructor(
    private readonly tenant_id: string,
    private readonly roller: DefectRoller,
    private readonly prng: Prng,
    private readonly hubspot: HubSpotFormat,
    private readonly file: ActivityFileFormat,
    private readonly out: GeneratedItem[],
  ) {}

  /** Accepts a unit committed at `unit.time`. */
  submit(unit: DeliveryUnit): void {
    const held = this.held.get(unit.slot);
    if (held && unit.time > held.time) {
      this.held.delete(unit.slot);
      this.emit(unit);
      const first = unit.envelopes[0]?.event_id;
      for (const e of held.envelopes)
        held.defects.push(groundTruth(this.tenant_id, held.entity, e.event_id, { kind: 'out_of_order', detail: { event_time: isoTime(held.time), delivered_after: first ?? null, newer_event_time: isoTime(unit.time) } }));
      held.deliverAt = unit.deliverAt;
      this.emit(held);
      return;
    }
    if (unit.reorderable) {
      if (this.roller.roll('late_event', unit.envelopes.length)) {
        unit.deliverAt = unit.time + DAY_MS + this.prng.int(2 * DAY_MS);
        for (const e of unit.envelopes)
          unit.defects.push(groundTruth(this.tenant_id, unit.entity, e.event_id, { kind: 'late_event', detail: { event_time: isoTime(unit.time), delivered_at: isoTime(unit.deliverAt) } }));
        this.delayed.push(unit.deliverAt, { kind: 'late', unit: compact(unit) });
        return;
      }
      if (unit.source !== 'file' && !held && this.roller.roll('out_of_order', unit.envelopes.length)) {
        this.held.set(unit.slot, compact(unit));
        return;
      }
    }
    this.emit(unit);
  }

  /** Delivers everything due before simulation time `t`. */
  advance(t: number): void {
    while (this.delayed.peekAt() <= t) {
      const next = this.delayed.pop()!;
      this.release(next.value, next.at);
    }
    if (this.batch.length > 0 && t >= this.batchFirst + HUBSPOT_BATCH_WINDOW_MS) this.flushBatch();
  }

  /** Delivers everything still held (end of the tenant's timeline). */
  finish(): void {
    for (const unit of this.held.values()) this.emit(unit);
    this.held.clear();
    while (this.delayed.size > 0) {
      const next = this.delayed.pop()!;
      if (this.batch.length > 0 && next.at >= this.batchFirst + HUBSPOT_BATCH_WINDOW_MS) this.flushBatch();
      this.release(next.value, next.at);
    }
    this.flushBatch();
  }

  private release(d: Delayed, at: number): void {
    if (d.kind === 'late') this.emit(d.unit);
    else this.emitDuplicate(d, at);
  }

  private emit(unit: DeliveryUnit): void {
    if (unit.source === 'hubspot') {
      if (this.batch.length > 0 && (unit.deliverAt >= this.batchFirst + HUBSPOT_BATCH_WINDOW_MS || this.batchEvents + unit.native.length > HUBSPOT_BATCH_MAX)) this.flushBatch();
      if (this.batch.length === 0) this.batchFirst = unit.deliverAt;
      this.batch.push(unit);
      this.batchEvents += unit.native.length;
      return;
    }
    if (unit.source === 'file') this.file.assignRow(unit);
    const native = unit.native[0] as Record<string, unknown>;
    if (unit.source === 'debezium') native.ts_ms = unit.deliverAt + 5 + this.prng.int(800);
    this.out.push({ type: 'delivery', tenant_id: this.tenant_id, source: unit.source, native, nativeJson: unit.source === 'debezium' ? undefined : unit.nativeJson?.[0], envelopes: unit.envelopes, envelopeJson: unit.envelopeJson, records: unit.records, defects: unit.defects, duplicate: false, deliveredAt: unit.deliverAt });
    if (unit.source !== 'file' && this.roller.roll('duplicate_delivery')) this.delayed.push(unit.deliverAt + 60_000 + this.prng.int(7_200_000), { kind: 'native-dup', unit: compact(unit) });
  }

  private flushBatch(): void {
    if (this.batch.length === 0) return;
    const units = this.batch;
    this.batch = [];
    this.batchEvents = 0;
    let last = 0;
    const events: Array<Record<string, unknown>> = [];
    const envelopes: Envelope[] = [];
    const records: GeneratedRecordLine[] = [];
    const defects: GroundTruthEntry[] = [];
    for (const u of units) {
      if (u.deliverAt > last) last = u.deliverAt;
      append(events, u.native);
      append(envelopes, u.envelopes);
      append(records, u.records);
      append(defects, u.defects);
    }
    const deliveredAt = last + 200 + this.prng.int(2800);
    const json = joinTexts(units, 'nativeJson');
    const escaped = joinTexts(units, 'nativeEscaped');
    const merged: DeliveryUnit = { source: 'hubspot', entity: 'contact', slot: -1, time: units[0]!.time, deliverAt: deliveredAt, native: events, envelopes, envelopeJson: joinTexts(units, 'envelopeJson'), records, defects, reorderable: false };
    const post = this.hubspot.posts ? this.hubspot.post(events, deliveredAt, json, escaped) : NO_POST;
    this.out.push({ type: 'delivery', tenant_id: this.tenant_id, source: 'hubspot', native: post.native, nativeJson: post.line, envelopes: merged.envelopes, envelopeJson: merged.envelopeJson, records: merged.records, defects: merged.defects, duplicate: false, deliveredAt });
    if (this.roller.roll('duplicate_delivery', events.length)) {
      // HubSpot retries a POST that was not acknowledged: same events, attemptNumber + 1.
      const retry = events.map((e) => ({ ...e, attemptNumber: (e.attemptNumber as number) + 1 }));
      this.delayed.push(deliveredAt + 60_000 + this.prng.int(3_600_000), { kind: 'hubspot-dup', events: retry, unit: compact(merged) });
    }
  }

  private emitDuplicate(d: Exclude<Delayed, { kind: 'late' }>, deliveredAt: number): void {
    const { unit } = d;
    const defects = unit.envelopes.map((e) => groundTruth(this.tenant_id, e.entity, e.event_id, { kind: 'duplicate_delivery', detail: { first_delivered_at: isoTime(unit.deliverAt), source: unit.source } }));
    let native: Record<string, unknown>;
    if (d.kind === 'hubspot-dup') {
      if (this.batch.length > 0) this.flushBatch();
      native = (this.hubspot.posts ? this.hubspot.post(d.events, deliveredAt) : NO_POST).native as unknown as Record<string, unknown>;
    } else {
      const original = unit.native[0] as Record<string, unknown>;
      // Debezium re-reads the WAL after a connector restart: same source block, new processing time.
      native = unit.source === 'debezium' ? { ...original, ts_ms: deliveredAt + 5 + this.prng.int(800) } : original;
    }
    this.out.push({ type: 'delivery', tenant_id: this.tenant_id, source: unit.source, native, envelopes: unit.envelopes, envelopeJson: unit.envelopeJson, records: [], defects, duplicate: true, deliveredAt });
  }
}
